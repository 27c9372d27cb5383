"""Japanese printed matter: the text is there, the font travels with the file, data stay data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tsunagu_typeset import TypesetError, render_pdf
from tsunagu_typeset.inspect import fonts, page_count, page_png, page_size_mm, pdf_text

TEMPLATE = Path(__file__).parent / "templates" / "sample.typ"
AT = datetime(2025, 12, 3, 1, 0, tzinfo=UTC)


def test_japanese_text_is_extractable_and_its_font_embedded() -> None:
    pdf = render_pdf(
        TEMPLATE, {"title": "ひきこもり相談窓口", "lines": ["電話 0120-529-528", "ｶﾀｶﾅ全角"]}, timestamp=AT
    )
    text = pdf_text(pdf)
    assert "ひきこもり相談窓口" in text
    assert "0120-529-528" in text
    used = fonts(pdf)
    assert used, "the page uses no font"
    assert all(f.embedded for f in used)
    assert any("NotoSansCJKjp" in f.name for f in used)
    assert page_count(pdf) == 1
    assert page_size_mm(pdf) == (105.0, 148.0)


def test_markup_in_the_data_is_printed_as_text() -> None:
    hostile = '#panic("x") *bold* ] [ $x$ // 〜'
    pdf = render_pdf(TEMPLATE, {"title": hostile, "lines": [hostile]}, timestamp=AT)
    assert pdf_text(pdf).count('#panic("x")') == 2


def test_one_edition_renders_to_the_same_bytes() -> None:
    data = {"title": "同じ版", "lines": []}
    assert render_pdf(TEMPLATE, data, timestamp=AT) == render_pdf(TEMPLATE, data, timestamp=AT)


def test_a_broken_template_names_itself_not_the_data(tmp_path: Path) -> None:
    broken = tmp_path / "broken.typ"
    broken.write_text("#let data = json(bytes(sys.inputs.data))\n#data.missing.deeper", encoding="utf-8")
    with pytest.raises(TypesetError) as raised:
        render_pdf(broken, {"secret": "カナリア"}, timestamp=AT)
    assert "broken.typ" in str(raised.value)
    assert "カナリア" not in str(raised.value)


def test_a_page_renders_to_png() -> None:
    png = page_png(render_pdf(TEMPLATE, {"title": "画像", "lines": []}, timestamp=AT))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
