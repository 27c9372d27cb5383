"""Agreements (協定) between Tokyo and partner organisations: the lifecycle, the self-assessment
against the Support Guidelines, terms, numbers, templates and the renewal date. Plain Python.

The lifecycle of an organisation::

    candidate --apply--> applied --refuse--> candidate
    applied --sign (in force on signing)--> active
    applied --sign (effective later)--> applied, agreement "signed" --take effect--> active
    active --renew--> active (a successor agreement follows the current one without a gap)
    active --suspend--> suspended --resume--> active
    active | suspended --end--> ended
    active | suspended --expire (its term ran out, no successor)--> expired
    ended | expired --apply--> applied (it may apply again)

Every other step is refused by a named rule (:func:`next_state`).
"""

from __future__ import annotations

import calendar as _months
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from tsunagu_calendar import ServiceCalendar, fiscal_year, tokyo_date
from tsunagu_contracts.events.partners import SupportKind
from tsunagu_servicekit.errors import Rule, refuse

from . import rules
from .partners import PartnerState

# -- the lifecycle ------------------------------------------------------------------------------


class PartnerAction(StrEnum):
    """What can happen to an organisation on its way to, and as, a partner."""

    APPLY = "apply"
    REFUSE = "refuse"
    SIGN = "sign"
    """Sign an agreement that is in force on signing (effective today or earlier)."""
    SIGN_AHEAD = "sign_ahead"
    """Sign an agreement that takes effect on a later date."""
    TAKE_EFFECT = "take_effect"
    RENEW = "renew"
    SUSPEND = "suspend"
    RESUME = "resume"
    END = "end"
    EXPIRE = "expire"


_S = PartnerState
_A = PartnerAction

TRANSITIONS: dict[PartnerAction, dict[PartnerState, PartnerState]] = {
    _A.APPLY: {_S.CANDIDATE: _S.APPLIED, _S.ENDED: _S.APPLIED, _S.EXPIRED: _S.APPLIED},
    _A.REFUSE: {_S.APPLIED: _S.CANDIDATE},
    _A.SIGN: {_S.APPLIED: _S.ACTIVE},
    _A.SIGN_AHEAD: {_S.APPLIED: _S.APPLIED},
    _A.TAKE_EFFECT: {_S.APPLIED: _S.ACTIVE},
    _A.RENEW: {_S.ACTIVE: _S.ACTIVE},
    _A.SUSPEND: {_S.ACTIVE: _S.SUSPENDED},
    _A.RESUME: {_S.SUSPENDED: _S.ACTIVE},
    _A.END: {_S.ACTIVE: _S.ENDED, _S.SUSPENDED: _S.ENDED},
    _A.EXPIRE: {_S.ACTIVE: _S.EXPIRED, _S.SUSPENDED: _S.EXPIRED},
}
"""For each action, the states it may start from and the state it leads to."""

REFUSAL_OF: dict[PartnerAction, Rule] = {
    _A.APPLY: rules.PARTNER_CANNOT_APPLY,
    _A.REFUSE: rules.APPLICATION_NOT_OPEN,
    _A.SIGN: rules.APPLICATION_NOT_OPEN,
    _A.SIGN_AHEAD: rules.APPLICATION_NOT_OPEN,
    _A.TAKE_EFFECT: rules.APPLICATION_NOT_OPEN,
    _A.RENEW: rules.PARTNER_NOT_ACTIVE,
    _A.SUSPEND: rules.PARTNER_NOT_ACTIVE,
    _A.RESUME: rules.PARTNER_NOT_SUSPENDED,
    _A.END: rules.PARTNER_NOT_IN_AGREEMENT,
    _A.EXPIRE: rules.PARTNER_NOT_IN_AGREEMENT,
}
"""The rule that refuses an action from a state it may not start from."""


def next_state(state: PartnerState, action: PartnerAction) -> PartnerState:
    """The state after ``action``; a :class:`~tsunagu_servicekit.errors.Refusal` by the action's
    rule when it may not happen in ``state``."""
    after = TRANSITIONS[action].get(state)
    if after is None:
        refuse(REFUSAL_OF[action])
    return after


class ApplicationStatus(StrEnum):
    """An application under review is ``submitted``; the review ends it ``refused`` or ``approved``
    (an agreement was signed on it)."""

    SUBMITTED = "submitted"
    REFUSED = "refused"
    APPROVED = "approved"


class AgreementStatus(StrEnum):
    """Where one agreement stands.

    ``signed``: signed, not in force yet (a first agreement effective later, or a renewal's
    successor); ``active`` and ``suspended``: in force; ``renewed``: its term ran out and its
    successor took over; ``ended``: ended before its term ran out; ``expired``: its term ran out
    without a successor."""

    SIGNED = "signed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RENEWED = "renewed"
    ENDED = "ended"
    EXPIRED = "expired"


IN_FORCE = (AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED)
OPEN = (AgreementStatus.SIGNED, *IN_FORCE)
"""Agreements that have not finished: in force, or signed and waiting to take effect."""


# -- the self-assessment --------------------------------------------------------------------------


class AssessmentLevel(StrEnum):
    """How far the organisation assesses itself to meet the Support Guidelines in a kind of support."""

    MEETS = "meets"
    PARTLY = "partly"
    NOT_YET = "not_yet"


@dataclass(frozen=True, slots=True)
class KindAssessment:
    """One kind of support in the self-assessment: whether the organisation provides it, and, when
    it does, how far it meets the guidelines."""

    kind: SupportKind
    provides: bool
    level: AssessmentLevel | None = None


def check_self_assessment(entries: Sequence[KindAssessment]) -> tuple[SupportKind, ...]:
    """The kinds the organisation provides, in the guidelines' order, once the self-assessment
    holds: each of the three kinds assessed exactly once, a level where (and only where) the kind
    is provided, and at least one kind provided."""
    kinds = [entry.kind for entry in entries]
    if sorted(kinds) != sorted(SupportKind):
        refuse(rules.SELF_ASSESSMENT_INCOMPLETE)
    if any(entry.provides != (entry.level is not None) for entry in entries):
        refuse(rules.SELF_ASSESSMENT_LEVEL_MISMATCH)
    provided = {entry.kind for entry in entries if entry.provides}
    if not provided:
        refuse(rules.SELF_ASSESSMENT_PROVIDES_NOTHING)
    return tuple(kind for kind in SupportKind if kind in provided)


# -- terms -----------------------------------------------------------------------------------------


def term_end(effective_on: date, months: int) -> date:
    """The last day (inclusive) of a term of ``months`` months starting on ``effective_on``.

    As the Civil Code counts periods in months (art. 143): the term ends the day before the day of
    the final month that corresponds to ``effective_on``; when that month has no such day, on the
    last day of that month. 2025-04-01 + 12 months ends on 2026-03-31; 2025-01-31 + 1 month on
    2025-02-28."""
    if months < 1:
        raise ValueError("a term lasts at least one month")
    index = effective_on.year * 12 + (effective_on.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last_day = _months.monthrange(year, month)[1]
    if effective_on.day > last_day:
        return date(year, month, last_day)
    return date(year, month, effective_on.day) - timedelta(days=1)


def agreement_term(
    effective_on: date, *, months: int | None, ends_on: date | None, default_months: int
) -> date:
    """The agreement's last day: ``ends_on`` as given, or the end of ``months`` (the template's
    default when neither is given). A term given both ways, or one that ends before it starts,
    is refused."""
    if months is not None and ends_on is not None:
        refuse(rules.AGREEMENT_TERM_GIVEN_TWICE)
    if ends_on is None:
        return term_end(effective_on, months if months is not None else default_months)
    if ends_on < effective_on:
        refuse(rules.AGREEMENT_TERM_ENDS_BEFORE_START)
    return ends_on


def agreement_number(fiscal_year_of_signing: int, sequence: int) -> str:
    """``PA-<fiscal year>-<sequence, four digits at least>``: ``PA-2025-0007``."""
    if sequence < 1:
        raise ValueError("sequences count from 1")
    return f"PA-{fiscal_year_of_signing}-{sequence:04d}"


def signing_fiscal_year(signed_at: datetime) -> int:
    return fiscal_year(tokyo_date(signed_at))


def renewal_due_on(calendar: ServiceCalendar, ends_on: date, lead_business_days: int) -> date:
    """The day renewal is due: the ``lead_business_days``-th business day before ``ends_on``
    (``ends_on`` itself not counted). Business days skip weekends, national holidays and the
    year-end closure, so a term ending on 2025-05-07 with a lead of 3 is due on 2025-04-30,
    before Golden Week."""
    if lead_business_days < 1:
        raise ValueError("renewal is due at least one business day ahead")
    day, counted = ends_on, 0
    # Japan has at most about ten consecutive days off; the bound only guards against a broken calendar.
    for _ in range(lead_business_days * 7 + 60):
        day -= timedelta(days=1)
        if calendar.is_business_day(day):
            counted += 1
            if counted == lead_business_days:
                return day
    raise ValueError("no business days found before the end of the term")


# -- templates -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgreementTemplate:
    """A version of the agreement's text: in force from ``effective_from`` to ``effective_to``
    (inclusive; ``None`` until further notice), with the term an agreement on it runs by default."""

    version: str
    effective_from: date
    effective_to: date | None
    title: str
    default_term_months: int

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class AgreementTemplates:
    """Every version of the agreement template; versions unique, periods not overlapping."""

    def __init__(self, templates: Iterable[AgreementTemplate]) -> None:
        ordered = sorted(templates, key=lambda t: t.effective_from)
        versions = [t.version for t in ordered]
        if len(set(versions)) != len(versions):
            raise ValueError("agreement templates: a version appears twice")
        for template in ordered:
            if template.effective_to is not None and template.effective_to < template.effective_from:
                raise ValueError(f"agreement template {template.version}: it ends before it starts")
            if template.default_term_months < 1:
                raise ValueError(f"agreement template {template.version}: the default term is under a month")
        for earlier, later in itertools.pairwise(ordered):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ValueError(f"agreement templates {earlier.version} and {later.version} overlap")
        self.all: tuple[AgreementTemplate, ...] = tuple(ordered)

    def for_agreement(self, effective_on: date, version: str | None) -> AgreementTemplate:
        """The template named by ``version``, else the one in force on ``effective_on``; refused
        when the version is unknown or none is in force."""
        if version is not None:
            named = next((t for t in self.all if t.version == version), None)
            if named is None:
                refuse(rules.AGREEMENT_TEMPLATE_UNKNOWN)
            return named
        in_force = next((t for t in self.all if t.in_force_on(effective_on)), None)
        if in_force is None:
            refuse(rules.AGREEMENT_TEMPLATE_NOT_IN_FORCE)
        return in_force


_VERSION = re.compile(r"[0-9A-Za-z.\-]{1,32}")


def load_agreement_templates(data: object) -> AgreementTemplates:
    """Templates from JSON-able data: a list of ``{"version", "effective_from", "effective_to",
    "title", "default_term_months"}``. Strict: unknown or missing keys raise ``ValueError``."""
    if not isinstance(data, list) or not data:
        raise ValueError("agreement templates: expected a non-empty list")
    keys = {"version", "effective_from", "effective_to", "title", "default_term_months"}
    templates = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or set(item) != keys:
            raise ValueError(f"agreement_templates[{i}]: expected exactly the keys {sorted(keys)}")
        version, title, months = item["version"], item["title"], item["default_term_months"]
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            raise ValueError(f"agreement_templates[{i}].version: 1-32 letters, digits, dots or hyphens")
        if not isinstance(title, str) or not title:
            raise ValueError(f"agreement_templates[{i}].title: expected a non-empty string")
        if not isinstance(months, int) or isinstance(months, bool):
            raise ValueError(f"agreement_templates[{i}].default_term_months: expected an integer")
        ends = item["effective_to"]
        templates.append(
            AgreementTemplate(
                version=version,
                effective_from=date.fromisoformat(item["effective_from"]),
                effective_to=None if ends is None else date.fromisoformat(ends),
                title=title,
                default_term_months=months,
            )
        )
    return AgreementTemplates(templates)


@dataclass(frozen=True, slots=True)
class AgreementPolicy:
    """What the agreement use cases are configured with: the templates, and how many business
    days before the end of a term its renewal is due."""

    templates: AgreementTemplates
    renewal_lead_business_days: int = 20
