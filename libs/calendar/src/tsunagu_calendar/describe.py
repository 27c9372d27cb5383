"""Opening hours as people read them in Japanese: ``月〜土 10:00〜17:00（祝日・年末年始を除く）``.

Printed leaflets, the pocket memo and public pages state hours in this form. It is derived from
the same effective-dated records that decide whether a channel is open, so what is printed and
what the services enforce cannot drift apart.
"""

from __future__ import annotations

from datetime import time

from .hours import OpeningHours, TimeInterval

WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
"""Monday first, as :attr:`OpeningHours.weekly` is."""


def _clock(t: time | None) -> str:
    if t is None:
        return "24:00"
    # Japanese notices write 8:30, not 08:30.
    return f"{t.hour}:{t.minute:02d}"


def _intervals(day: tuple[TimeInterval, ...]) -> str:
    return "、".join(f"{_clock(i.opens)}〜{_clock(i.closes)}" for i in day)


def _day_runs(days: list[int]) -> str:
    """``[0,1,2,3,4]`` → ``月〜金``; ``[0,2,4]`` → ``月・水・金``; runs of three or more use 〜."""
    parts: list[str] = []
    start = prev = days[0]
    for d in [*days[1:], None]:
        if d is not None and d == prev + 1:
            prev = d
            continue
        if prev - start >= 2:
            parts.append(f"{WEEKDAYS_JA[start]}〜{WEEKDAYS_JA[prev]}")
        else:
            parts.extend(WEEKDAYS_JA[x] for x in range(start, prev + 1))
        if d is not None:
            start = prev = d
    return "・".join(parts)


def describe_hours_ja(record: OpeningHours) -> str:
    """One line for one record: days grouped by identical hours, in weekday order, then what the
    line is closed on. ``"24時間受付（年中無休）"`` for a channel open around the clock that keeps no
    closures; ``"休止中"`` for a record with no open day."""
    around_the_clock = all(d == (TimeInterval(time(0), None),) for d in record.weekly)
    if around_the_clock and not record.observe_closures:
        return "24時間受付（年中無休）"
    groups: dict[tuple[TimeInterval, ...], list[int]] = {}
    for weekday, day in enumerate(record.weekly):
        if day:
            groups.setdefault(day, []).append(weekday)
    if not groups:
        return "休止中"
    text = "、".join(
        f"{_day_runs(days)} {_intervals(day)}" for day, days in sorted(groups.items(), key=lambda g: g[1][0])
    )
    if record.observe_closures:
        text += "（祝日・年末年始を除く）"
    return text
