"""The network with the 62 municipalities (地域連携ネットワーク): each municipality's network status
and the information-exchange meetings it holds with the Support Net. Plain Python, no I/O.

The contacts of a network status and the participants of a meeting are people (municipal staff):
their names stay in the partners service, never in events or logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from tsunagu_servicekit.errors import Rule

from . import rules


class SupportBase(StrEnum):
    """The hikikomori support base a municipality runs, if any: a regional support centre
    (ひきこもり地域支援センター), a support station (ひきこもりサポートステーション), or none."""

    REGIONAL_SUPPORT_CENTRE = "regional_support_centre"
    STATION = "station"
    NONE = "none"


class MeetingTopic(StrEnum):
    """What an information-exchange meeting dealt with (codes; each with a short text)."""

    CASE_COORDINATION = "case_coordination"
    LOCAL_RESOURCES = "local_resources"
    COUNCIL = "council"
    TRAINING = "training"
    AWARENESS = "awareness"
    SUBSIDY = "subsidy"
    OTHER = "other"


class ParticipantKind(StrEnum):
    """A meeting participant: a named person, or an organisation."""

    PERSON = "person"
    ORGANISATION = "organisation"


def meeting_refusal(
    held_on: date, due_dates: Iterable[date], done_dates: Iterable[date], today: date
) -> Rule | None:
    """A meeting has been held (not after ``today``, Tokyo); its follow-ups fall due and are done
    on or after the meeting."""
    if held_on > today:
        return rules.DATE_IN_FUTURE
    if any(due < held_on for due in due_dates):
        return rules.FOLLOW_UP_BEFORE_MEETING
    return follow_up_done_refusal(held_on, done_dates, today)


def follow_up_done_refusal(held_on: date, done_dates: Iterable[date], today: date) -> Rule | None:
    """A follow-up is done on or after its meeting, and not in the future."""
    for done in done_dates:
        if done < held_on:
            return rules.FOLLOW_UP_BEFORE_MEETING
        if done > today:
            return rules.DATE_IN_FUTURE
    return None
