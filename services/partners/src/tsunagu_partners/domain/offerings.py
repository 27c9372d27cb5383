"""What a partner offers: kinds of support, whom, where, at what fee, in which languages, how
accessible, and for a place to belong (居場所) its capacity and the places available now."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from tsunagu_contracts.events.partners import SupportKind
from tsunagu_servicekit.errors import refuse

from . import rules


class AccessibilityCode(StrEnum):
    """How a partner can be reached and used by people with different needs."""

    STEP_FREE = "step_free"
    WHEELCHAIR_TOILET = "wheelchair_toilet"
    HEARING_LOOP = "hearing_loop"
    SIGN_LANGUAGE = "sign_language"
    WRITTEN_CONVERSATION = "written_conversation"
    EASY_JAPANESE = "easy_japanese"
    ONLINE = "online"
    QUIET_ROOM = "quiet_room"
    HOME_VISITS = "home_visits"


T = TypeVar("T")


def distinct(values: Iterable[T]) -> list[T]:
    """The values in their first order, each once: a list sent with a repeat means the same."""
    return list(dict.fromkeys(values))


def check_capacity(support_kinds: Iterable[SupportKind], capacity: int | None) -> None:
    """A place to belong states its capacity; an offering without one states none."""
    runs_place = SupportKind.PLACE_TO_BELONG in set(support_kinds)
    if runs_place != (capacity is not None):
        refuse(rules.CAPACITY_WITHOUT_PLACE_TO_BELONG)


def check_places(capacity: int | None, places_available: int) -> None:
    """The live count of places is only kept for a place to belong, and never exceeds its capacity."""
    if capacity is None:
        refuse(rules.OFFERING_WITHOUT_PLACES)
    if places_available > capacity:
        refuse(rules.PLACES_EXCEED_CAPACITY)
