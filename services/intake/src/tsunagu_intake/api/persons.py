"""Persons: recognising returning people, reading details, erasure, the access log."""

from __future__ import annotations

from fastapi import APIRouter
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.rules import ALREADY_ERASED, ERASED, PERSON_NOT_FOUND
from ..handlers import access_log, erasure, persons
from ..handlers.commands import EraseRequest, PersonLookup
from ..handlers.views import AccessRecord, ErasureRecorded, PersonCandidate, PersonView
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


@router.post(f"/persons/{{person_id:{ID}}}/erasure", responses=refusals(PERSON_NOT_FOUND, ALREADY_ERASED))
def erase(person_id: PersonId, command: EraseRequest, ctx: Ctx, actor: Supervisor) -> ErasureRecorded:
    """Erase the person's personal data (their data key is destroyed); announces PersonErased."""
    return erasure.erase_person(ctx, actor, person_id, command)


@router.get(f"/persons/{{person_id:{ID}}}/access-log", responses=refusals(PERSON_NOT_FOUND))
def read_access_log(person_id: PersonId, ctx: Ctx, actor: Supervisor) -> list[AccessRecord]:
    """Who read this person's data, when, which record, for what purpose."""
    return access_log.access_log_of(ctx, actor, person_id)
