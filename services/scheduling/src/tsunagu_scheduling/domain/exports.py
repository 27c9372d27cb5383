"""Scheduling's exports, in the layout of intake's (the kit's :mod:`tsunagu_servicekit.exports`):
rows are categories, columns 実人数 (distinct persons) and 延べ件数 of each measure. Pure.

* **予約・無断キャンセルの状況** — appointments by the month they are (or were) for and by kind:
  every appointment made (予約), and each once in what became of it — attended, missed (the
  no-shows), cancelled, or still booked.
* **訪問支援の実施状況** — home visits that took place, by municipality (the requesting one),
  month and outcome (a visit without contact counts: it took place).
* **専門家チームによる事例検討** — concluded case reviews by the reasons of the escalation
  (intake's codes), the disciplines that advised and the advice given, and by month. A review
  with several reasons counts under each (those sections are not a partition of the total).

* **セミナー・相談会の参加状況** — registrations for sessions of the year by kind and month:
  every place held (申込), and each once in what became of it — came, did not come, cancelled,
  still on the waitlist when it began, or not yet recorded.

Each report is rows of ids and codes from an adapter, a :class:`~tsunagu_servicekit.exports.Tallies`
and a :class:`~tsunagu_servicekit.exports.Figures`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tsunagu_calendar import TOKYO
from tsunagu_contracts.events.intake import EscalationReason
from tsunagu_servicekit.exports import TOKYO_SCOPE, Figures, Measure, Tallies, month_rows

from .codes import (
    AdviceCode,
    AppointmentKind,
    AppointmentStatus,
    Discipline,
    HomeVisitOutcome,
    RegistrationStatus,
    SessionKind,
)
from .sessions import DEFAULT_TITLES, Attendance

KIND_LABELS: Mapping[str, str] = {
    AppointmentKind.IN_PERSON: "来所相談",
    AppointmentKind.ONLINE: "オンライン相談",
    AppointmentKind.HOME_VISIT: "訪問",
}
OUTCOME_LABELS: Mapping[str, str] = {
    HomeVisitOutcome.MET_PERSON: "本人と会えた",
    HomeVisitOutcome.MET_FAMILY: "家族と会えた",
    HomeVisitOutcome.NO_CONTACT: "会えなかった",
}
DISCIPLINE_LABELS: Mapping[str, str] = {
    Discipline.MEDICINE: "医療",
    Discipline.PSYCHOLOGY: "心理",
    Discipline.LAW: "法律",
    Discipline.WELFARE: "福祉",
}
REASON_LABELS: Mapping[str, str] = {
    EscalationReason.SUICIDE_RISK: "自殺のおそれ",
    EscalationReason.SELF_HARM: "自傷",
    EscalationReason.VIOLENCE_RISK: "暴力のおそれ",
    EscalationReason.ABUSE_SUSPECTED: "虐待の疑い",
    EscalationReason.MEDICAL_QUESTION: "医療に関する相談",
    EscalationReason.PSYCHIATRIC_ASSESSMENT: "精神科的評価",
    EscalationReason.LEGAL_ISSUE: "法律問題",
    EscalationReason.WELFARE_BENEFITS: "福祉制度",
    EscalationReason.FAMILY_CONFLICT: "家族間の対立",
    EscalationReason.LONG_TERM_WITHDRAWAL: "長期のひきこもり",
    EscalationReason.NO_PROGRESS: "支援の行き詰まり",
    EscalationReason.CRITICAL_RISK: "危機的状況",
    EscalationReason.OTHER: "その他",
}
ADVICE_LABELS: Mapping[str, str] = {
    AdviceCode.CONTINUE_CURRENT_SUPPORT: "現在の支援の継続",
    AdviceCode.MEDICAL_ASSESSMENT: "医学的評価",
    AdviceCode.PSYCHIATRIC_REFERRAL: "精神科への紹介",
    AdviceCode.PSYCHOLOGICAL_ASSESSMENT: "心理的評価",
    AdviceCode.FAMILY_SUPPORT: "家族支援",
    AdviceCode.HOME_VISIT: "訪問支援",
    AdviceCode.SAFETY_PLAN: "安全計画",
    AdviceCode.CRISIS_INTERVENTION: "危機介入",
    AdviceCode.LEGAL_CONSULTATION: "法律相談",
    AdviceCode.GUARDIANSHIP: "成年後見",
    AdviceCode.WELFARE_BENEFITS: "福祉制度の利用",
    AdviceCode.HOUSING_SUPPORT: "住まいの支援",
    AdviceCode.EMPLOYMENT_SUPPORT: "就労支援",
    AdviceCode.PLACE_TO_BELONG: "居場所",
    AdviceCode.SUPPORT_MEETING: "支援会議",
    AdviceCode.PARTNER_REFERRAL: "協力機関への紹介",
    AdviceCode.MONITOR: "経過観察",
    AdviceCode.CLOSE_CASE: "支援の終結",
}
UNKNOWN = "unknown"
UNKNOWN_LABEL = "不明"


def _rows(labels: Mapping[str, str], codes: Iterable[str]) -> list[tuple[str, str]]:
    return [(c, labels.get(c, c)) for c in codes]


def _month(at: datetime) -> str:
    return at.astimezone(TOKYO).strftime("%Y-%m")


def _scope(scope_code: str | None, names: Mapping[str, str]) -> str:
    return TOKYO_SCOPE if scope_code is None else names.get(scope_code, scope_code)


# -- appointments ------------------------------------------------------------------------------

APPOINTMENT_MEASURES = (
    Measure("booked", "予約"),
    Measure(AppointmentStatus.ATTENDED, "実施"),
    Measure(AppointmentStatus.MISSED, "無断キャンセル（不参加）"),
    Measure(AppointmentStatus.CANCELLED, "キャンセル"),
    Measure("pending", "予約中"),
)


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    person_id: str
    kind: str
    status: str
    starts_at: datetime


def appointment_figures(fy: int, appointments: Iterable[AppointmentRow]) -> Figures:
    """Appointments of fiscal year ``fy`` (by their time) as 予約・無断キャンセルの状況."""
    tallies = Tallies()
    for a in appointments:
        outcome = "pending" if a.status == AppointmentStatus.BOOKED else a.status
        tallies.add(a.person_id, ["booked", outcome], {"month": _month(a.starts_at), "kind": a.kind})
    keys = [m.key for m in APPOINTMENT_MEASURES]
    return Figures(
        title="予約・無断キャンセルの状況",
        fiscal_year=fy,
        scope=TOKYO_SCOPE,
        measures=APPOINTMENT_MEASURES,
        totals=tallies.totals(keys),
        sections=[
            tallies.section("month", "月別", month_rows(fy), keys),
            tallies.section("kind", "種別", _rows(KIND_LABELS, (k.value for k in AppointmentKind)), keys),
        ],
        notes=[
            "予約: 予約日時がその月・年度にある予約のすべて（変更後の日時で数えます）。"
            "各予約は「実施」「無断キャンセル（不参加）」「キャンセル」「予約中」のいずれか一つに数えます。",
        ],
    )


# -- home visits -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitRow:
    person_id: str
    municipality_code: str | None
    outcome: str | None
    visited_at: datetime


def home_visit_figures(
    fy: int,
    visits: Iterable[VisitRow],
    municipality_codes: Sequence[str],
    municipality_names: Mapping[str, str],
    *,
    scope_code: str | None = None,
) -> Figures:
    """Home visits that took place in fiscal year ``fy`` as 訪問支援の実施状況; every municipality of
    ``municipality_codes`` is a row, zeros too."""
    tallies = Tallies()
    codes = list(municipality_codes)
    outcomes = [o.value for o in HomeVisitOutcome]
    for v in visits:
        municipality = v.municipality_code or UNKNOWN
        outcome = v.outcome or UNKNOWN
        if municipality not in codes:
            codes.append(municipality)
        if outcome not in outcomes:
            outcomes.append(outcome)
        rows = {"municipality": municipality, "month": _month(v.visited_at), "outcome": outcome}
        tallies.add(v.person_id, ["visits"], rows)
    names = {**municipality_names, UNKNOWN: UNKNOWN_LABEL}
    keys = ["visits"]
    return Figures(
        title="訪問支援の実施状況",
        fiscal_year=fy,
        scope=_scope(scope_code, municipality_names),
        scope_code=scope_code,
        measures=[Measure("visits", "訪問", "延べ回数")],
        totals=tallies.totals(keys),
        sections=[
            tallies.section("municipality", "市区町村別", _rows(names, codes), keys),
            tallies.section("month", "月別", month_rows(fy), keys),
            tallies.section(
                "outcome", "結果別", _rows({**OUTCOME_LABELS, UNKNOWN: UNKNOWN_LABEL}, outcomes), keys
            ),
        ],
        notes=[
            "訪問を実施した日で数えます。本人・家族に会えなかった訪問も実施に含みます。市区町村は依頼した市区町村です。"
        ],
    )


# -- expert reviews ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewRow:
    person_id: str
    reason_codes: Sequence[str]
    advice: Sequence[Mapping[str, object]]
    """As stored: ``[{"discipline": "law", "advice_codes": ["legal_consultation"]}]``."""
    concluded_at: datetime


def _advice(advice: Sequence[Mapping[str, object]]) -> tuple[set[str], set[str]]:
    disciplines: set[str] = set()
    codes: set[str] = set()
    for item in advice:
        discipline = item.get("discipline")
        if isinstance(discipline, str):
            disciplines.add(discipline)
        given = item.get("advice_codes")
        if isinstance(given, list):
            codes.update(c for c in given if isinstance(c, str))
    return disciplines, codes


def review_figures(
    fy: int,
    reviews: Iterable[ReviewRow],
    municipality_names: Mapping[str, str],
    *,
    scope_code: str | None = None,
) -> Figures:
    """Case reviews the expert team concluded in fiscal year ``fy`` as 専門家チームによる事例検討."""
    tallies = Tallies()
    for r in reviews:
        disciplines, codes = _advice(r.advice)
        rows = {
            "month": _month(r.concluded_at),
            "reason": r.reason_codes,
            "discipline": disciplines,
            "advice": codes,
        }
        tallies.add(r.person_id, ["reviews"], rows)
    keys = ["reviews"]
    return Figures(
        title="専門家チームによる事例検討",
        fiscal_year=fy,
        scope=_scope(scope_code, municipality_names),
        scope_code=scope_code,
        measures=[Measure("reviews", "事例検討")],
        totals=tallies.totals(keys),
        sections=[
            tallies.section("month", "月別", month_rows(fy), keys),
            tallies.section(
                "reason",
                "検討理由別",
                _rows(REASON_LABELS, (r.value for r in EscalationReason)),
                keys,
                exclusive=False,
            ),
            tallies.section(
                "discipline",
                "助言した分野別",
                _rows(DISCIPLINE_LABELS, (d.value for d in Discipline)),
                keys,
                exclusive=False,
            ),
            tallies.section(
                "advice",
                "助言内容別",
                _rows(ADVICE_LABELS, (a.value for a in AdviceCode)),
                keys,
                exclusive=False,
            ),
        ],
        notes=[
            "検討を終えた（助言をまとめた）日で数えます。",
            "検討理由・分野・助言内容は一つの検討に複数あり得るため、各欄の合計は総数と一致しません。",
        ],
    )


# -- session attendance ------------------------------------------------------------------------

ATTENDANCE_MEASURES = (
    Measure("held", "申込"),
    Measure(Attendance.PRESENT, "参加"),
    Measure(Attendance.ABSENT, "不参加"),
    Measure(RegistrationStatus.CANCELLED, "キャンセル"),
    Measure(RegistrationStatus.WAITLISTED, "キャンセル待ちのまま"),
    Measure("unrecorded", "未記録"),
)


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    person_id: str
    kind: str
    status: str
    attendance: str | None
    starts_at: datetime


def attendance_outcome(status: str, attendance: str | None) -> str:
    """What became of a registration, once: came, did not, cancelled, never left the waitlist, or
    not recorded (yet)."""
    if status in (RegistrationStatus.CANCELLED, RegistrationStatus.WAITLISTED):
        return status
    return attendance or "unrecorded"


def attendance_figures(fy: int, registrations: Iterable[AttendanceRow]) -> Figures:
    """Registrations for the sessions of fiscal year ``fy`` as セミナー・相談会の参加状況."""
    tallies = Tallies()
    for r in registrations:
        outcome = attendance_outcome(r.status, r.attendance)
        tallies.add(r.person_id, ["held", outcome], {"month": _month(r.starts_at), "kind": r.kind})
    keys = [m.key for m in ATTENDANCE_MEASURES]
    return Figures(
        title="セミナー・相談会の参加状況",
        fiscal_year=fy,
        scope=TOKYO_SCOPE,
        measures=ATTENDANCE_MEASURES,
        totals=tallies.totals(keys),
        sections=[
            tallies.section("month", "月別", month_rows(fy), keys),
            tallies.section("kind", "種別", [(k.value, DEFAULT_TITLES[k]) for k in SessionKind], keys),
        ],
        notes=[
            "申込: 開催日時がその月・年度にある回への申込のすべて（キャンセル待ちを含みます）。"
            "各申込は「参加」「不参加」「キャンセル」「キャンセル待ちのまま」「未記録」のいずれか一つに数えます。",
        ],
    )
