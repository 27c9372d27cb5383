"""Who may see which records: municipality staff see only their own municipality's."""

from __future__ import annotations

from tsunagu_servicekit.http import Principal

from .errors import NotFound, OutOfScope

UNRESTRICTED_ROLES = frozenset({"counsellor", "supervisor", "expert", "admin"})


def municipality_restricted(actor: Principal) -> bool:
    """True for municipality staff who hold no programme-wide role."""
    return actor.has_role("municipality_staff") and not (UNRESTRICTED_ROLES & actor.roles)


def check_visible(actor: Principal, record_municipality: str | None, *, exists: bool) -> None:
    """Raise unless ``actor`` may see a record of ``record_municipality``.

    Municipality staff get 403 both for another municipality's record and for one that does not
    exist, so the answer never tells them whether it exists. Everyone else gets 404 when missing.
    """
    if municipality_restricted(actor):
        if not exists or record_municipality is None or record_municipality != actor.municipality:
            raise OutOfScope()
        return
    if not exists:
        raise NotFound("No such record.")


def check_own_municipality(actor: Principal, municipality_code: str) -> None:
    """Raise unless the actor belongs to ``municipality_code`` (submitting on its behalf)."""
    if actor.municipality is None or actor.municipality != municipality_code:
        raise OutOfScope()
