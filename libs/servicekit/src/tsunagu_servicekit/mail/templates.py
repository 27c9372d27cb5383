"""Mail templates: plain-text Jinja2 files in the service's package, Japanese first.

A template ``<package>/mail/<name>.txt`` defines two blocks, ``subject`` and ``body``::

    {% block subject %}【つなぐ】返信期限を過ぎた相談があります{% endblock %}
    {% block body %}…{{ due_label }}…
    配信停止: {{ unsubscribe_url }}{% endblock %}

Undefined names fail the render (a mail never goes out with a hole in it), and every template
is rendered once with sample values by the service's tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


class MailTemplates:
    """The templates ``loader`` finds (a service's: :meth:`of_package`)."""

    def __init__(self, loader: jinja2.BaseLoader) -> None:
        self.env = jinja2.Environment(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text: nothing here is HTML
            keep_trailing_newline=True,
        )

    @classmethod
    def of_package(cls, package: str, folder: str = "mail") -> MailTemplates:
        """``<package>/mail/*.txt``."""
        return cls(jinja2.PackageLoader(package, folder))

    def names(self) -> list[str]:
        return sorted(n.removesuffix(".txt") for n in self.env.list_templates(extensions=["txt"]))

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedMail:
        template = self.env.get_template(f"{name}.txt")
        blocks = template.blocks
        if "subject" not in blocks or "body" not in blocks:
            raise ValueError(f"mail template {name} must define the blocks subject and body")
        ctx = template.new_context(dict(context))
        subject = "".join(blocks["subject"](ctx)).strip()
        if "\n" in subject or not subject:
            raise ValueError(f"mail template {name}: the subject is one non-empty line")
        body = "".join(blocks["body"](ctx)).strip() + "\n"
        return RenderedMail(subject, body)
