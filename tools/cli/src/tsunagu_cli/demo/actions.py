"""What each kind of step sends, and to which service: one function per kind.

An action gets the :class:`Demo` (HTTP, tokens, the simulated now, earlier answers) and the step's
arguments with their ``@ref.field`` resolved; it returns what later steps may refer to, or
``None``. A refusal by a business rule (a 4xx problem with a ``rule``) is part of a realistic
year: it is counted by rule and the year goes on. Anything else (a 5xx, a service down) stops the
demo, which can then be continued.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from .plan import TOKYO

Tokens = Callable[..., dict[str, str]]
"""``tokens(role, subject=…, municipality=…, partner=…)``: the ``Authorization`` header."""


class DemoError(Exception):
    """The demo cannot go on (a service failed or is unreachable); what happened so far is kept."""


class Refused(Exception):
    """A business rule refused the step (counted, not fatal)."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


class Skipped(Exception):
    """The step depends on one that was refused or is not possible now (counted, not fatal)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass
class Demo:
    """What actions work with."""

    urls: Mapping[str, str]
    http: httpx.Client
    tokens: Tokens
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    rng: random.Random = field(default_factory=random.Random)
    web_logins: dict[str, str] = field(default_factory=dict)
    visit_ends: dict[str, datetime] = field(default_factory=dict)
    """When each scheduled home visit ends, as the sweep scheduled it (memory only: asked again
    after a restart)."""
    """Web users' login tokens (memory only: a continued demo logs in again)."""
    passwords: Callable[[str], str] = lambda ref: f"demo-{ref}-password"
    propagation_timeout: float = 30.0
    nats_url: str = ""

    def call(
        self,
        service: str,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            response = self.http.request(
                method, f"{self.urls[service]}{path}", json=body, headers=dict(headers), params=params
            )
        except httpx.HTTPError as exc:
            raise DemoError(f"{service} did not answer {method} {path} ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise DemoError(f"{service} failed {method} {path} with {response.status_code}")
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            rule = problem.get("rule") if isinstance(problem, dict) else None
            if response.status_code in (401, 403) and rule in (None, "role_required", "token_invalid"):
                raise DemoError(f"{service} refused the demo's token for {method} {path}: {rule}")
            if rule is None and response.status_code == 422:
                raise DemoError(f"{service} found the demo's {method} {path} invalid (422)")
            raise Refused(f"{service}:{rule or response.status_code}")
        return response.json() if response.content else None

    def wait(self, probe: Callable[[], Any], what: str) -> Any:
        """Poll ``probe`` until it answers something true: what another service learns from events
        takes a moment to arrive."""
        import time

        deadline = time.monotonic() + self.propagation_timeout
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise Skipped(f"timeout:{what}")
            time.sleep(0.1)


def _who(a: Mapping[str, Any]) -> dict[str, Any]:
    """The person (and their case, while it is open) a step is about."""
    return {k: a[k] for k in ("person_id", "case_id") if k in a}


def _uuid(d: Demo) -> str:
    return str(uuid.UUID(int=d.rng.getrandbits(128), version=4))


# -- tokens of the people who act ------------------------------------------------------------------
def counsellor(d: Demo) -> dict[str, str]:
    return d.tokens("counsellor", subject="demo-counsellor-01")


def supervisor(d: Demo) -> dict[str, str]:
    return d.tokens("supervisor", subject="demo-supervisor")


def trainer(d: Demo) -> dict[str, str]:
    return d.tokens("trainer", subject="demo-trainer")


def expert(d: Demo) -> dict[str, str]:
    return d.tokens("expert", subject="demo-expert-team")


def municipal(d: Demo, code: str) -> dict[str, str]:
    return d.tokens("municipality_staff", subject=f"demo-staff-{code}", municipality=code)


# -- scheduling: resources and the year's calendar -------------------------------------------------
def staff_resource(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {"kind": "counsellor", "label": a["label"], "subject": a["subject"]}
    return {"id": d.call("scheduling", "POST", "/resources", supervisor(d), body)["id"]}


def room_resource(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {"kind": "room", "label": a["label"], "capacity": a["capacity"]}
    return {"id": d.call("scheduling", "POST", "/resources", supervisor(d), body)["id"]}


def availability(d: Demo, a: dict[str, Any]) -> None:
    windows = [{"weekday": w, "start": "09:00", "end": "20:00"} for w in range(6)]
    body = {"effective_from": a["from"], "windows": windows}
    d.call("scheduling", "PUT", f"/resources/{a['resource']}/availability", supervisor(d), body)


def generate_meetings(d: Demo, a: dict[str, Any]) -> None:
    d.call("scheduling", "POST", "/meetings/generate", supervisor(d), {"fiscal_year": a["fiscal_year"]})


def weekly_sessions(d: Demo, a: dict[str, Any]) -> None:
    d.call("scheduling", "POST", "/sessions/weekly", supervisor(d), dict(a))


def seminar(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {"kind": "family_seminar", "starts_at": a["starts_at"], "minutes": 120, "capacity": a["capacity"]}
    return {"id": d.call("scheduling", "POST", "/sessions", supervisor(d), body)["id"]}


def consultation_day(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    """An individual consultation day (個別相談会): few seats, no waitlist, open to public sign-up."""
    body = {
        "kind": "individual_consultation",
        "starts_at": a["starts_at"],
        "minutes": 120,
        "capacity": a["capacity"],
        "waitlist": False,
    }
    return {"id": d.call("scheduling", "POST", "/sessions", supervisor(d), body)["id"]}


def public_signup(d: Demo, a: dict[str, Any], refs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A registered web user signs up on the public site; scheduling answers through the bus."""
    user = a["user"]
    if user not in refs:
        raise Skipped("user_not_registered")
    token = _web_login(d, user, refs)
    body = {"session_id": a["session"]}
    made = d.call("intake", "POST", "/web/signups", {"Authorization": f"Bearer {token}"}, body)
    return {"signup_id": made["signup_id"]}


def seminar_register(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = _who(a)
    made = d.call("scheduling", "POST", f"/sessions/{a['session']}/registrations", counsellor(d), body)
    return {"id": made["id"], "status": made["status"]}


def seminar_cancel(d: Demo, a: dict[str, Any]) -> None:
    path = f"/sessions/{a['session']}/registrations/{a['registration']}/cancel"
    d.call("scheduling", "POST", path, counsellor(d), {"reason": "person_request"})


def seminar_roll(d: Demo, a: dict[str, Any]) -> None:
    """After the seminar, staff go through its roll: everyone came but the one in every fourth seat
    from the second on, so a year with seminars of two seats or more records both answers."""
    session = a["session"]
    for entry in d.call("scheduling", "GET", f"/sessions/{session}/roll", counsellor(d))["entries"]:
        answer = "absent" if entry["seat_no"] % 4 == 2 else "present"
        path = f"/sessions/{session}/registrations/{entry['registration_id']}/attendance"
        d.call("scheduling", "POST", path, counsellor(d), {"attendance": answer})


def session_register(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    """Sign up for the session of ``kind`` on the day ``on`` (none that day: a holiday, skipped)."""
    day = date.fromisoformat(a["on"])
    params = {
        "kind": a["kind"],
        "starts_from": datetime.combine(day, datetime.min.time(), TOKYO).isoformat(),
        "starts_before": datetime.combine(day + timedelta(days=1), datetime.min.time(), TOKYO).isoformat(),
    }
    found = d.call("scheduling", "GET", "/sessions", counsellor(d), params=params)
    if not found:
        raise Skipped("no_session_that_day")
    return seminar_register(d, {"session": found[0]["id"], **_who(a)})


# -- intake: consultations, cases ------------------------------------------------------------------
def consultation(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in a.items() if k in _CONSULTATION_FIELDS}
    made = d.call("intake", "POST", "/consultations", counsellor(d), body)
    return {k: made[k] for k in ("consultation_id", "person_id", "case_id")}


_CONSULTATION_FIELDS = frozenset(
    {
        "channel",
        "consulter",
        "person",
        "person_id",
        "case_id",
        "topics",
        "consulter_name",
        "municipality_code",
    }
)


def peer_consultation(d: Demo, a: dict[str, Any]) -> dict[str, Any] | None:
    if a.get("registration_status") not in (None, "registered"):
        raise Skipped("not_seated")
    return consultation(d, {**a, "channel": "peer_online", "consulter": "person"})


def risk(d: Demo, a: dict[str, Any]) -> None:
    body = {"risk_level": a["risk_level"], "set_flags": a["set_flags"]}
    d.call("intake", "POST", f"/cases/{a['case']}/risk", counsellor(d), body)


def escalate(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {
        "reason_codes": a["reason_codes"],
        "urgency": a["urgency"],
        "brief": {"summary": "長期のひきこもり。家族との関係に課題。支援方針について助言を求める。"},
    }
    return {
        "escalation_id": d.call("intake", "POST", f"/cases/{a['case']}/escalations", counsellor(d), body)[
            "escalation_id"
        ]
    }


def close_case(d: Demo, a: dict[str, Any]) -> None:
    d.call("intake", "POST", f"/cases/{a['case']}/close", counsellor(d), {"reason": a["reason"]})


def web_register(d: Demo, a: dict[str, Any], ref: str) -> dict[str, Any]:
    body = {**a, "password": d.passwords(ref)}
    return {"user_number": d.call("intake", "POST", "/web/registrations", {}, body)["user_number"]}


def _web_login(d: Demo, user: str, refs: Mapping[str, Mapping[str, Any]]) -> str:
    token = d.web_logins.get(user)
    if token is None:
        login = {"user_number": refs[user]["user_number"], "password": d.passwords(user)}
        token = d.call("intake", "POST", "/web/sessions", {}, login)["access_token"]
        d.web_logins[user] = token
    return token


def web_consultation(d: Demo, a: dict[str, Any], refs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    user = a["user"]
    if user not in refs:
        raise Skipped("user_not_registered")
    token = _web_login(d, user, refs)
    body = {"body": a["body"], "consulter": a["consulter"], "topics": a["topics"]}
    made = d.call("intake", "POST", "/web/consultations", {"Authorization": f"Bearer {token}"}, body)
    return {"consultation_id": made["consultation_id"]}


def reply(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "intake", "POST", f"/consultations/{a['consultation']}/replies", counsellor(d), {"body": a["body"]}
    )


def extend_reply_deadline(d: Demo, a: dict[str, Any]) -> None:
    body = {"business_days": a["business_days"], "reason": a["reason"]}
    d.call(
        "intake", "POST", f"/consultations/{a['consultation']}/reply-deadline/extensions", counsellor(d), body
    )


def home_visit_request(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    code = a["municipality_code"]
    body: dict[str, Any] = {
        "municipality_code": code,
        "residence_code": code,
        "age_years": a["age_years"],
        "visits_requested": a["visits"],
        "consulter": a.get("consulter", "family"),
    }
    if "person_id" in a:
        body["person_id"] = a["person_id"]
    else:
        body["person"] = a["person"]
    made = d.call("intake", "POST", "/home-visit-requests", municipal(d, code), body)
    return {"request_id": made["request_id"], "person_id": made["person_id"], "municipality_code": code}


# -- scheduling: appointments, home visits, reviews ------------------------------------------------
def book(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {
        "kind": "in_person",
        **_who(a),
        "staff_id": a["staff"],
        "room_id": a["room"],
        "starts_at": a["starts_at"],
        "minutes": 60,
        "requested_via": a["requested_via"],
    }
    return {"id": d.call("scheduling", "POST", "/appointments", counsellor(d), body)["id"]}


def cancel_appointment(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "scheduling",
        "POST",
        f"/appointments/{a['appointment']}/cancel",
        counsellor(d),
        {"reason": "person_request"},
    )


def reschedule_appointment(d: Demo, a: dict[str, Any]) -> None:
    body = {"starts_at": a["starts_at"]}
    d.call("scheduling", "POST", f"/appointments/{a['appointment']}/reschedule", counsellor(d), body)


def no_show(d: Demo, a: dict[str, Any]) -> None:
    d.call("scheduling", "POST", f"/appointments/{a['appointment']}/no-show", counsellor(d), {})


def attended(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    d.call("scheduling", "POST", f"/appointments/{a['appointment']}/attended", counsellor(d), {})
    return consultation(d, {**_who(a), "topics": a["topics"], "channel": "in_person", "consulter": "person"})


VISIT_OUTCOMES = ("met_person", "met_family", "met_family", "no_contact")


def planned_order(refs: Mapping[str, Mapping[str, Any]], key: str) -> dict[str, tuple[str, int]]:
    """Each value of ``key`` (an id a service chose) that a step answered, mapped to the name of
    the plan's ref that holds it (``h12`` → ``("h", 12)``, the earliest such ref when several do):
    what the demo orders things it finds through an API by, so the seed alone decides which gets
    what (the order of a listing is the service's, and may follow random ids)."""
    found: dict[str, tuple[str, int]] = {}
    for name, answer in refs.items():
        value = answer.get(key)
        if isinstance(value, str):
            stem = name.rstrip("0123456789")
            rank = (stem, int(name[len(stem) :] or 0))
            if value not in found or rank < found[value]:
                found[value] = rank
    return found


def in_planned_order(
    items: list[dict[str, Any]], order: Mapping[str, tuple[str, int]], key: str, *then: str
) -> list[dict[str, Any]]:
    """``items`` by the planned ref of their ``key``, then by the fields ``then``; one the plan does
    not know (none should be) comes last."""
    unknown = ("~", 0)
    return sorted(items, key=lambda i: (order.get(i[key], unknown), *(i[f] for f in then)))


def sweep_home_visits(d: Demo, a: dict[str, Any], refs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Record the visits that took place, then schedule the new ones (two trained staff each): request
    by request in the plan's order, each in the order of its visits."""
    headers = counsellor(d)
    requests = planned_order(refs, "request_id")

    def visits(status: str) -> list[dict[str, Any]]:
        listed = d.call("scheduling", "GET", "/home-visits", headers, params={"status": status})
        return in_planned_order(listed, requests, "request_id", "visit_number")

    done = 0
    for visit in visits("scheduled"):
        appointment = visit.get("appointment_id")
        if appointment is None:
            continue
        ends = d.visit_ends.get(visit["id"])
        if ends is None:
            booked = d.call("scheduling", "GET", f"/appointments/{appointment}", headers)
            ends = d.visit_ends[visit["id"]] = datetime.fromisoformat(booked["ends_at"])
        if ends <= d.now:
            outcome = d.rng.choice(VISIT_OUTCOMES)
            d.call(
                "scheduling", "POST", f"/home-visits/{visit['id']}/complete", headers, {"outcome": outcome}
            )
            done += 1
        elif ends - timedelta(days=1) <= d.now and (
            d.rng.random() < 0.05
            or (
                done + len(visits("completed")) > 0
                and not d.call("scheduling", "GET", "/home-visits", headers, params={"status": "cancelled"})
            )
        ):
            # The day before, a family calls the visit off (one in twenty; and one at least each year:
            # the first whose day before comes once a visit has taken place, however small the year).
            # Only the sweep of the day before decides, so each visit has one chance.
            d.call(
                "scheduling",
                "POST",
                f"/home-visits/{visit['id']}/cancel",
                headers,
                {"reason": "family_request"},
            )
    planned = 0
    today = d.now.astimezone(TOKYO).date()
    for visit in visits("to_schedule"):
        staff = d.rng.sample(a["staff"], 2)
        day = today + timedelta(days=d.rng.randint(3, 12) + 7 * (visit["visit_number"] - 1))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        starts = datetime.combine(day, datetime.min.time(), TOKYO).replace(hour=d.rng.choice((10, 14)))
        body = {"starts_at": starts.isoformat(), "minutes": 90, "staff_ids": staff}
        try:
            d.call("scheduling", "POST", f"/home-visits/{visit['id']}/schedule", headers, body)
            d.visit_ends[visit["id"]] = starts + timedelta(minutes=90)
            planned += 1
        except Refused:
            continue  # staff busy then: the next sweep tries another day
    return {"completed": done, "scheduled": planned}


ADVICE = (
    {"discipline": "medicine", "advice_codes": ["medical_assessment"]},
    {"discipline": "psychology", "advice_codes": ["psychological_assessment", "family_support"]},
    {"discipline": "law", "advice_codes": ["legal_consultation"]},
    {"discipline": "welfare", "advice_codes": ["continue_current_support"]},
)


def sweep_reviews(d: Demo, a: dict[str, Any], refs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Conclude the reviews whose meeting has been held, in the order of the plan's escalations."""
    concluded = 0
    meetings: dict[str, datetime] = {}
    listed = d.call("scheduling", "GET", "/case-reviews", expert(d), params={"status": "scheduled"})
    escalations = planned_order(refs, "escalation_id")
    for review in in_planned_order(listed, escalations, "escalation_id", "escalated_at"):
        mid = review["meeting_id"]
        if mid not in meetings:
            meetings[mid] = datetime.fromisoformat(
                d.call("scheduling", "GET", f"/meetings/{mid}", expert(d))["starts_at"]
            )
        if meetings[mid] > d.now:
            continue
        body = {
            "advice": list(ADVICE),
            "recommended_risk_level": d.rng.choice(("low", "medium", "medium", "high")),
        }
        d.call("scheduling", "POST", f"/case-reviews/{review['id']}/conclusion", expert(d), body)
        concluded += 1
    return {"concluded": concluded}


# -- training --------------------------------------------------------------------------------------
def training_session(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    starts = datetime.fromisoformat(a["starts_at"])
    body = {
        "course_code": a["course_code"],
        "starts_at": a["starts_at"],
        "ends_at": (starts + timedelta(hours=a["hours"])).isoformat(),
        "venue": "東京都庁第一本庁舎 研修室",
        "capacity": a["capacity"],
        "waitlist": True,
    }
    return {"id": d.call("training", "POST", "/sessions", trainer(d), body)["id"]}


def learner(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    return {"id": d.call("training", "POST", "/learners", trainer(d), dict(a))["id"]}


def enrol_and_book(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    enrolment = d.call(
        "training",
        "POST",
        "/enrolments",
        trainer(d),
        {"learner_id": a["learner"], "course_code": a["course_code"]},
    )
    out = {"enrolment_id": enrolment["id"]}
    if a.get("session"):
        seat = d.call(
            "training",
            "POST",
            f"/sessions/{a['session']}/seats",
            trainer(d),
            {"enrolment_id": enrolment["id"]},
        )
        out["seat_status"] = seat.get("status", "")
    return out


def attendance(d: Demo, a: dict[str, Any]) -> None:
    body = {"enrolment_id": a["enrolment"], "present": a["present"]}
    d.call("training", "POST", f"/sessions/{a['session']}/attendance", trainer(d), body)


Action = Callable[..., Any]

ACTIONS: dict[str, Action] = {
    "staff_resource": staff_resource,
    "room_resource": room_resource,
    "availability": availability,
    "generate_meetings": generate_meetings,
    "weekly_sessions": weekly_sessions,
    "seminar": seminar,
    "seminar_register": seminar_register,
    "consultation_day": consultation_day,
    "public_signup": public_signup,
    "seminar_cancel": seminar_cancel,
    "seminar_roll": seminar_roll,
    "session_register": session_register,
    "consultation": consultation,
    "peer_consultation": peer_consultation,
    "risk": risk,
    "escalate": escalate,
    "close_case": close_case,
    "web_register": web_register,
    "web_consultation": web_consultation,
    "reply": reply,
    "extend_reply_deadline": extend_reply_deadline,
    "home_visit_request": home_visit_request,
    "book": book,
    "cancel_appointment": cancel_appointment,
    "reschedule_appointment": reschedule_appointment,
    "no_show": no_show,
    "attended": attended,
    "sweep_home_visits": sweep_home_visits,
    "sweep_reviews": sweep_reviews,
    "training_session": training_session,
    "learner": learner,
    "enrol_and_book": enrol_and_book,
    "attendance": attendance,
}
NEEDS_REF = frozenset({"web_register"})
NEEDS_REFS = frozenset(
    {"web_consultation", "public_signup", "referral_accept", "sweep_home_visits", "sweep_reviews"}
)


# -- partners --------------------------------------------------------------------------------------
SELF_ASSESSMENT = (
    {"kind": "consultation", "provides": True, "level": "meets"},
    {"kind": "place_to_belong", "provides": True, "level": "partly"},
    {"kind": "social_participation", "provides": False},
)


def partner_staff(d: Demo, partner: str, subject: str) -> dict[str, str]:
    return d.tokens("partner_staff", subject=subject, partner=partner)


def partner_register(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    return {"id": d.call("partners", "POST", "/partners", supervisor(d), dict(a))["id"]}


def partner_apply(d: Demo, a: dict[str, Any]) -> None:
    body = {
        "self_assessment": [
            dict(x, level=a["level"]) if x.get("provides") and x["kind"] == "consultation" else dict(x)
            for x in SELF_ASSESSMENT
        ]
    }
    d.call("partners", "POST", f"/partners/{a['partner']}/application", supervisor(d), body)


def partner_refuse(d: Demo, a: dict[str, Any]) -> None:
    d.call("partners", "POST", f"/partners/{a['partner']}/application/refusal", supervisor(d), None)


def partner_sign(d: Demo, a: dict[str, Any]) -> None:
    """Sign once partners knows the staff's guideline training (from training's events)."""
    path = f"/partners/{a['partner']}/training"
    d.wait(lambda: d.call("partners", "GET", path, supervisor(d)).get("training"), "guideline_training_known")
    d.call(
        "partners",
        "POST",
        f"/partners/{a['partner']}/agreements",
        supervisor(d),
        {"effective_on": a["effective_on"]},
    )


def partner_offering(d: Demo, a: dict[str, Any]) -> None:
    body: dict[str, Any] = {
        "support_kinds": a["support_kinds"],
        "targets": ["person", "family"],
        "age_bands": ["15_19", "20_29", "30_39", "40_49"],
        "municipality_codes": a["municipality_codes"],
        "fee_yen": 0,
        "languages": ["ja"],
    }
    if "place_to_belong" in a["support_kinds"]:
        body |= {"capacity": 12, "places_available": 4}
    d.call(
        "partners",
        "PUT",
        f"/partners/{a['partner']}/offering",
        partner_staff(d, a["partner"], a["subject"]),
        body,
    )


def partner_renew(d: Demo, a: dict[str, Any]) -> None:
    d.call("partners", "POST", f"/partners/{a['partner']}/agreement/renewal", supervisor(d), {})


def partner_suspend(d: Demo, a: dict[str, Any]) -> None:
    d.call("partners", "POST", f"/partners/{a['partner']}/agreement/suspension", supervisor(d), None)


def partner_resume(d: Demo, a: dict[str, Any]) -> None:
    d.call("partners", "POST", f"/partners/{a['partner']}/agreement/resumption", supervisor(d), None)


def partner_end(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "partners",
        "POST",
        f"/partners/{a['partner']}/agreement/ending",
        supervisor(d),
        {"reason": a["reason"]},
    )


def referral(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {
        "case_id": a["case_id"],
        "person_id": a["person_id"],
        "recipient": {"kind": "partner", "partner_id": a["partner"]},
        "support_kind": a["support_kind"],
    }
    made = {"id": d.call("partners", "POST", "/referrals", counsellor(d), body)["id"]}
    if a.get("disclose"):
        made["disclosure_id"] = _disclose(d, a["case_id"], made["id"])
    return made


def _disclose(d: Demo, case_id: str, referral_id: str) -> str:
    """The disclosure intake records for a referral, once intake has heard of the referral."""
    body = {
        "referral_id": referral_id,
        "legal_basis": "person_consent",
        "purpose": "connect_support",
        "profile": "contact_minimal",
        "expires_at": (d.now + timedelta(days=30)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }

    def recorded() -> str | None:
        try:
            return str(
                d.call("intake", "POST", f"/cases/{case_id}/disclosures", counsellor(d), body)[
                    "disclosure_id"
                ]
            )
        except Refused as exc:
            if exc.rule.endswith("referral_not_known"):
                return None
            raise

    found: str = d.wait(recorded, "referral_known_to_intake")
    return found


def referral_accept(d: Demo, a: dict[str, Any], refs: Mapping[str, Mapping[str, Any]]) -> None:
    staff = partner_staff(d, a["partner"], a["subject"])
    d.call("partners", "POST", f"/referrals/{a['referral']}/accept", staff)
    disclosure = a.get("disclosure")
    if disclosure:  # the partner reads what was disclosed (the first read is announced)

        def read() -> bool:
            try:
                d.call("intake", "GET", f"/disclosures/{disclosure}/fields", staff)
                return True
            except Refused:
                return False

        d.wait(read, "disclosure_readable")


def referral_decline(d: Demo, a: dict[str, Any]) -> None:
    staff = partner_staff(d, a["partner"], a["subject"])
    d.call("partners", "POST", f"/referrals/{a['referral']}/decline", staff, {"reason": a["reason"]})


def referral_withdraw(d: Demo, a: dict[str, Any]) -> None:
    d.call("partners", "POST", f"/referrals/{a['referral']}/withdraw", counsellor(d), None)


def referral_outcome(d: Demo, a: dict[str, Any]) -> None:
    staff = partner_staff(d, a["partner"], a["subject"])
    body = {"outcome": a["outcome"], "outcome_on": d.now.astimezone(TOKYO).date().isoformat()}
    d.call("partners", "POST", f"/referrals/{a['referral']}/outcome", staff, body)


def disclosure_withdraw(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "intake",
        "POST",
        f"/disclosures/{a['disclosure']}/withdraw",
        counsellor(d),
        {"reason": "no_longer_needed"},
    )


def joint_session(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {"kind": "joint_briefing", "starts_at": a["starts_at"], "minutes": 180, "capacity": a["capacity"]}
    return {"id": d.call("scheduling", "POST", "/sessions", supervisor(d), body)["id"]}


def joint_join(d: Demo, a: dict[str, Any]) -> None:
    staff = partner_staff(d, a["partner"], a["subject"])

    def joined() -> bool:
        try:
            d.call(
                "partners",
                "POST",
                f"/joint-sessions/{a['session']}/participants",
                staff,
                {"partner_id": a["partner"]},
            )
            return True
        except Refused as exc:
            if "not_found" in exc.rule:
                return False  # partners has not heard of the session yet
            raise

    d.wait(joined, "joint_session_known")


def joint_withdraw(d: Demo, a: dict[str, Any]) -> None:
    staff = partner_staff(d, a["partner"], a["subject"])
    d.call(
        "partners",
        "POST",
        f"/joint-sessions/{a['session']}/participants/{a['partner']}/withdrawal",
        staff,
        None,
    )


def resource_listing(d: Demo, a: dict[str, Any]) -> None:
    body = {**a, "support_kinds": ["consultation"], "targets": ["person", "family"]}
    d.call("partners", "POST", "/resources", counsellor(d), body)


def network_meeting(d: Demo, a: dict[str, Any]) -> None:
    body = {
        "held_on": a["held_on"],
        "participants": [{"kind": "person", "name": a["contact"]}],
        "topics": [{"code": "case_coordination"}, {"code": "local_resources"}],
    }
    d.call("partners", "POST", f"/municipalities/{a['municipality_code']}/meetings", supervisor(d), body)


def directory_edition(d: Demo, a: dict[str, Any]) -> None:
    d.call("partners", "POST", "/directory/editions", supervisor(d), None)


# -- subsidy ---------------------------------------------------------------------------------------
APPLICATION_DOCUMENTS = ["application_form", "project_plan", "budget_statement"]
CHANGE_DOCUMENTS = ["change_request_form", "project_plan", "budget_statement"]
REPORT_DOCUMENTS = ["results_report_form", "project_report", "settlement_statement"]


def reviewer(d: Demo) -> dict[str, str]:
    return d.tokens("subsidy_reviewer", subject="demo-subsidy-reviewer")


def approver(d: Demo) -> dict[str, str]:
    return d.tokens("subsidy_approver", subject="demo-subsidy-approver")


def subsidy_start(d: Demo, a: dict[str, Any]) -> None:
    body = {"started_on": "2025-04-01", "source_document": "ひきこもり地域支援センター設置要綱"}
    d.call("subsidy", "POST", f"/municipalities/{a['municipality_code']}/implementation", reviewer(d), body)


def subsidy_apply(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    code = a["municipality_code"]
    body = {
        "municipality_code": code,
        "fiscal_year": 2025,
        "planned": {"personnel": a["personnel"], "travel": a["travel"]},
        "documents": APPLICATION_DOCUMENTS,
        "completes_on": "2025-12-26",
    }
    return {"id": d.call("subsidy", "POST", "/applications", municipal(d, code), body)["id"]}


def subsidy_review(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/review",
        reviewer(d),
        {"eligible": a["eligible"]},
    )


def subsidy_refuse(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "subsidy", "POST", f"/applications/{a['application']}/refusal", approver(d), {"reason": a["reason"]}
    )


def subsidy_decide(d: Demo, a: dict[str, Any]) -> None:
    d.call("subsidy", "POST", f"/applications/{a['application']}/decision", approver(d), {})


def subsidy_withdraw(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/withdrawal",
        municipal(d, a["municipality_code"]),
        None,
    )


def subsidy_advance(d: Demo, a: dict[str, Any]) -> None:
    body = {"amount": a["amount"], "paid_on": a["paid_on"]}
    d.call("subsidy", "POST", f"/applications/{a['application']}/payments/advance", reviewer(d), body)


def subsidy_change(d: Demo, a: dict[str, Any]) -> None:
    body = {"planned": {"personnel": a["personnel"], "travel": a["travel"]}, "documents": CHANGE_DOCUMENTS}
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/change-request",
        municipal(d, a["municipality_code"]),
        body,
    )


def subsidy_change_review(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/change-request/review",
        reviewer(d),
        {"eligible": True},
    )


def subsidy_change_decide(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/change-request/decision",
        approver(d),
        {"approve": True},
    )


def subsidy_report(d: Demo, a: dict[str, Any]) -> None:
    body = {"actual": a["actual"], "documents": REPORT_DOCUMENTS, "completed_on": a["completed_on"]}
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/report",
        municipal(d, a["municipality_code"]),
        body,
    )


def subsidy_confirm(d: Demo, a: dict[str, Any]) -> None:
    d.call("subsidy", "POST", f"/applications/{a['application']}/confirmation", approver(d), {})


def subsidy_pay(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/payments/balance",
        reviewer(d),
        {"paid_on": a["paid_on"]},
    )


def subsidy_refund(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "subsidy",
        "POST",
        f"/applications/{a['application']}/refund-claim",
        reviewer(d),
        {"due_on": a["due_on"]},
    )


# -- training (more) -------------------------------------------------------------------------------
def enrol_programme(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    body = {"learner_id": a["learner"], "programme_code": a["programme_code"]}
    made = d.call("training", "POST", "/enrolments", trainer(d), body)
    out = {"enrolment_id": made["id"]}
    out.update({course["code"]: course["id"] for course in made.get("courses", [])})
    return out


def book_seat(d: Demo, a: dict[str, Any]) -> None:
    d.call(
        "training", "POST", f"/sessions/{a['session']}/seats", trainer(d), {"enrolment_id": a["enrolment"]}
    )


def progress(d: Demo, a: dict[str, Any]) -> None:
    body = {"report_id": _uuid(d), "event": a["event"], "position_seconds": a["position"]}
    learner_token = d.tokens("learner", subject=a["subject"])
    d.call(
        "training",
        "POST",
        f"/enrolments/{a['enrolment']}/lessons/{a['lesson']}/progress",
        learner_token,
        body,
    )


def revoke_certificate(d: Demo, a: dict[str, Any]) -> None:
    enrolment = d.call("training", "GET", f"/enrolments/{a['enrolment']}", trainer(d))
    completion = enrolment.get("completion_id")
    if not completion:
        raise Skipped("not_completed")
    learner = enrolment["learner_id"]
    certificates = d.call("training", "GET", f"/learners/{learner}/certificates", trainer(d))
    # The certificate of this enrolment's completion, whatever else the learner holds.
    mine = [c for c in certificates if c["completion_id"] == completion]
    if not mine:
        raise Skipped("no_certificate")
    d.call(
        "training",
        "POST",
        f"/certificates/{mine[0]['id']}/revocation",
        trainer(d),
        {"reason": "issued_in_error"},
    )


def await_event(d: Demo, a: dict[str, Any]) -> dict[str, Any]:
    """Wait until an event of ``type`` is on the bus (raised by a timer when the clock moved)."""
    import asyncio

    from tsunagu_contracts import EventType

    from ..common import connect

    async def count() -> int:
        async with connect(d.nats_url) as (_nc, js):
            info = await js.stream_info(EventType.parse(a["type"]).stream, subjects_filter=a["type"])
            return sum((info.state.subjects or {}).values())

    return {"events": d.wait(lambda: asyncio.run(count()), f"event:{a['type']}")}


# -- people's rights -------------------------------------------------------------------------------
def erase_person(d: Demo, a: dict[str, Any]) -> None:
    person = a["person_id"]
    # Staff look at the records sharing the nickname or phone: in a generated year none is the same
    # person (nicknames repeat), so they confirm none (``[]``) and only this person is erased.
    d.call("intake", "GET", f"/persons/{person}/linked", supervisor(d), params={"purpose": "supervision"})
    body: dict[str, Any] = {"basis": "person_request", "linked_person_ids": []}
    d.call("intake", "POST", f"/persons/{person}/erasure", supervisor(d), body)


ACTIONS.update(
    {
        "partner_register": partner_register,
        "partner_apply": partner_apply,
        "partner_refuse": partner_refuse,
        "partner_sign": partner_sign,
        "partner_offering": partner_offering,
        "partner_renew": partner_renew,
        "partner_suspend": partner_suspend,
        "partner_resume": partner_resume,
        "partner_end": partner_end,
        "referral": referral,
        "referral_accept": referral_accept,
        "referral_decline": referral_decline,
        "referral_withdraw": referral_withdraw,
        "referral_outcome": referral_outcome,
        "disclosure_withdraw": disclosure_withdraw,
        "joint_session": joint_session,
        "joint_join": joint_join,
        "joint_withdraw": joint_withdraw,
        "resource_listing": resource_listing,
        "network_meeting": network_meeting,
        "directory_edition": directory_edition,
        "subsidy_start": subsidy_start,
        "subsidy_apply": subsidy_apply,
        "subsidy_review": subsidy_review,
        "subsidy_refuse": subsidy_refuse,
        "subsidy_decide": subsidy_decide,
        "subsidy_withdraw": subsidy_withdraw,
        "subsidy_advance": subsidy_advance,
        "subsidy_change": subsidy_change,
        "subsidy_change_review": subsidy_change_review,
        "subsidy_change_decide": subsidy_change_decide,
        "subsidy_report": subsidy_report,
        "subsidy_confirm": subsidy_confirm,
        "subsidy_pay": subsidy_pay,
        "subsidy_refund": subsidy_refund,
        "enrol_programme": enrol_programme,
        "book_seat": book_seat,
        "progress": progress,
        "revoke_certificate": revoke_certificate,
        "erase_person": erase_person,
        "await_event": await_event,
    }
)
