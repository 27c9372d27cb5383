"""The reminder mail of a coming appointment, to each staff member it is with.

What the mail may say is decided here, once: when (in Tokyo, with the era), what kind of
appointment, where (the room's name; for an online consultation or a home visit, only that it is
one), and the appointment's reference. Never who it is with: the person and the case are for staff
to open in the service, signed in. What the template is given is queued with the mail and read by
operators, so it holds nothing more than the mail shows.
"""

from __future__ import annotations

from datetime import datetime

from tsunagu_calendar import TOKYO, format_date_ja

from .codes import AppointmentKind

APPOINTMENT_REMINDER = "appointment_reminder"
"""The topic of the mail (what a staff member turns off) and the name of its template."""
APPOINTMENT_REMINDER_LABEL = "担当する相談・訪問のリマインダー"

KIND_LABELS = {
    AppointmentKind.IN_PERSON: "来所相談",
    AppointmentKind.ONLINE: "オンライン相談",
    AppointmentKind.HOME_VISIT: "訪問相談",
}
_WEEKDAYS = "月火水木金土日"


def when_label(starts_at: datetime, ends_at: datetime) -> str:
    """令和8年4月8日（水） 10:00〜11:00, in Tokyo."""
    start, end = starts_at.astimezone(TOKYO), ends_at.astimezone(TOKYO)
    return f"{format_date_ja(start.date())}（{_WEEKDAYS[start.weekday()]}） {start:%H:%M}〜{end:%H:%M}"


def place_label(kind: AppointmentKind, room_label: str | None) -> str:
    """Where it happens, as far as the mail may say: a room by its name; a home visit by what it is
    (the address is the person's, and stays in the case)."""
    if kind is AppointmentKind.ONLINE:
        return "オンライン"
    if kind is AppointmentKind.HOME_VISIT:
        return "訪問先（ケース記録でご確認ください）"
    return room_label or "未定"


def reminder_key(appointment_id: str, sequence: int, staff_id: str) -> str:
    """One mail per staff member and appointment time: a moved appointment (its ``sequence``
    counts the moves) is reminded of again, a reminder fired twice is not."""
    return f"{APPOINTMENT_REMINDER}:{appointment_id}:{sequence}:{staff_id}"


def reminder_context(
    *,
    appointment_id: str,
    kind: AppointmentKind,
    starts_at: datetime,
    ends_at: datetime,
    room_label: str | None,
) -> dict[str, str]:
    """What the template shows (and nothing else)."""
    return {
        "appointment_id": appointment_id,
        "kind_label": KIND_LABELS.get(kind, str(kind)),
        "when_label": when_label(starts_at, ends_at),
        "place_label": place_label(kind, room_label),
    }
