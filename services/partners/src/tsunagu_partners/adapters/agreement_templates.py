"""The agreement templates: the file named in the settings, else the data shipped with the service."""

from __future__ import annotations

from pathlib import Path

from tsunagu_servicekit.reference import reference_json

from ..domain.agreements import AgreementTemplates, load_agreement_templates

SHIPPED = "agreement_templates.json"


def agreement_templates(path: Path | None = None) -> AgreementTemplates:
    return load_agreement_templates(reference_json("tsunagu_partners.data", SHIPPED, path))
