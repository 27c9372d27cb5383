"""Persons: recognising returning people, reading details, erasure, the access log."""

from __future__ import annotations

from fastapi import APIRouter
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.rules import (
    ALREADY_ERASED,
    ERASED,
    LINKED_RECORDS_UNCONFIRMED,
    NOT_LINKED,
    PERSON_NOT_FOUND,
)
from ..handlers import access_log, erasure, persons
from ..handlers.commands import EraseRequest, PersonLookup
from ..handlers.views import AccessRecord, ErasureRecorded, LinkedPerson, PersonCandidate, PersonView
from .deps import Counsellor, Ctx, PersonId, PurposeQuery, Supervisor

router = APIRouter(tags=["persons"])


@router.post("/persons/lookup")
def lookup(query: PersonLookup, purpose: PurposeQuery, ctx: Ctx, actor: Counsellor) -> list[PersonCandidate]:
    """Recognise a returning person by user number, nickname or phone (full-/half-width alike)."""
    return persons.lookup(ctx, actor, query, purpose)


@router.get(f"/persons/{{person_id:{ID}}}", responses=refusals(PERSON_NOT_FOUND, ERASED))
def read_person(person_id: PersonId, purpose: PurposeQuery, ctx: Ctx, actor: Counsellor) -> PersonView:
    """A person's personal details (the read is logged with its purpose); 410 once erased."""
    return persons.read_person(ctx, actor, person_id, purpose)


@router.get(f"/persons/{{person_id:{ID}}}/linked", responses=refusals(PERSON_NOT_FOUND, ERASED))
def linked(person_id: PersonId, purpose: PurposeQuery, ctx: Ctx, actor: Supervisor) -> list[LinkedPerson]:
    """Other records that share the person's nickname or phone (by keyed digest), ids and counts
    only: before an erasure, staff confirm which of them are the same person."""
    return erasure.linked_records(ctx, actor, person_id, purpose)


@router.post(
    f"/persons/{{person_id:{ID}}}/erasure",
    responses=refusals(PERSON_NOT_FOUND, ALREADY_ERASED, LINKED_RECORDS_UNCONFIRMED, NOT_LINKED),
)
def erase(person_id: PersonId, command: EraseRequest, ctx: Ctx, actor: Supervisor) -> ErasureRecorded:
    """Erase the person's personal data, and that of the linked records named with them (their data
    keys are destroyed); announces PersonErased for each. While records share the person's nickname
    or phone (``GET /persons/{id}/linked``), ``linked_person_ids`` must say which to erase too."""
    return erasure.erase_person(ctx, actor, person_id, command)


@router.get(f"/persons/{{person_id:{ID}}}/access-log", responses=refusals(PERSON_NOT_FOUND))
def read_access_log(person_id: PersonId, ctx: Ctx, actor: Supervisor) -> list[AccessRecord]:
    """Who read this person's data, when, which record, for what purpose."""
    return access_log.access_log_of(ctx, actor, person_id)
