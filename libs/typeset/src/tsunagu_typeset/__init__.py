"""Printed matter in Japanese, the same way for every service: leaflets, the pocket memo and
certificates.

A template is a Typst file shipped with the service. It never has data pasted into its markup:
the data travel as one JSON document in ``sys.inputs.data`` and the template reads them with
``json(bytes(sys.inputs.data))``, so no text from the records can be read as markup. Fonts come
from the ``noto-cjk`` wheels (Noto Sans CJK JP, SIL Open Font License), system fonts are ignored,
and the PDF embeds the subset of the font it uses, so the output is the same on every machine
and every reader shows the Japanese text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import noto_cjk
import typst

__all__ = ["FONT_FAMILY", "TypesetError", "font_dirs", "render_pdf"]

FONT_FAMILY = "Noto Sans CJK JP"
"""The family templates set their text in."""


class TypesetError(RuntimeError):
    """A template did not compile. The message names the template, never the data."""


@cache
def font_dirs() -> tuple[str, ...]:
    """Directories holding the Japanese fonts (regular and bold) of the installed wheels."""
    paths = {Path(noto_cjk.font_path("sans", "jp", style)).parent for style in ("regular", "bold")}
    return tuple(sorted(str(p) for p in paths))


def render_pdf(template: Path, data: Mapping[str, Any], *, timestamp: datetime) -> bytes:
    """Compile ``template`` with ``data`` (JSON-serialisable) into a PDF.

    ``timestamp`` becomes the document's creation date (and what ``datetime.today()`` gives the
    template), so one edition renders to the same bytes again. Files the template reads (images,
    other templates) are looked up next to it.
    """
    try:
        pdf = typst.compile(
            str(template),
            root=str(template.parent),
            font_paths=list(font_dirs()),
            ignore_system_fonts=True,
            format="pdf",
            sys_inputs={"data": json.dumps(data, ensure_ascii=False, default=str)},
            timestamp=int(timestamp.timestamp()),
        )
    except RuntimeError as error:
        # Typst's message may quote the data; the template's name is enough to find the fault.
        raise TypesetError(f"template {template.name} did not compile") from error
    if not isinstance(pdf, bytes):
        raise TypesetError(f"template {template.name} gave no single PDF")
    return pdf
