"""The agreement templates: the file named in the settings, else the data shipped with the service."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..domain.agreements import AgreementTemplates, load_agreement_templates

SHIPPED = "agreement_templates.json"


def agreement_templates(path: Path | None = None) -> AgreementTemplates:
    if path is not None:
        text = path.read_text(encoding="utf-8")
    else:
        text = resources.files("tsunagu_partners.data").joinpath(SHIPPED).read_text(encoding="utf-8")
    return load_agreement_templates(json.loads(text))
