"""What routes depend on: the scheduling context, and who may call what (role groups of the
scheduling API; ``admin`` passes every check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from tsunagu_servicekit.http import Principal, context_dependency, require
from tsunagu_servicekit.http.paths import ID

from ..handlers.context import SchedulingContext

Ctx = Annotated[SchedulingContext, Depends(context_dependency(SchedulingContext))]
"""The context the runtime built (``app.state.context``)."""

STAFF = ("counsellor", "supervisor")
"""Book and change appointments, visits and registrations for people."""
MANAGERS = ("supervisor",)
"""Manage staff, rooms, availability, sessions and meetings."""
READERS = ("counsellor", "supervisor", "expert")
"""Read schedules, agendas and calendars."""
REVIEWERS = ("expert", "supervisor")
"""Record the expert team's advice."""

Staff = Annotated[Principal, Depends(require(*STAFF))]
Manager = Annotated[Principal, Depends(require(*MANAGERS))]
Reader = Annotated[Principal, Depends(require(*READERS))]
Reviewer = Annotated[Principal, Depends(require(*REVIEWERS))]
VisitReader = Annotated[Principal, Depends(require(*STAFF, "municipality_staff"))]


MEETING_ID = f"{{meeting_id:{ID}}}"
"""The ``{meeting_id}`` of ``/meetings/...`` paths: only a UUID, so ``POST /meetings/generate`` is
the only operation at ``/meetings/generate`` (any other method there is a 405, not a bad id)."""
SESSION_ID = f"{{session_id:{ID}}}"
"""The ``{session_id}`` of ``/sessions/...`` paths, beside ``/sessions/weekly`` likewise."""
