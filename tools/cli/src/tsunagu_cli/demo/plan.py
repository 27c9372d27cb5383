"""The demo's fiscal year as a plan: what happens when, decided by the seed alone (no I/O).

:func:`build_plan` returns :class:`Step` s in time order. A step is one thing a person does through
a service's public API (a call to the line, a municipality's request, a trainer's attendance
sheet …) at an instant of simulated time; the executor (:mod:`.execute`) sets the services' clock
to that instant and performs it. A step's ``args`` are JSON; a string ``"@ref.field"`` in them
stands for a field of what an earlier step answered (a case's id, say), since ids are the
services' to choose.

Timing follows the programme: the phone line's hours (Mon–Sat 10–17, no holidays, no year-end
closure: the calendar library's published hours), e-mail at any hour with an evening peak, in-person
consultations by reservation in office hours, seminars on Saturday afternoons, the expert team's
meetings as scheduling generates them. Names and contact details come from Faker's ``ja_JP`` locale,
seeded, with e-mail on the reserved ``example.jp`` domain and phone numbers in the 0X0-0000 block.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from faker import Faker
from tsunagu_calendar import ServiceCalendar
from tsunagu_contracts.municipalities import tokyo_municipalities

from .volumes import (
    EMAIL_HOUR_WEIGHTS,
    MONTH_WEIGHTS,
    PHONE_HOUR_WEIGHTS,
    PHONE_WEEKDAY_WEIGHTS,
    YEAR_ENDS,
    YEAR_STARTS,
    Volumes,
)

TOKYO = ZoneInfo("Asia/Tokyo")
CALENDAR = ServiceCalendar()

TOPICS = (
    "withdrawal",
    "family_relations",
    "school",
    "employment",
    "mental_health",
    "physical_health",
    "developmental",
    "daily_life",
    "finances",
    "social_participation",
)
AGE_BANDS = ("15_19", "20_29", "20_29", "30_39", "30_39", "40_49", "40_49", "50_59", "unknown")
WARDS_FIRST = 23
"""The first 23 municipalities (by code) are the special wards, where most people live."""


@dataclass(frozen=True, slots=True)
class Step:
    """One action at one instant of simulated time (UTC)."""

    at: datetime
    kind: str
    args: Mapping[str, Any]
    ref: str | None = None
    """Name under which the executor keeps what the step answered, for later steps' ``@ref.field``."""


@dataclass
class _Draft:
    at: datetime
    order: int
    kind: str
    args: dict[str, Any]
    ref: str | None


@dataclass
class Planner:
    """Collects steps in any order; :meth:`steps` sorts them and makes every instant unique."""

    seed: int
    volumes: Volumes
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)
    _drafts: list[_Draft] = field(default_factory=list, init=False)
    _refs: dict[str, int] = field(default_factory=dict, init=False)
    closed: dict[str, datetime] = field(default_factory=dict, init=False)
    """When the case a person's first consultation opened was closed (ref → instant)."""
    known_people: list[tuple[datetime, str]] = field(default_factory=list, init=False)
    """People recorded by staff: (first contact, ref), for the stories that come back to them."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(self.seed)
        codes = sorted(m.code for m in tokyo_municipalities())
        self.wards, self.others = codes[:WARDS_FIRST], codes[WARDS_FIRST:]

    # -- building blocks -----------------------------------------------------------------------------
    def add(
        self, at: datetime, kind: str, args: dict[str, Any] | None = None, *, ref: str | None = None
    ) -> str:
        if at.tzinfo is None:
            raise ValueError("steps happen at aware instants")
        self._drafts.append(_Draft(at.astimezone(UTC), len(self._drafts), kind, args or {}, ref))
        return ref or ""

    def new_ref(self, prefix: str) -> str:
        n = self._refs.get(prefix, 0) + 1
        self._refs[prefix] = n
        return f"{prefix}{n}"

    def last_use(self) -> dict[str, datetime]:
        """When each ref is last referred to by a step planned so far."""
        last: dict[str, datetime] = {}
        for d in self._drafts:
            for name in referenced(d.args):
                if name not in last or d.at > last[name]:
                    last[name] = d.at
        return last

    def steps(self) -> list[Step]:
        ordered = sorted(self._drafts, key=lambda d: (d.at, d.order))
        out: list[Step] = []
        last: datetime | None = None
        for d in ordered:
            # One instant per step: the events a step raised are found by their time on a resume.
            at = d.at if last is None or d.at > last else last + timedelta(milliseconds=1)
            out.append(Step(at, d.kind, d.args, d.ref))
            last = at
        return out

    def municipality(self) -> str:
        return self.rng.choice(self.wards) if self.rng.random() < 0.7 else self.rng.choice(self.others)

    def person(self, *, with_contact: bool) -> dict[str, Any]:
        """A generated person: a nickname always (people may stay pseudonymous), sometimes more."""
        person: dict[str, Any] = {
            "nickname": self.fake.first_kana_name(),
            "age_band": self.rng.choice(AGE_BANDS),
            "residence_code": self.municipality(),
        }
        if with_contact:
            person["name"] = self.fake.name()
            person["phone"] = self.phone()
        return person

    def phone(self) -> str:
        return f"0{self.rng.choice('789')}0-0000-{self.rng.randrange(10000):04d}"

    def email(self) -> str:
        return f"{self.fake.user_name()}{self.rng.randrange(1000)}@example.jp"

    def topics(self) -> list[str]:
        return sorted(self.rng.sample(TOPICS, self.rng.choice((1, 1, 2, 2, 3))))

    # -- time --------------------------------------------------------------------------------------------
    def days(self) -> list[date]:
        return [YEAR_STARTS + timedelta(days=i) for i in range((YEAR_ENDS - YEAR_STARTS).days + 1)]

    def weighted_day(
        self, allowed: Callable[[date], bool], weekday_weights: Sequence[float] | None = None
    ) -> date:
        days = [d for d in self.days() if allowed(d)]
        weights = [
            MONTH_WEIGHTS[d.month] * (weekday_weights[d.weekday()] if weekday_weights else 1.0) for d in days
        ]
        return self.rng.choices(days, weights)[0]

    def phone_instant(self) -> datetime:
        """A call: a day the line is open (weekday pattern), an hour in its hours (hourly pattern)."""
        day = self.weighted_day(lambda d: bool(CALENDAR.opening_intervals("phone", d)), PHONE_WEEKDAY_WEIGHTS)
        hours = sorted(PHONE_HOUR_WEIGHTS)
        hour = self.rng.choices(hours, [PHONE_HOUR_WEIGHTS[h] for h in hours])[0]
        at = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), TOKYO)
        if not CALENDAR.is_open("phone", at):  # the published hours are the authority
            return self.phone_instant()
        return at

    def email_instant(self) -> datetime:
        day = self.weighted_day(lambda d: True)
        hour = self.rng.choices(range(24), EMAIL_HOUR_WEIGHTS)[0]
        return datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), TOKYO)

    def office_instant(self, day: date, *, start: int = 10, end: int = 17) -> datetime:
        return datetime.combine(
            day, time(self.rng.randrange(start, end), self.rng.randrange(0, 60, 5)), TOKYO
        )

    def business_day_after(self, day: date, n: int) -> date:
        d = day
        while n > 0 or not CALENDAR.is_business_day(d):
            d += timedelta(days=1)
            if CALENDAR.is_business_day(d):
                n -= 1
        return d

    def in_year(self, at: datetime) -> bool:
        return at.astimezone(TOKYO).date() <= YEAR_ENDS


def at_tokyo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TOKYO)


def iso(at: datetime) -> str:
    """An instant as staff type it (Tokyo time, with its offset)."""
    return at.astimezone(TOKYO).isoformat()


def build_plan(seed: int, scale: float = 1.0) -> list[Step]:
    """The whole year, deterministic by ``seed`` (and ``scale``)."""
    from . import stories  # the year's stories, service by service

    planner = Planner(seed, Volumes().scaled(scale))
    for story in stories.ALL:
        story(planner)
    return planner.steps()


def step_counts(steps: Sequence[Step]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in steps:
        counts[s.kind] = counts.get(s.kind, 0) + 1
    return dict(sorted(counts.items()))


def referenced(value: Any) -> Iterator[str]:
    """The ``@ref`` names a step's arguments use."""
    if isinstance(value, str) and value.startswith("@"):
        yield value[1:].removeprefix("?").split(".", 1)[0]
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from referenced(v)
    elif isinstance(value, list):
        for v in value:
            yield from referenced(v)
