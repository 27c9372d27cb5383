"""Request bodies of the partners service's commands.

Unknown fields are refused; validation errors name the field and the rule, never the value.
Municipality codes are the 62 of the reference data (``TokyoCode``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from tsunagu_contracts import ID_PATTERN
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.wire import IsoDate, JsonInt

from ..domain.directory import PrintItem

Uuid = Annotated[str, Field(pattern=ID_PATTERN)]
OrganisationName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RegisterPartner(BaseModel):
    """Register an organisation as a candidate partner (recruited, or found some other way)."""

    model_config = ConfigDict(extra="forbid")

    name: OrganisationName = Field(description="The organisation's name, as it is registered")
    municipality_code: TokyoCode | None = Field(
        default=None, description="Where the organisation has its seat"
    )


class RecordDistribution(BaseModel):
    """Copies of an edition's leaflet or memo handed out. The recipient is an organisation or a
    place (a ward office, a station rack), not a person."""

    model_config = ConfigDict(extra="forbid")

    item: PrintItem
    municipality_code: TokyoCode | None = Field(
        default=None, description="The leaflet's municipality; none for the all-Tokyo leaflet and the memo"
    )
    recipient: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    copies: JsonInt = Field(ge=1, le=1_000_000)
    distributed_on: IsoDate
