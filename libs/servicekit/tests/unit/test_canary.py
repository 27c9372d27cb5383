"""The canary kit: markers in both widths, the search through escapes, what the bus text leaves out."""

from __future__ import annotations

import html
import json
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tsunagu_servicekit.testing import RecordedMessage
from tsunagu_servicekit.testing.canary import (
    CapturedService,
    Markers,
    RecordingClient,
    assert_no_leaks,
    bus_text,
    fold,
    full_width,
    half_width,
    leaks,
)

MARKERS = Markers({"name": "NM", "notes": "NT"})


def test_markers_alternate_widths_and_fold_to_one_spelling() -> None:
    assert MARKERS(6, "name") == "CNRY006NMｶﾅﾘｱ山田"
    assert MARKERS(7, "name") == "ＣＮＲＹ００７ＮＭカナリア山田"
    assert MARKERS(7, "name", "half") == "CNRY007NMｶﾅﾘｱ山田"
    assert fold(MARKERS(6, "name")) == fold(MARKERS(6, "name", "full")) == "CNRY006NMカナリア山田"
    assert MARKERS.ascii(3, "notes") == "cnry003nt"


def test_widths_convert_ascii_and_katakana_voiced_ones_included() -> None:
    assert full_width("a1 ") == "ａ１\u3000"
    assert half_width("ＡガッコウＢ山") == "Aｶﾞｯｺｳ" + "B山"


@pytest.mark.parametrize(
    "hidden",
    [
        MARKERS(7, "name"),
        MARKERS(8, "name"),
        json.dumps({"v": MARKERS(7, "notes")}),  # \uXXXX escapes
        urllib.parse.quote(MARKERS(8, "notes")),  # a query string
        html.escape(MARKERS(9, "name")).replace("Ｃ", "&#xff23;"),  # a character reference
        MARKERS.ascii(5, "notes") + "@example.jp",
    ],
)
def test_the_search_finds_a_marker_however_it_is_spelt(hidden: str) -> None:
    assert MARKERS.find(f"before {hidden} after")


def test_the_search_reports_cores_and_a_bare_word_and_nothing_else() -> None:
    assert MARKERS.find(f"{MARKERS(1, 'name')} {MARKERS(2, 'notes')}") == [
        "CNRY001NM",
        "CNRY002NT",
        "カナリア",
    ]
    assert MARKERS.find("ｶﾅﾘ") == []
    assert MARKERS.find("truncated ｶﾅﾘｱ") == ["カナリア"]
    assert MARKERS.find("CNRY12NM カナリ 山田") == []


def test_two_sets_are_told_apart() -> None:
    public = Markers({"name": "PN"}, prefix="ORGN", word="ヒバリ", surname="鈴木")
    text = public(1, "name")
    assert public.find(text) == ["ORGN001PN", "ヒバリ"]
    assert MARKERS.find(text) == []


@pytest.mark.parametrize(
    ("fields", "prefix", "word"),
    [({"a": "N"}, "CNRY", "カナリア"), ({"a": "NM", "b": "NM"}, "CNRY", "カナリア"), ({}, "cnry", "カナリア"),
     ({}, "CNRY", "山田")],
)  # fmt: skip
def test_markers_refuse_what_the_search_could_not_tell_apart(
    fields: dict[str, str], prefix: str, word: str
) -> None:
    with pytest.raises(ValueError, match=r"prefix|field codes|word"):
        Markers(fields, prefix=prefix, word=word)


def test_leaks_name_the_channels_and_the_assertion_fails_on_one() -> None:
    channels = {"bus": "clean", "service log": f"oops {MARKERS(4, 'notes')}"}
    assert leaks(MARKERS, channels) == {"service log": ["CNRY004NT", "カナリア"]}
    with pytest.raises(AssertionError, match="service log"):
        assert_no_leaks(MARKERS, channels)
    assert_no_leaks(MARKERS, {"bus": "clean"})


def _message(data: bytes, **headers: str) -> RecordedMessage:
    return RecordedMessage("tsunagu.dlq.x", dict(headers), data, datetime.now(UTC))


def test_bus_text_leaves_out_only_the_payloads_it_is_told_to() -> None:
    poison = json.dumps({"person_id": MARKERS(1, "name")}).encode()
    messages = [_message(poison, **{"Tsunagu-Dlq-Error": "ValidationError"}), _message(b'{"ok": "\\u5c71"}')]
    assert MARKERS.find(bus_text(messages))
    kept = bus_text(messages, except_payloads={poison})
    assert MARKERS.find(kept) == []
    assert "Tsunagu-Dlq-Error: ValidationError" in kept
    assert '"ok": "山"' in kept  # JSON payloads are added unescaped


async def test_the_recording_client_keeps_error_bodies_only() -> None:
    import httpx

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.path == "/ok" else 422, text=f"body of {request.url.path}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://t") as client:
        run = RecordingClient(client)
        await run.call("GET", "/ok", 200)
        await run.call("GET", "/bad", 422)
        with pytest.raises(AssertionError, match="/bad"):
            await run.call("GET", "/bad", 200)
    assert run.statuses == {200: 1, 422: 2}
    assert len(run.error_bodies) == 2
    assert all(body.startswith("body of /bad") for body in run.error_bodies)


def test_a_captured_service_gets_its_settings_under_its_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_DEMO_JWT_SECRET", "from the shell")
    service = CapturedService("demo", tmp_path, {"JWT_SECRET": "s", "LOG_LEVEL": "INFO"}, port=8123)
    env = service.environment()
    assert env["TSUNAGU_DEMO_JWT_SECRET"] == "s"
    assert env["TSUNAGU_DEMO_LOG_LEVEL"] == "INFO"
    assert env["TSUNAGU_DEMO_HTTP_PORT"] == "8123"
    assert env["TSUNAGU_DEMO_TRACES_FILE"] == str(service.traces_file)
    assert env["TSUNAGU_DEMO_ENVIRONMENT"] == "test"
    assert service.logs() == service.spans() == ""
