"""The leaflets and the pocket memo as files: Japanese text that can be extracted, fonts embedded,
the sizes printers expect; a page of each is kept as a PNG artefact."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tsunagu_calendar import DEFAULT_OPENING_HOURS, describe_hours_ja
from tsunagu_contracts.events.partners import SupportKind, SupportTarget
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_partners.adapters.printing import leaflet_pdf, memo_pdf
from tsunagu_partners.domain.directory import Edition, Listing, SupportNet, leaflet_document, memo_document
from tsunagu_servicekit.testing import artefacts_dir
from tsunagu_typeset.inspect import fonts, page_png, page_size_mm, pdf_text

SHINJUKU = "131041"
_, PHONE_NOW, EMAIL = DEFAULT_OPENING_HOURS
NET = SupportNet(
    phone="0120-529-528", phone_hours=describe_hours_ja(PHONE_NOW), email_hours=describe_hours_ja(EMAIL)
)
ISSUED = datetime(2025, 12, 3, 0, 0, tzinfo=UTC)
WINDOWS = [
    Listing(
        id=f"w{i}",
        kind="municipal_window",
        name=name,
        municipality_code=SHINJUKU,
        support_kinds=(SupportKind.CONSULTATION,),
        targets=(SupportTarget.PERSON, SupportTarget.FAMILY),
        phone=phone,
        address="東京都新宿区歌舞伎町一丁目4番1号",
        hours="月〜金 8:30〜17:15（祝日・年末年始を除く）",
    )
    for i, (name, phone) in enumerate(
        [
            ("新宿区 福祉部 ひきこもり相談窓口", "03-5273-0001"),
            ("新宿区保健センター 精神保健相談", "03-3200-0002"),
        ]
    )
]


def test_a_municipalitys_leaflet_holds_each_window_the_phone_and_the_hours() -> None:
    document = leaflet_document(
        WINDOWS,
        municipality_code=SHINJUKU,
        municipalities=tokyo_municipalities(),
        support_net=NET,
        edition=Edition(1, date(2025, 12, 3)),
    )
    pdf = leaflet_pdf(document, issued_at=ISSUED)
    text = pdf_text(pdf).replace(" ", "")
    for window in WINDOWS:
        assert window.name.replace(" ", "") in text
        assert window.phone is not None
        assert window.phone in text
    assert "0120-529-528" in text
    assert "月〜土10:00〜17:00（祝日・年末年始を除く）" in text
    assert "第1版令和7年12月3日発行" in text
    assert page_size_mm(pdf) == (210.0, 297.0)
    used = fonts(pdf)
    assert used
    assert all(font.embedded for font in used)
    (artefacts_dir("partners") / "leaflet-131041.png").write_bytes(page_png(pdf))
    (artefacts_dir("partners") / "leaflet-131041.pdf").write_bytes(pdf)


def test_the_pocket_memo_is_a_card_with_the_line_and_its_hours() -> None:
    pdf = memo_pdf(memo_document(NET, Edition(1, date(2025, 12, 3))), issued_at=ISSUED)
    text = pdf_text(pdf).replace(" ", "")
    assert "0120-529-528" in text
    assert "月〜土10:00〜17:00" in text
    assert "わたしの相談先" in text
    assert page_size_mm(pdf) == (91.0, 55.0)
    assert all(font.embedded for font in fonts(pdf))
    (artefacts_dir("partners") / "memo.png").write_bytes(page_png(pdf, dpi=200))


@pytest.mark.parametrize("hostile", ['#panic("x")', "] [ *強調* $x$"])
def test_text_from_the_records_is_printed_not_interpreted(hostile: str) -> None:
    listing = Listing(id="x", kind="npo", name=hostile, municipality_code=SHINJUKU)
    document = leaflet_document(
        [listing],
        municipality_code=SHINJUKU,
        municipalities=tokyo_municipalities(),
        support_net=NET,
        edition=Edition(1, date(2025, 12, 3)),
    )
    assert hostile.replace(" ", "") in pdf_text(leaflet_pdf(document, issued_at=ISSUED)).replace(" ", "")
