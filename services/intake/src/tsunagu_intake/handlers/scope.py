"""Who may see which records: municipality staff see only their own municipality's requests, and
only the cases their municipality referred or a disclosure grants them."""

from __future__ import annotations

from datetime import datetime

from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import referrals
from ..adapters.tables import Case
from ..domain.rules import CASE_NOT_FOUND, OWN_MUNICIPALITY_ONLY
from .disclosures import unreadable_because

UNRESTRICTED_ROLES = frozenset({"counsellor", "supervisor", "expert", "admin"})


def municipality_restricted(actor: Principal) -> bool:
    """True for municipality staff who hold no programme-wide role."""
    return actor.has_role("municipality_staff") and not (UNRESTRICTED_ROLES & actor.roles)


def check_visible(actor: Principal, record_municipality: str | None, *, exists: bool, missing: Rule) -> None:
    """Refuse unless ``actor`` may see a record of ``record_municipality``.

    Municipality staff get 403 both for another municipality's record and for one that does not
    exist, so the answer never tells them whether it exists. Everyone else gets ``missing`` (a 404)
    when it does not exist.
    """
    if municipality_restricted(actor):
        if not exists or record_municipality is None or record_municipality != actor.municipality:
            refuse(OWN_MUNICIPALITY_ONLY)
        return
    if not exists:
        refuse(missing)


def check_own_municipality(actor: Principal, municipality_code: str) -> None:
    """Refuse unless the actor belongs to ``municipality_code`` (submitting on its behalf)."""
    if actor.municipality is None or actor.municipality != municipality_code:
        refuse(OWN_MUNICIPALITY_ONLY)


def municipality_in_scope(actor: Principal, requested: str | None) -> str | None:
    """The municipality a listing is limited to: the one requested, except that municipality staff
    get their own (and are refused another's)."""
    if not municipality_restricted(actor):
        return requested
    if requested is not None and requested != actor.municipality:
        refuse(OWN_MUNICIPALITY_ONLY)
    return actor.municipality


# -- cases: what a municipality referred, or what a disclosure grants it ----------------------------


def case_visible_to_municipality(uow: UnitOfWork, case_id: str, municipality: str, now: datetime) -> bool:
    """Whether staff of ``municipality`` may read the case: the municipality referred it (a
    home-visit request of its own), or a readable disclosure to one of its windows grants it. Where
    the person lives or which municipality the case is filed under grants nothing: someone who
    phoned the Tokyo line directly did not agree to their municipality reading about them."""
    if referrals.referred_by_municipality(uow, case_id, municipality):
        return True
    granted = referrals.open_disclosures_to_municipality(uow, municipality, now, case_id=case_id)
    return any(unreadable_because(uow, d, now) is None for d in granted)


def cases_visible_to_municipality(uow: UnitOfWork, municipality: str, now: datetime) -> set[str]:
    """The ids of every case staff of ``municipality`` may read (see :func:`case_visible_to_municipality`)."""
    granted = referrals.open_disclosures_to_municipality(uow, municipality, now)
    return referrals.cases_referred_by_municipality(uow, municipality) | {
        d.case_id for d in granted if unreadable_because(uow, d, now) is None
    }


def check_case_visible(uow: UnitOfWork, actor: Principal, case: Case | None, now: datetime) -> Case:
    """The case if ``actor`` may read it. Municipality staff get the same 403 for a case they may
    not read and for one that does not exist; everyone else a 404 for one that does not exist."""
    if municipality_restricted(actor):
        municipality = actor.municipality
        if (
            case is None
            or municipality is None
            or not case_visible_to_municipality(uow, case.id, municipality, now)
        ):
            refuse(OWN_MUNICIPALITY_ONLY)
        return case
    if case is None:
        refuse(CASE_NOT_FOUND)
    return case
