"""What routes depend on: the service's context and who may call what.

Learners act for themselves; a ``training_coordinator`` for the learners of their own organisation
(the handlers check the tie); trainers and supervisors for everyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from tsunagu_contracts import ID_PATTERN
from tsunagu_servicekit.errors import Refusal
from tsunagu_servicekit.http import Principal, context_dependency, require
from tsunagu_servicekit.http.openapi import ROLES_ATTRIBUTE, documents_refusals

from ..domain import rules
from ..handlers.context import TrainingContext

Ctx = Annotated[TrainingContext, Depends(context_dependency(TrainingContext))]

STAFF_LEARNERS = ("counsellor", "municipality_staff", "partner_staff", "learner")
Anyone = Annotated[
    Principal,
    Depends(require(*STAFF_LEARNERS, "training_coordinator", "trainer", "supervisor", "expert")),
]
Learner = Annotated[Principal, Depends(require(*STAFF_LEARNERS))]
Registrar = Annotated[Principal, Depends(require("training_coordinator", "trainer", "supervisor"))]
Enroller = Annotated[
    Principal, Depends(require(*STAFF_LEARNERS, "training_coordinator", "trainer", "supervisor"))
]
Trainer = Annotated[Principal, Depends(require("trainer"))]
Office = Annotated[Principal, Depends(require("trainer", "supervisor"))]

LearnerId = Annotated[str, Path(pattern=ID_PATTERN, description="Learner id")]
EnrolmentId = Annotated[str, Path(pattern=ID_PATTERN, description="Enrolment id")]


# -- sessions --
TRAINER_ROLE = "trainer"


@documents_refusals(rules.ATTENDANCE_BY_TRAINER_ONLY)
async def attendance_taker(actor: Anyone) -> Principal:
    """A trainer. Anyone else who may read sessions is refused by the rule that names why
    (``attendance_by_trainer_only``), not by the kit's general ``role_required``."""
    if not actor.has_role(TRAINER_ROLE):
        raise Refusal(rules.ATTENDANCE_BY_TRAINER_ONLY)
    return actor


setattr(attendance_taker, ROLES_ATTRIBUTE, (TRAINER_ROLE,))  # documented, and tested, as a trainer's
AttendanceTaker = Annotated[Principal, Depends(attendance_taker)]
