"""Rendering the directory's printed matter: the leaflets and the pocket memo, from the documents
the domain builds (:mod:`tsunagu_partners.domain.directory`), with the kit's one way to print."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from tsunagu_typeset import render_pdf


def _template(name: str) -> Path:
    return Path(str(resources.files("tsunagu_partners.adapters.print").joinpath(name)))


def leaflet_pdf(document: dict[str, Any], *, issued_at: datetime) -> bytes:
    """An A4 leaflet (one municipality's, or all of Tokyo's)."""
    return render_pdf(_template("leaflet.typ"), document, timestamp=issued_at)


def memo_pdf(document: dict[str, Any], *, issued_at: datetime) -> bytes:
    """The card-sized pocket consultation memo, front and back."""
    return render_pdf(_template("memo.typ"), document, timestamp=issued_at)
