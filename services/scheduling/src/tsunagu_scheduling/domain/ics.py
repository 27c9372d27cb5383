"""iCalendar (RFC 5545) feeds, written by hand: a calendar object with one VEVENT per booking.

What the RFC asks and this module does:

* lines end with CRLF (§3.1);
* content lines longer than 75 octets are folded: CRLF and one space, never inside a UTF-8
  sequence (§3.1), so Japanese summaries fold safely;
* TEXT values escape backslash, semicolon, comma and newlines (§3.3.11);
* times are UTC, written ``YYYYMMDDTHHMMSSZ`` (§3.3.5, form #2), so no VTIMEZONE is needed;
* every VEVENT has UID and DTSTAMP (§3.6.1); SEQUENCE counts reschedules; STATUS:CANCELLED keeps a
  cancelled booking in the feed so calendar programs remove it.

Summaries name the kind of booking and a pseudonymous reference only — never a person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Tsunagu//Scheduling 1.0//EN"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    stamp: datetime
    status: str = "CONFIRMED"
    sequence: int = 0
    location: str | None = None
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in ("CONFIRMED", "TENTATIVE", "CANCELLED"):
            raise ValueError("STATUS of a VEVENT is CONFIRMED, TENTATIVE or CANCELLED")
        if self.ends_at <= self.starts_at:
            raise ValueError("an entry ends after it starts")


def utc_stamp(at: datetime) -> str:
    """``20261126T010000Z``; ``at`` must be aware."""
    if at.tzinfo is None:
        raise ValueError("iCalendar times are written from aware datetimes")
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value: ``\\`` ``;`` ``,`` escaped, newlines as ``\\n``, other controls dropped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in value if ch >= " " or ch == "\t")


def fold(line: str) -> str:
    """Fold one content line into pieces of at most 75 octets (continuations start with a space)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1
        current += ch
        size += width
    out.append(current)
    return (CRLF + " ").join(out)


def _lines(entry: CalendarEntry) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(entry.uid)}",
        f"DTSTAMP:{utc_stamp(entry.stamp)}",
        f"DTSTART:{utc_stamp(entry.starts_at)}",
        f"DTEND:{utc_stamp(entry.ends_at)}",
        f"SUMMARY:{escape_text(entry.summary)}",
        f"STATUS:{entry.status}",
        f"SEQUENCE:{entry.sequence}",
    ]
    if entry.location:
        lines.append(f"LOCATION:{escape_text(entry.location)}")
    if entry.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in entry.categories))
    lines.append("TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    return lines


def render_calendar(name: str, entries: Iterable[CalendarEntry], *, refresh_minutes: int = 15) -> str:
    """The whole ``text/calendar`` document."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_minutes}M",
        f"X-PUBLISHED-TTL:PT{refresh_minutes}M",
    ]
    for entry in sorted(entries, key=lambda e: (e.starts_at, e.uid)):
        lines.extend(_lines(entry))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
