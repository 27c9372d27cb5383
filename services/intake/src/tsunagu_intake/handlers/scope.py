"""Who may see which records: municipality staff see only their own municipality's."""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal

from ..domain.rules import OWN_MUNICIPALITY_ONLY

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
