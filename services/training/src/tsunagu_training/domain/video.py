"""Video progress as plain rules: how a report from the lesson page moves the playhead, which
seconds it credits as watched, and when it claims more than the clock allows.

The page reports ``start`` (playback begins here: nothing watched yet), ``position`` (playback has
reached here) and ``end`` (the video ended here). A forward move from the previous report's position
credits that interval; a move backwards is a seek and starts a new interval from there, crediting
nothing. Times are the server's: what a client says about its own clock counts for nothing.

Plausibility (ADR 0013): between two reports the playhead can move at most ``rate`` times the
server time that passed (2×, the player's fastest speed), plus a tolerance for reports that arrive
late or early. The tolerance is a single allowance, not a gift per report: what a step uses of it
is refilled only by time passing, so any sequence of accepted reports credits at most
``rate × (time between the first and the last) + tolerance`` seconds of video, however many
reports it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

FASTEST_RATE = 2
"""The fastest playback speed the lesson page offers."""
TOLERANCE_SECONDS = 5
POSITION_SLACK_SECONDS = 5
"""How far past the catalogue's length a position may be (a file a little longer than announced)."""

_MS = timedelta(milliseconds=1)


class ReportEvent(StrEnum):
    START = "start"
    POSITION = "position"
    END = "end"


@dataclass(frozen=True, slots=True)
class Plausibility:
    """How fast the playhead may move: ``rate`` video seconds per second, plus ``tolerance_seconds``
    that reports arriving unevenly may borrow."""

    rate: int = FASTEST_RATE
    tolerance_seconds: int = TOLERANCE_SECONDS

    def __post_init__(self) -> None:
        if self.rate < 1 or self.tolerance_seconds < 0:
            raise ValueError("a playback rate of at least 1 and a tolerance of at least 0")

    @property
    def tolerance_ms(self) -> int:
        return self.tolerance_seconds * 1000


@dataclass(frozen=True, slots=True)
class Playhead:
    """Where the previous accepted report left the player, when the server received it, and how
    much of the tolerance (in milliseconds of video) is unspent."""

    position: int
    at: datetime
    slack_ms: int


@dataclass(frozen=True, slots=True)
class Step:
    """An accepted report: the playhead after it and the interval it credits as watched, if any."""

    playhead: Playhead
    watched: tuple[int, int] | None


def first_playhead(position: int, at: datetime, policy: Plausibility) -> Playhead:
    return Playhead(position=position, at=at, slack_ms=policy.tolerance_ms)


def advance(
    previous: Playhead | None,
    event: ReportEvent,
    position: int,
    at: datetime,
    policy: Plausibility = Plausibility(),
) -> Step | None:
    """The report's effect on the playhead, or None when it is implausible (it then changes nothing).

    ``start`` and a move backwards credit nothing; ``position`` and ``end`` credit the forward move
    from the previous report. A server clock that went backwards counts as no time passing.
    """
    if position < 0:
        raise ValueError("a position is a number of seconds from the video's start")
    if previous is None:
        return Step(first_playhead(position, at, policy), None)
    elapsed_ms = max((at - previous.at) // _MS, 0)
    available_ms = previous.slack_ms + policy.rate * elapsed_ms
    if event is ReportEvent.START or position <= previous.position:
        return Step(Playhead(position, at, min(policy.tolerance_ms, available_ms)), None)
    moved_ms = (position - previous.position) * 1000
    if moved_ms > available_ms:
        return None
    playhead = Playhead(position, at, min(policy.tolerance_ms, available_ms - moved_ms))
    return Step(playhead, (previous.position, position))


def position_possible(position: int, duration_seconds: int) -> bool:
    """Whether a reported position can be a place in a video of that length."""
    return 0 <= position <= duration_seconds + POSITION_SLACK_SECONDS


def share_percent(watched: int, duration_seconds: int) -> int:
    """The watched share in whole percent, rounded down (90% is shown only when it is met)."""
    return min(100, watched * 100 // duration_seconds) if duration_seconds > 0 else 0


@dataclass(frozen=True, slots=True)
class LessonPlayer:
    """How the lesson page plays and reports: where the videos are, how often the page reports the
    position while playing, and how fast a report may say the playhead moved."""

    video_base_url: str = "/media/training"
    report_every_seconds: int = 10
    plausibility: Plausibility = Plausibility()

    def video_url(self, catalogue_version: str, course_code: str, lesson_code: str) -> str:
        return f"{self.video_base_url.rstrip('/')}/{catalogue_version}/{course_code}/{lesson_code}.webm"

    def captions_url(self, catalogue_version: str, course_code: str, lesson_code: str) -> str:
        return f"{self.video_base_url.rstrip('/')}/{catalogue_version}/{course_code}/{lesson_code}.ja.vtt"
