"""The public pages over HTTP, as a browser without script sends them: forms with their CSRF field,
the login cookie, headers, rate limits, error pages that echo nothing, and the recovery code."""

from __future__ import annotations

import re

import httpx
from tsunagu_intake.testing import COUNSELLOR, IntakeService

PASSWORD = "correct horse battery"
CANARY = "CANARY-須藤-7c1e"

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def token_of(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    found = _TOKEN.search(page.text)
    assert found, "the form carries a CSRF field"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, object], *, form_page: str | None = None
) -> httpx.Response:
    token = await token_of(client, form_page or path)
    return await client.post(path, data={**data, "csrf_token": token})


def code_in(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]+)<', page)
    assert found, element_id
    return found.group(1)


async def register(client: httpx.AsyncClient, **extra: str) -> tuple[str, str]:
    r = await post_form(
        client,
        "/register",
        {"password": PASSWORD, "password_confirm": PASSWORD, "agree": "yes", "age_band": "20_29", **extra},
    )
    assert r.status_code == 200, r.text
    return code_in(r.text, "user-number"), code_in(r.text, "recovery-code")


async def test_the_top_page_is_japanese_with_strict_headers_and_the_phone_line(
    service: IntakeService,
) -> None:
    r = await service.client.get("/")
    assert r.status_code == 200
    assert '<html lang="ja">' in r.text
    assert "ただいま受付中" in r.text  # the kit's clock: Thursday 10:00 in Tokyo
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    css = await service.client.get("/assets/pages.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_register_consult_read_the_reply_through_the_pages(service: IntakeService) -> None:
    client = service.client
    number, code = await register(client, nickname="ﾊﾅｺ")
    assert re.fullmatch(r"[0-9]{10}", number)
    assert re.fullmatch(r"([0-9A-Z]{4}-){3}[0-9A-Z]{4}", code)
    assert "tsunagu_web" in client.cookies  # signed in by the registration

    sent = await post_form(
        client,
        "/consult",
        {
            "consulter": "family",
            "declared": "none",
            "topics": ["withdrawal", "employment"],
            "body": "息子が部屋から出てきません",
        },
    )
    assert sent.status_code == 200, sent.text
    assert "ご相談を受け付けました" in sent.text
    assert "令和7年5月" in sent.text
    received = service.new_events()[-1]
    assert received.type == "tsunagu.intake.consultation.received.v1"
    consultation_id = received.data.consultation_id

    reply = await client.post(
        f"/consultations/{consultation_id}/replies",
        json={"body": "ご相談ありがとうございます"},
        headers=COUNSELLOR,
    )
    assert reply.status_code == 201, reply.text
    mine = await client.get("/my")
    assert mine.status_code == 200
    assert "息子が部屋から出てきません" in mine.text
    assert "ご相談ありがとうございます" in mine.text

    out = await post_form(client, "/logout", {}, form_page="/my")
    assert out.status_code == 303
    assert out.headers["location"] == "/"
    assert (await client.get("/my")).headers["location"] == "/login"

    login = await post_form(client, "/login", {"user_number": number, "password": PASSWORD})
    assert login.status_code == 303
    assert login.headers["location"] == "/my"
    assert "ご相談ありがとうございます" in (await client.get("/my")).text


async def test_an_emergency_gets_the_immediate_answer_on_the_page(service: IntakeService) -> None:
    await register(service.client)
    sent = await post_form(
        service.client, "/consult", {"consulter": "person", "declared": "emergency", "body": "助けて"}
    )
    assert sent.status_code == 200
    assert "119番" in sent.text
    assert 'role="alert"' in sent.text


async def test_a_form_without_its_token_or_from_another_site_is_refused_with_an_error_page(
    service: IntakeService,
) -> None:
    client = service.client
    await client.get("/register")  # the CSRF cookie, but no token in the form
    bare = await client.post("/register", data={"password": PASSWORD, "nickname": CANARY})
    assert bare.status_code == 403
    assert bare.headers["content-type"].startswith("text/html")
    assert "csrf_failed" in bare.text
    assert CANARY not in bare.text
    token = await token_of(client, "/register")
    cross = await client.post(
        "/register",
        data={"password": PASSWORD, "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    forged = await client.post("/register", data={"password": PASSWORD, "csrf_token": token + "x"})
    assert forged.status_code == 403
    assert service.new_events() == []


async def test_invalid_fields_are_named_and_no_password_is_sent_back(service: IntakeService) -> None:
    r = await post_form(
        service.client,
        "/register",
        {"password": "short", "password_confirm": "other", "nickname": "ゆう", "agree": "yes"},
    )
    assert r.status_code == 422
    assert "パスワードは8〜128文字" in r.text
    assert "確認用のパスワードが一致しません" in r.text
    assert 'aria-invalid="true"' in r.text
    assert "short" not in r.text
    assert "other" not in r.text
    assert "ゆう" not in r.text  # nothing typed comes back, not even the nickname
    assert service.new_events() == []


async def test_a_wrong_login_says_the_same_and_echoes_nothing(service: IntakeService) -> None:
    r = await post_form(service.client, "/login", {"user_number": CANARY, "password": CANARY})
    assert r.status_code == 400
    assert "利用者番号またはパスワードが正しくありません" in r.text
    assert CANARY not in r.text


async def test_forms_are_rate_limited_per_address(service: IntakeService) -> None:
    # A different number each time, so the per-number lock in the database does not answer first.
    answers = [
        (
            await post_form(
                service.client, "/login", {"user_number": f"{1_000_000_000 + i}", "password": "x"}
            )
        ).status_code
        for i in range(11)
    ]
    assert answers[:10] == [400] * 10
    assert answers[10] == 429
    limited = await post_form(service.client, "/login", {"user_number": "1000000099", "password": "x"})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "rate_limited" in limited.text


async def test_a_forgotten_password_is_reset_with_the_recovery_code_which_is_then_spent(
    service: IntakeService,
) -> None:
    client = service.client
    number, code = await register(client)
    await post_form(client, "/logout", {}, form_page="/my")
    new_password = "another long passphrase"
    wrong = await post_form(
        client,
        "/reset",
        {
            "user_number": number,
            "recovery_code": "0000-0000-0000-0000",
            "new_password": new_password,
            "password_confirm": new_password,
        },
    )
    assert wrong.status_code == 400
    assert "復旧コードが正しくありません" in wrong.text
    # As a person might type it: lower case, no hyphens, full-width digits are all forgiven.
    typed = code.replace("-", "").lower()
    done = await post_form(
        client,
        "/reset",
        {
            "user_number": number,
            "recovery_code": typed,
            "new_password": new_password,
            "password_confirm": new_password,
        },
    )
    assert done.status_code == 200, done.text
    renewed = code_in(done.text, "recovery-code")
    assert renewed != code
    assert (
        await post_form(client, "/login", {"user_number": number, "password": PASSWORD})
    ).status_code == 400
    assert (
        await post_form(client, "/login", {"user_number": number, "password": new_password})
    ).status_code == 303
    again = await post_form(
        client,
        "/reset",
        {
            "user_number": number,
            "recovery_code": code,
            "new_password": new_password,
            "password_confirm": new_password,
        },
    )
    assert again.status_code == 400  # the first code is spent


async def test_the_json_api_resets_too_and_returns_the_new_code(service: IntakeService) -> None:
    r = await service.client.post("/web/registrations", json={"password": PASSWORD})
    registered = r.json()
    reset = await service.client.post(
        "/web/password-resets",
        json={
            "user_number": registered["user_number"],
            "recovery_code": registered["recovery_code"],
            "new_password": "new pass phrase",
        },
    )
    assert reset.status_code == 200, reset.text
    assert reset.json()["recovery_code"] != registered["recovery_code"]
    spent = await service.client.post(
        "/web/password-resets",
        json={
            "user_number": registered["user_number"],
            "recovery_code": registered["recovery_code"],
            "new_password": "new pass phrase",
        },
    )
    assert spent.status_code == 401
    assert spent.json()["rule"] == "password_reset_failed"


async def test_pages_that_need_a_login_send_to_the_login_page(service: IntakeService) -> None:
    for path in ("/consult", "/my"):
        r = await service.client.get(path)
        assert r.status_code == 303
        assert r.headers["location"] == "/login"


async def test_the_person_turns_the_reply_notice_off_and_on_as_its_unsubscribe_link_would(
    service: IntakeService,
) -> None:
    from tsunagu_servicekit.mail.unsubscribe import unsubscribed_topics

    client = service.client
    await register(client, email="taro@example.jp")
    page = await client.get("/mail-settings")
    assert 'value="reply_waiting" checked' in page.text
    off = await post_form(client, "/mail-settings", {}, form_page="/mail-settings")
    assert off.status_code == 200
    assert "設定を保存しました" in off.text
    assert 'value="reply_waiting" checked' not in off.text
    assert set(unsubscribed_topics(service.runtime.engine, _person_of(service))) == {
        "reply_waiting",
        "seat_confirmed",
    }
    on = await post_form(client, "/mail-settings", {"topics": "reply_waiting"}, form_page="/mail-settings")
    assert 'value="reply_waiting" checked' in on.text
    assert set(unsubscribed_topics(service.runtime.engine, _person_of(service))) == {"seat_confirmed"}


def _person_of(service: IntakeService) -> str:
    """The recipient reference of the one person registered in the test."""
    from sqlalchemy import text

    with service.runtime.engine.connect() as conn:
        [person_id] = conn.execute(text("select id from intake_person")).scalars().all()
    return f"person:{person_id}"
