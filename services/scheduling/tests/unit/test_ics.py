"""The iCalendar writer against RFC 5545's rules, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_scheduling.domain.ics import CRLF, CalendarEntry, escape_text, fold, render_calendar, utc_stamp

START = datetime(2026, 4, 8, 1, 0, tzinfo=UTC)


def unfold(text: str) -> str:
    return text.replace(CRLF + " ", "")


def entry(**kw) -> CalendarEntry:
    values = {
        "uid": "0193a1b2-0000-7000-8000-000000000001@tsunagu",
        "starts_at": START,
        "ends_at": START + timedelta(hours=1),
        "summary": "来所相談 In-person consultation [0193a1b2]",
        "stamp": START - timedelta(days=1),
    }
    return CalendarEntry(**{**values, **kw})


def test_document_structure_and_crlf() -> None:
    text = render_calendar("Room 1", [entry()])
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace(CRLF, "")
    lines = unfold(text).split(CRLF)
    assert "DTSTART:20260408T010000Z" in lines
    assert "DTEND:20260408T020000Z" in lines
    assert "DTSTAMP:20260407T010000Z" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    assert any(line.startswith("UID:") for line in lines)


def test_times_are_utc_with_z_whatever_the_zone() -> None:
    jst = timezone(timedelta(hours=9))
    assert utc_stamp(datetime(2026, 4, 8, 10, 0, tzinfo=jst)) == "20260408T010000Z"
    with pytest.raises(ValueError, match="aware"):
        utc_stamp(datetime(2026, 4, 8, 10, 0))


def test_text_escaping() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert escape_text("x\r\ny\x07") == "x\\ny"


def test_long_lines_fold_at_75_octets_without_splitting_utf8() -> None:
    line = "SUMMARY:" + "相談" * 60
    folded = fold(line)
    pieces = folded.split(CRLF)
    assert len(pieces) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    for p in pieces:
        p.encode("utf-8").decode("utf-8")  # every piece is whole UTF-8
    assert unfold(folded) == line


@given(st.text(min_size=0, max_size=400))
def test_folding_round_trips_any_text(text: str) -> None:
    line = "SUMMARY:" + escape_text(text)
    folded = fold(line)
    assert unfold(folded) == line
    assert all(len(p.encode("utf-8")) <= 75 for p in folded.split(CRLF))


def test_cancelled_and_rescheduled_entries() -> None:
    text = unfold(render_calendar("x", [entry(status="CANCELLED", sequence=2, location="Room 1, 3F")]))
    assert "STATUS:CANCELLED" in text
    assert "SEQUENCE:2" in text
    assert "LOCATION:Room 1\\, 3F" in text


def test_entries_sorted_by_start() -> None:
    later = entry(uid="b", starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=1))
    text = render_calendar("x", [later, entry(uid="a")])
    assert text.index("UID:a") < text.index("UID:b")


def test_invalid_entries() -> None:
    with pytest.raises(ValueError, match="STATUS"):
        entry(status="DONE")
    with pytest.raises(ValueError, match="ends after"):
        entry(ends_at=START)
