"""The certificate as printed: Japanese text with its font embedded, era dates, the verification
code, and a QR code that a decoder reads back as the verification URL. A PNG of the page is kept
as an artefact to look at."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from tsunagu_servicekit.testing import SettableClock, artefacts_dir
from tsunagu_training.testing import (
    TRAINER,
    TrainingService,
    attend,
    coordinator,
    enrolled_learner,
    service_without_broker,
)
from tsunagu_typeset import FONT_FAMILY
from tsunagu_typeset.inspect import fonts, page_count, page_png, page_size_mm, pdf_text

NAME = "研修 花子"


def qr_codes(pdf: bytes) -> list[str]:
    """What a QR decoder (ZXing) reads on the page rendered as a reader would show it."""
    image = Image.open(io.BytesIO(page_png(pdf, dpi=200)))
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


async def _certificate(service: TrainingService) -> tuple[dict[str, str], dict[str, Any]]:
    headers, learner, enrolment = await enrolled_learner(
        service.client, subject="staff-p1", course_code="sup-02", name=NAME
    )
    attend(service, enrolment["id"])
    listed = await service.client.get(f"/learners/{learner['id']}/certificates", headers=headers)
    return headers, listed.json()[0]


async def test_the_certificate_prints_in_japanese_with_its_font_and_a_qr_code_of_its_page(
    service: TrainingService,
) -> None:
    headers, certificate = await _certificate(service)
    response = await service.client.get(f"/certificates/{certificate['id']}.pdf", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition == f'inline; filename="certificate-sup-02-{certificate["verification_code"]}.pdf"'
    assert response.headers["cache-control"] == "private, no-store"
    pdf = response.content
    (artefacts_dir("training") / "certificate-sup-02.pdf").write_bytes(pdf)
    (artefacts_dir("training") / "certificate-sup-02.png").write_bytes(page_png(pdf, dpi=110))

    assert page_count(pdf) == 1
    assert page_size_mm(pdf) == (210.0, 297.0)
    # Typst puts thin spaces between Japanese and Latin text; compare without them.
    text = pdf_text(pdf).replace(" ", "")
    for printed in (
        "修了証",
        "研修花子",
        "訪問支援",
        "修了日令和7年5月1日",
        "有効期限令和10年4月30日まで",
        "発行日令和7年5月1日",
        f"証明書番号{certificate['verification_code']}",
        certificate["verify_url"],
    ):
        assert printed in text, printed
    embedded = fonts(pdf)
    assert embedded, "the PDF names no font"
    assert all(f.embedded for f in embedded), embedded
    assert all(FONT_FAMILY.replace(" ", "") in f.name.replace("jp", "JP") for f in embedded), embedded

    assert qr_codes(pdf) == [certificate["verify_url"]]
    assert certificate["verify_url"].endswith(f"/public/certificates/{certificate['verification_code']}")

    # The coordinator and the office print the same document.
    for who in (coordinator(), TRAINER):
        again = await service.client.get(f"/certificates/{certificate['id']}.pdf", headers=who)
        assert again.content == pdf


async def test_the_qr_code_leads_to_the_configured_public_address_and_the_settings_reach_the_policy(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    base = "https://kenshu.example.jp/tsunagu"
    settings = {"public_base_url": base, "expiry_notice_business_days": 5, "certificate_issuer": "研修係"}
    async with service_without_broker(database_url, tmp_path, clock, **settings) as service:
        policy = service.context.certificates
        assert (policy.notice_business_days, policy.issuer) == (5, "研修係")
        headers, certificate = await _certificate(service)
        assert certificate["verify_url"] == f"{base}/public/certificates/{certificate['verification_code']}"
        pdf = (await service.client.get(f"/certificates/{certificate['id']}.pdf", headers=headers)).content
        assert qr_codes(pdf) == [certificate["verify_url"]]
        assert "研修係" in pdf_text(pdf)
