"""Public reference endpoints: is the phone line open, and the municipalities (no login needed)."""

from __future__ import annotations

from fastapi import APIRouter
from tsunagu_contracts.municipalities import Municipality

from ..handlers import reference
from ..handlers.views import LineStatus
from .deps import Ctx

router = APIRouter(tags=["reference"])


@router.get("/phone/status")
def phone_status(ctx: Ctx) -> LineStatus:
    """Whether the phone line is open now and, if not, when it next opens (Asia/Tokyo)."""
    return reference.phone_line_status(ctx)


@router.get("/municipalities")
def municipalities(ctx: Ctx) -> list[Municipality]:
    """The 62 municipalities of Tokyo with their local government codes."""
    return reference.municipalities(ctx)
