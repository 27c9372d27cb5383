"""What routes depend on: the service's context and who may call what."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from tsunagu_contracts import ID_PATTERN
from tsunagu_servicekit.http import Principal, context_dependency, require

from ..handlers.context import PartnersContext

Ctx = Annotated[PartnersContext, Depends(context_dependency(PartnersContext))]

Manager = Annotated[Principal, Depends(require("supervisor"))]
Reader = Annotated[Principal, Depends(require("supervisor", "counsellor"))]

PartnerId = Annotated[str, Path(pattern=ID_PATTERN, description="Partner id")]

# Local resources and the network: municipality staff take part for their own municipality.
DirectoryStaff = Annotated[Principal, Depends(require("supervisor", "counsellor", "municipality_staff"))]
NetworkKeeper = Annotated[Principal, Depends(require("supervisor", "municipality_staff"))]
ResourceId = Annotated[str, Path(pattern=ID_PATTERN, description="Local resource id")]
MeetingId = Annotated[str, Path(pattern=ID_PATTERN, description="Network meeting id")]
FollowUpId = Annotated[str, Path(pattern=ID_PATTERN, description="Follow-up id")]
