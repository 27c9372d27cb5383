"""Looking inside a PDF, for tests and checks: its text, whether its fonts are embedded, and a page
as a PNG. Needs the ``inspect`` extra (pypdf, pypdfium2, Pillow)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf
import pypdfium2
from pypdf.generic import DictionaryObject


@dataclass(frozen=True, slots=True)
class PdfFont:
    """A font a page uses: its PostScript name and whether the file carries its glyphs."""

    name: str
    embedded: bool


def pdf_text(pdf: bytes) -> str:
    """The text of every page, in order, one page per block."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n\f\n".join(page.extract_text() for page in reader.pages)


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def page_size_mm(pdf: bytes, page: int = 0) -> tuple[float, float]:
    """Width and height of a page in millimetres."""
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[page].mediabox
    return (round(float(box.width) * 25.4 / 72, 1), round(float(box.height) * 25.4 / 72, 1))


def fonts(pdf: bytes) -> list[PdfFont]:
    """Every font of every page; Type 0 (CID) fonts are judged by their descendant's descriptor."""
    found: dict[str, PdfFont] = {}
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        if not isinstance(resources, DictionaryObject) or "/Font" not in resources:
            continue
        for ref in resources["/Font"].get_object().values():  # type: ignore[union-attr]
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants.get_object()[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            keys = set(descriptor.get_object().keys()) if descriptor else set()
            embedded = bool(keys & {"/FontFile", "/FontFile2", "/FontFile3"})
            name = str(font.get("/BaseFont", "?"))
            found[name] = PdfFont(name=name, embedded=embedded)
    return sorted(found.values(), key=lambda f: f.name)


def page_png(pdf: bytes, page: int = 0, *, dpi: int = 110) -> bytes:
    """One page rendered to PNG by PDFium (as a reader would show it)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page].render(scale=dpi / 72).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
    finally:
        document.close()
