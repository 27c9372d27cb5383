"""The web consultation's public pages in a real browser (Debian's Chromium): a person registers,
consults, is told by mail that a reply is waiting, reads it, and resets a forgotten password with
the recovery code. Every page is checked with axe-core, the same journey is made with script
turned off, and screenshots are kept as artefacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tsunagu_intake.testing import COUNSELLOR, IntakeService, service_without_broker
from tsunagu_servicekit.testing import SettableClock, artefacts_dir
from tsunagu_servicekit.testing.browser import axe_violations, browser_page
from tsunagu_servicekit.testing.smtp import SmtpInbox, loopback_smtp
from tsunagu_typeset import font_dirs

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
BODY = "息子が半年ほど部屋から出てきません。どう声をかければよいでしょうか。"
REPLY = "ご相談ありがとうございます。まずはご家族が休めることも大切です。"
ADDRESS = "hanako@example.jp"


async def no_violations(page: Any) -> None:
    violations = await axe_violations(page)
    assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]


async def shot(page: Any, name: str) -> None:
    await page.screenshot(path=str(artefacts_dir("intake") / f"{name}.png"), full_page=True)


async def register(page: Any) -> tuple[str, str]:
    await page.goto("/")
    await page.get_by_role("link", name="利用登録").first.click()
    await page.get_by_label("ニックネーム").fill("はなこ")
    await page.get_by_label("メールアドレス").fill(ADDRESS)
    await page.get_by_label("相談したい方の年代").select_option("20_29")
    await page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    await page.get_by_label("パスワード（確認）").fill(PASSWORD)
    await page.get_by_label("入力した情報を").check()
    await page.get_by_role("button", name="登録する").click()
    # A click returns before the answer has loaded: wait for the page that answers it.
    await page.get_by_role("heading", level=1, name="登録が完了しました").wait_for()
    return (
        (await page.locator("#user-number").inner_text()).strip(),
        (await page.locator("#recovery-code").inner_text()).strip(),
    )


async def consult(page: Any) -> None:
    await page.goto("/consult")
    await page.get_by_label("家族", exact=True).check()
    await page.get_by_label("ひきこもりの状態").check()
    await page.get_by_label("ご相談の内容").fill(BODY)
    await page.get_by_role("button", name="送信する").click()
    await page.get_by_role("heading", level=1, name="ご相談を受け付けました").wait_for()


def reply_to_last(service: IntakeService) -> Any:
    received = [e for e in service.new_events() if e.type == "tsunagu.intake.consultation.received.v1"][-1]
    return service.client.post(
        f"/consultations/{received.data.consultation_id}/replies", json={"body": REPLY}, headers=COUNSELLOR
    )


def mail_settings(smtp: SmtpInbox) -> dict[str, object]:
    return {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "mail_interval": 3600.0}


async def test_register_consult_be_told_read_the_reply_and_reset_the_password(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    with loopback_smtp() as smtp:
        async with (
            service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as service,
            browser_page(service.client, font_dirs=font_dirs()) as page,
        ):
            await page.goto("/")
            assert await page.locator("html").get_attribute("lang") == "ja"
            assert "ただいま受付中" in await page.get_by_role("status").inner_text()
            await shot(page, "web-home")
            await no_violations(page)

            await page.goto("/register")
            await no_violations(page)
            number, code = await register(page)
            await shot(page, "web-registered")
            await no_violations(page)

            await page.goto("/consult")
            await no_violations(page)
            await consult(page)
            assert "令和7年5月8日" in await page.locator("main").inner_text()
            await shot(page, "web-submitted")
            await no_violations(page)

            answered = await reply_to_last(service)
            assert answered.status_code == 201, answered.text
            assert service.runtime.kit_timer("mail").scan_once(service.runtime.engine) == 1
            [mail] = smtp.messages
            assert mail["To"] == ADDRESS
            assert mail["Subject"] == "【つなぐ】ご相談への返信が届いています"
            assert BODY not in mail.as_string()
            assert REPLY not in mail.as_string()

            await page.goto("/my")
            text = await page.locator("main").inner_text()
            assert BODY in text
            assert REPLY in text
            await shot(page, "web-my-consultations")
            await no_violations(page)

            await page.get_by_role("button", name="ログアウト").click()
            await page.get_by_role("link", name="ログイン").first.wait_for()
            await page.goto("/reset")
            await no_violations(page)
            await page.get_by_label("利用者番号").fill(number)
            await page.get_by_label("復旧コード").fill(code.lower().replace("-", " "))
            await page.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
            await page.get_by_label("新しいパスワード（確認）").fill(NEW_PASSWORD)
            await page.get_by_role("button", name="パスワードを設定する").click()
            await page.get_by_role("heading", level=1, name="パスワードを設定しました").wait_for()
            renewed = (await page.locator("#recovery-code").inner_text()).strip()
            assert renewed != code
            await shot(page, "web-password-reset")
            await no_violations(page)

            await page.goto("/login")
            await page.get_by_label("利用者番号").fill(number)
            await page.get_by_label("パスワード").fill(PASSWORD)
            await page.get_by_role("button", name="ログイン").click()
            assert "正しくありません" in await page.get_by_role("alert").inner_text()
            await shot(page, "web-login-failed")
            await no_violations(page)
            await page.get_by_label("利用者番号").fill(number)
            await page.get_by_label("パスワード").fill(NEW_PASSWORD)
            await page.get_by_role("button", name="ログイン").click()
            await page.wait_for_url("**/my")
            assert REPLY in await page.locator("main").inner_text()

            await page.goto("/mail-settings")
            await no_violations(page)
            await page.goto("/phone")
            await no_violations(page)


async def test_the_pages_work_with_script_turned_off(service: IntakeService) -> None:
    async with browser_page(service.client, font_dirs=font_dirs(), javascript=False) as page:
        await register(page)
        await consult(page)
        answered = await reply_to_last(service)
        assert answered.status_code == 201
        await page.goto("/my")
        assert REPLY in await page.locator("main").inner_text()
        await page.goto("/consult")
        await page.get_by_role("button", name="送信する").click()  # nothing written: the field is named
        assert "ご相談の内容を入力してください" in await page.get_by_role("alert").inner_text()
        await shot(page, "web-consult-invalid-no-script")
