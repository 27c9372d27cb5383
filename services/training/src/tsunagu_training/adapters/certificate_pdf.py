"""Printing a certificate: its verification URL as a QR code (segno) and the document through the
kit's one way to print (:mod:`tsunagu_typeset`, Noto Sans CJK JP embedded)."""

from __future__ import annotations

import io
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import segno
from tsunagu_typeset import render_pdf

_TEMPLATE = "certificate.typ"


def _template() -> Path:
    return Path(str(resources.files("tsunagu_training.adapters.print").joinpath(_TEMPLATE)))


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as SVG text: error correction M, the standard four-module quiet zone."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=4, border=4, xmldecl=False)
    return out.getvalue().decode("utf-8")


def certificate_pdf(document: dict[str, Any], verify_url: str, *, issued_at: datetime) -> bytes:
    """An A4 certificate from its printed fields and the URL its QR code leads to."""
    return render_pdf(
        _template(), {**document, "verify_url": verify_url, "qr_svg": qr_svg(verify_url)}, timestamp=issued_at
    )
