"""iCalendar feeds per staff member and room."""

from __future__ import annotations

from tsunagu_scheduling.testing import COUNSELLOR, TRAINER, Service, tokyo

CRLF_SPACE = "\r\n "


async def test_feeds_of_a_counsellor_and_a_room(service: Service) -> None:
    counsellor = await service.resource("counsellor", "C-01")
    room = await service.resource("room", "相談室 1")
    person = service.known_person()
    body = {
        "kind": "in_person",
        "person_id": person,
        "staff_id": counsellor,
        "room_id": room,
        "starts_at": tokyo(2026, 4, 8, 10),
        "minutes": 60,
    }
    booked = await service.post("/appointments", body, COUNSELLOR)
    cancelled = await service.post(
        "/appointments",
        {**body, "starts_at": tokyo(2026, 4, 9, 10), "person_id": service.known_person()},
        COUNSELLOR,
    )
    await service.post(f"/appointments/{cancelled['id']}/cancel", {}, COUNSELLOR)
    await service.post(
        "/sessions", {"kind": "lecture", "starts_at": tokyo(2026, 4, 18, 14), "capacity": 4, "room_id": room}
    )

    response = await service.client.get(f"/calendars/{counsellor}.ics", headers=COUNSELLOR)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace(CRLF_SPACE, "")
    assert f"UID:{booked['id']}@tsunagu" in unfolded
    assert "DTSTART:20260408T010000Z" in unfolded
    assert "STATUS:CANCELLED" in unfolded
    assert person not in unfolded  # no person reference in the feed
    assert unfolded.count("BEGIN:VEVENT") == 2

    room_feed = (await service.client.get(f"/calendars/{room}.ics", headers=COUNSELLOR)).text.replace(
        CRLF_SPACE, ""
    )
    assert room_feed.count("BEGIN:VEVENT") == 3  # two appointments and the lecture
    assert "講演会 Lecture" in room_feed


async def test_private_links_work_without_a_bearer_token(service: Service) -> None:
    counsellor = await service.resource("counsellor", "C-01")
    other = await service.resource("counsellor", "C-02")
    link = (await service.get(f"/calendars/{counsellor}/link", headers=COUNSELLOR))["path"]
    assert link.startswith(f"/calendars/{counsellor}.ics?token=")
    assert (await service.client.get(link)).status_code == 200
    token = link.split("token=")[1]
    wrong = await service.client.get(f"/calendars/{other}.ics", params={"token": token})
    assert wrong.status_code == 422
    assert wrong.json()["rule"] == "feed_token_invalid"
    assert (await service.client.get(f"/calendars/{counsellor}.ics")).status_code == 401
    assert (await service.client.get(f"/calendars/{counsellor}.ics", headers=TRAINER)).status_code == 403


async def test_a_malformed_link_token_is_refused_like_any_wrong_token(service: Service) -> None:
    """The token is a security scheme's API key, which has no schema in the document: any string is
    a token there, and one that cannot be a link's is refused by the same rule as a wrong one."""
    counsellor = await service.resource("counsellor", "C-01")
    for token in ("", "トークン", "t" * 65):
        response = await service.client.get(f"/calendars/{counsellor}.ics", params={"token": token})
        assert response.status_code == 422
        body = response.json()
        assert body["type"] == "urn:tsunagu:problem:feed_token_invalid"
        assert body["rule"] == "feed_token_invalid"
        assert "errors" not in body
        if token:
            assert token not in response.text
