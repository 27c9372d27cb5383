"""Response bodies of the partners service."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from ..domain.partners import PartnerState


class PartnerView(BaseModel):
    """A partner organisation as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    municipality_code: str | None
    state: PartnerState
    resource_id: str | None
    registered_at: datetime
