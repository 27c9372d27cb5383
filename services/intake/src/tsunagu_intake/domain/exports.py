"""Intake's exports, as municipalities and the ministry read them: rows are categories, columns
実人数 and 延べ件数 (the kit's :mod:`tsunagu_servicekit.exports` renders and suppresses). Pure.

* **相談実績** — the statistics (:mod:`.statistics`): consultations by channel, consulter,
  municipality and month, beside the contacts (visits, interviews, phone) by modality, municipality
  and month.
* **メール相談の返信期限遵守状況** — e-mail consultations by the month they were received, each in
  exactly one column: replied by the due time, replied after it, not replied and past it, not
  replied and not yet due. The due time is the one stored with the consultation (3 business days
  of the e-mail channel's calendar, ADR 0018; an emergency's shorter one), moved by any pause or
  extension staff recorded; emergencies are a row of their own.
* **時間外の電話相談** — phone consultations, and among them those received while the phone line
  was closed by its opening hours (``outside_hours``, decided by the calendar when the call is
  recorded), by month, weekday and time of day in Tokyo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tsunagu_calendar import TOKYO
from tsunagu_servicekit.exports import TOKYO_SCOPE, Count, Figures, Measure, Section, Tallies, month_rows

from .codes import Channel, Consulter, ContactModality, Triage
from .statistics import ContactTally, StatisticsReport, Tally

CHANNEL_LABELS: Mapping[str, str] = {
    Channel.PHONE: "電話",
    Channel.EMAIL: "メール",
    Channel.ONLINE: "オンライン",
    Channel.PEER_ONLINE: "ピアオンライン",
    Channel.IN_PERSON: "来所",
    Channel.HOME_VISIT: "訪問",
}
CONSULTER_LABELS: Mapping[str, str] = {
    Consulter.PERSON: "本人",
    Consulter.FAMILY: "家族",
    Consulter.OTHER: "その他",
}
MODALITY_LABELS: Mapping[str, str] = {
    ContactModality.HOME_VISIT: "訪問",
    ContactModality.INTERVIEW: "面接",
    ContactModality.PHONE: "電話",
}
UNKNOWN = "unknown"
UNKNOWN_LABEL = "不明"


def _count(tally: Tally | ContactTally) -> Count:
    return Count(tally.persons, tally.consultations if isinstance(tally, Tally) else tally.contacts)


def _label(labels: Mapping[str, str], key: str) -> str:
    return labels.get(key, key)


def statistics_figures(
    report: StatisticsReport, municipality_names: Mapping[str, str], *, scope_code: str | None = None
) -> Figures:
    """The statistics as 相談実績: the total, then 相談経路別, 相談者別, 支援方法別, 市区町村別, 月別."""
    codes = list(dict.fromkeys([*report.by_municipality, *report.contacts.by_municipality]))
    municipalities = [(c, UNKNOWN_LABEL if c == UNKNOWN else municipality_names.get(c, c)) for c in codes]

    def counts(group: Mapping[str, Tally | ContactTally]) -> dict[str, Count]:
        return {key: _count(t) for key, t in group.items()}

    return Figures(
        title="相談実績",
        fiscal_year=report.fiscal_year,
        scope=_scope(scope_code, municipality_names),
        scope_code=scope_code,
        measures=[Measure("consultations", "相談"), Measure("contacts", "支援（訪問・面接・電話）")],
        totals={"consultations": _count(report.total), "contacts": _count(report.contacts.total)},
        sections=[
            Section(
                "channel",
                "相談経路別",
                [(k, _label(CHANNEL_LABELS, k)) for k in report.by_channel],
                {"consultations": counts(report.by_channel)},
            ),
            Section(
                "consulter",
                "相談者別",
                [(k, _label(CONSULTER_LABELS, k)) for k in report.by_consulter],
                {"consultations": counts(report.by_consulter)},
            ),
            Section(
                "modality",
                "支援方法別",
                [(k, _label(MODALITY_LABELS, k)) for k in report.contacts.by_modality],
                {"contacts": counts(report.contacts.by_modality)},
            ),
            Section(
                "municipality",
                "市区町村別",
                municipalities,
                {
                    "consultations": counts(report.by_municipality),
                    "contacts": counts(report.contacts.by_municipality),
                },
            ),
            Section(
                "month",
                "月別",
                month_rows(report.fiscal_year),
                {"consultations": counts(report.by_month), "contacts": counts(report.contacts.by_month)},
            ),
        ],
        notes=[
            "実人数: 同じ方は各欄で1人と数えます。延べ件数: 相談（支援）の回数です。",
            "支援の電話は電話相談と同じものを数えています（重複して数えません）。",
        ],
    )


def _scope(scope_code: str | None, names: Mapping[str, str]) -> str:
    return TOKYO_SCOPE if scope_code is None else names.get(scope_code, scope_code)


# -- Reply-time compliance ----------------------------------------------------------------------


class ReplyOutcome(StrEnum):
    """Where an e-mail consultation stands against its due time, at the time of the export."""

    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    PENDING = "pending"


REPLY_MEASURES = (
    Measure("received", "受付"),
    Measure(ReplyOutcome.ON_TIME, "期限内に返信"),
    Measure(ReplyOutcome.LATE, "期限後に返信"),
    Measure(ReplyOutcome.OVERDUE, "未返信（期限超過）"),
    Measure(ReplyOutcome.PENDING, "未返信（期限内）"),
)


@dataclass(frozen=True, slots=True)
class EmailConsultation:
    """What the report needs of one e-mail consultation: ids and times, nothing personal."""

    person_id: str
    received_month: str
    emergency: bool
    due_at: datetime
    replied_at: datetime | None


def reply_outcome(due_at: datetime, replied_at: datetime | None, now: datetime) -> ReplyOutcome:
    """A reply at the due time itself is on time; an unanswered one is overdue from that time on
    (as the *overdue* announcement is, :func:`.sla.reply_state`)."""
    if replied_at is not None:
        return ReplyOutcome.ON_TIME if replied_at <= due_at else ReplyOutcome.LATE
    return ReplyOutcome.OVERDUE if now >= due_at else ReplyOutcome.PENDING


def reply_time_figures(
    fy: int,
    consultations: Iterable[EmailConsultation],
    now: datetime,
    municipality_names: Mapping[str, str],
    *,
    scope_code: str | None = None,
    reply_business_days: int = 3,
) -> Figures:
    """E-mail consultations received in fiscal year ``fy``, by month and by emergency, each
    counted once in the outcome it had at ``now``."""
    months = month_rows(fy)
    kinds = [("emergency", "緊急"), ("other", "緊急以外")]
    tallies = Tallies()
    for c in consultations:
        outcome = reply_outcome(c.due_at, c.replied_at, now)
        rows = {"month": c.received_month, "triage": "emergency" if c.emergency else "other"}
        tallies.add(c.person_id, ["received", outcome.value], rows)
    keys = [m.key for m in REPLY_MEASURES]
    return Figures(
        title="メール相談の返信期限遵守状況",
        fiscal_year=fy,
        scope=_scope(scope_code, municipality_names),
        scope_code=scope_code,
        measures=REPLY_MEASURES,
        totals=tallies.totals(keys),
        sections=[
            tallies.section("month", "受付月別", months, keys),
            tallies.section("triage", "緊急度別", kinds, keys),
        ],
        extra={"集計時点": now.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")},
        notes=[
            f"返信期限: 受付から{reply_business_days}営業日（メール相談の営業日カレンダーによる）。"
            "緊急の相談はより短い期限。職員が記録した期限の一時停止・延長を反映した期限で判定しています。",
            "各相談は、集計時点の状況により「期限内に返信」「期限後に返信」「未返信（期限超過）」"
            "「未返信（期限内）」のいずれか一つに数えます。",
        ],
    )


# -- Phone consultations outside the line's hours -----------------------------------------------

TIME_BANDS: Sequence[tuple[int, int]] = ((0, 6), (6, 10), (10, 17), (17, 20), (20, 24))
"""Hours of the day in Tokyo, ``[start, end)``; 10-17 are the phone line's published hours."""
WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")


@dataclass(frozen=True, slots=True)
class PhoneCall:
    """What the report needs of one phone consultation."""

    person_id: str
    received_at: datetime
    outside_hours: bool


def time_band(at: datetime) -> str:
    """The band of ``at``'s hour in Tokyo, e.g. ``"17-20"``."""
    hour = at.astimezone(TOKYO).hour
    start, end = next(b for b in TIME_BANDS if b[0] <= hour < b[1])
    return f"{start:02d}-{end:02d}"


def outside_hours_figures(
    fy: int,
    calls: Iterable[PhoneCall],
    municipality_names: Mapping[str, str],
    *,
    scope_code: str | None = None,
) -> Figures:
    """Phone consultations of fiscal year ``fy`` and those received outside the line's hours, by
    month, weekday and time band in Tokyo."""
    months = month_rows(fy)
    weekdays = [(str(i), f"{name}曜日") for i, name in enumerate(WEEKDAYS)]
    bands = [(f"{s:02d}-{e:02d}", f"{s}時～{e}時") for s, e in TIME_BANDS]
    tallies = Tallies()
    for call in calls:
        local = call.received_at.astimezone(TOKYO)
        rows = {"month": local.strftime("%Y-%m"), "weekday": str(local.weekday()), "band": time_band(local)}
        tallies.add(call.person_id, ("phone", "outside_hours") if call.outside_hours else ("phone",), rows)
    keys = ("phone", "outside_hours")

    return Figures(
        title="時間外の電話相談",
        fiscal_year=fy,
        scope=_scope(scope_code, municipality_names),
        scope_code=scope_code,
        measures=[Measure("phone", "電話相談"), Measure("outside_hours", "うち受付時間外")],
        totals=tallies.totals(keys),
        sections=[
            tallies.section("month", "月別", months, keys),
            tallies.section("weekday", "曜日別", weekdays, keys),
            tallies.section("band", "時間帯別", bands, keys),
        ],
        notes=[
            "受付時間外: 相談を受けた時刻に、電話相談の受付時間（曜日ごとの時間、祝日・年末年始の休み、"
            "臨時の休み）外だったもの。時刻・曜日は日本時間。",
        ],
    )


def emergency(triage: str) -> bool:
    return triage == Triage.EMERGENCY.value
