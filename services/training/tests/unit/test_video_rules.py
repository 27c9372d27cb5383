"""Video progress and checks without I/O: the playhead, the credited intervals, plausibility, and
scoring a check."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_training.adapters.catalogue import catalogue_book
from tsunagu_training.domain.catalogue import CheckItem, Lesson, LessonKind
from tsunagu_training.domain.checks import answers_fit, correct_answers
from tsunagu_training.domain.completion import merge_intervals, watched_seconds
from tsunagu_training.domain.video import (
    LessonPlayer,
    Plausibility,
    Playhead,
    ReportEvent,
    advance,
    position_possible,
    share_percent,
)

T0 = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
START, POSITION, END = ReportEvent.START, ReportEvent.POSITION, ReportEvent.END
POLICY = Plausibility()  # 2×, 5 s


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(reports: list[tuple[ReportEvent, int, float]]) -> tuple[Playhead | None, list[tuple[int, int]], int]:
    """Apply reports (event, position, server seconds); the playhead, the credited intervals and
    how many were refused."""
    playhead: Playhead | None = None
    credited: list[tuple[int, int]] = []
    refused = 0
    for event, position, seconds in reports:
        step = advance(playhead, event, position, at(seconds), POLICY)
        if step is None:
            refused += 1
            continue
        playhead = step.playhead
        if step.watched is not None:
            credited.append(step.watched)
    return playhead, credited, refused


def test_playing_forward_credits_the_interval_between_reports() -> None:
    _, credited, refused = run([(START, 0, 0), (POSITION, 10, 10), (POSITION, 20, 20), (END, 30, 30)])
    assert (credited, refused) == ([(0, 10), (10, 20), (20, 30)], 0)
    assert watched_seconds(credited, 30) == 30


def test_start_credits_nothing_and_a_seek_backwards_starts_a_new_interval() -> None:
    _, credited, refused = run(
        [
            (START, 0, 0),
            (POSITION, 20, 20),
            (POSITION, 5, 25),  # sought back to 5: nothing credited for this step
            (POSITION, 15, 35),
            (START, 100, 36),  # sought forward: the jump itself is not watching
            (POSITION, 110, 46),
        ]
    )
    assert refused == 0
    assert credited == [(0, 20), (5, 15), (100, 110)]
    assert merge_intervals(credited) == [(0, 20), (100, 110)]


def test_a_jump_faster_than_twice_the_time_is_refused_and_changes_nothing() -> None:
    playhead, credited, refused = run([(START, 0, 0), (POSITION, 3600, 3)])
    assert refused == 1
    assert credited == []
    assert playhead == Playhead(0, at(0), POLICY.tolerance_ms)
    # 2× plus the tolerance is the limit, exactly.
    assert run([(START, 0, 0), (POSITION, 25, 10)])[2] == 0
    assert run([(START, 0, 0), (POSITION, 26, 10)])[2] == 1


def test_the_tolerance_is_one_allowance_not_a_gift_per_report() -> None:
    # Reports with no time between them: the tolerance is spent once.
    _, credited, refused = run([(START, 0, 0), (POSITION, 5, 0), (POSITION, 6, 0)])
    assert (credited, refused) == ([(0, 5)], 1)
    # Time passing refills it (2 video seconds per second), up to the tolerance again.
    _, credited, refused = run([(START, 0, 0), (POSITION, 5, 0), (POSITION, 7, 1), (POSITION, 12, 1)])
    assert (credited, refused) == ([(0, 5), (5, 7)], 1)


def test_a_clock_that_went_backwards_counts_as_no_time() -> None:
    _, credited, refused = run([(START, 0, 100), (POSITION, 5, 50), (POSITION, 30, 60)])
    assert (credited, refused) == ([(0, 5)], 1)


def test_positions_and_shares() -> None:
    assert position_possible(0, 600)
    assert position_possible(605, 600)
    assert not position_possible(606, 600)
    assert (share_percent(539, 600), share_percent(540, 600), share_percent(700, 600)) == (89, 90, 100)
    with pytest.raises(ValueError):
        advance(None, START, -1, T0)
    with pytest.raises(ValueError):
        Plausibility(rate=0)
    player = LessonPlayer(video_base_url="https://media.example/training/")
    assert player.video_url("R7", "sup-01", "video") == "https://media.example/training/R7/sup-01/video.webm"


reports = st.lists(
    st.tuples(
        st.sampled_from(list(ReportEvent)),
        st.integers(0, 4000),
        st.floats(0, 120, allow_nan=False),  # seconds since the previous report arrived
    ),
    max_size=40,
)


@given(reports)
def test_no_sequence_of_reports_credits_more_than_twice_the_time_plus_the_tolerance(
    sequence: list[tuple[ReportEvent, int, float]],
) -> None:
    playhead: Playhead | None = None
    first: datetime | None = None
    now = T0
    credited = 0
    for event, position, gap in sequence:
        now += timedelta(seconds=gap)
        step = advance(playhead, event, position, now, POLICY)
        if step is None:
            continue
        first = first or now
        playhead = step.playhead
        if step.watched is not None:
            credited += step.watched[1] - step.watched[0]
    if first is None:
        return
    assert playhead is not None
    wall = (playhead.at - first) / timedelta(seconds=1)
    assert credited <= POLICY.rate * wall + POLICY.tolerance_seconds


@given(
    rate=st.sampled_from([0.5, 1.0, 1.25, 1.5, 2.0]),
    gaps=st.lists(st.floats(0.05, 30, allow_nan=False), min_size=1, max_size=60),
)
def test_honest_playback_at_any_offered_speed_is_never_refused_and_is_credited(
    rate: float, gaps: list[float]
) -> None:
    """A player reporting the whole seconds it has reached, at any moments, at a speed up to 2×."""
    playhead = advance(None, START, 0, T0, POLICY)
    assert playhead is not None
    head = playhead.playhead
    elapsed = 0.0
    credited: list[tuple[int, int]] = []
    for gap in gaps:
        elapsed += gap
        step = advance(head, POSITION, int(elapsed * rate), at(elapsed), POLICY)
        assert step is not None
        head = step.playhead
        if step.watched is not None:
            credited.append(step.watched)
    assert watched_seconds(credited, 10**6) == int(elapsed * rate)


CHECK = Lesson(
    "check",
    "確認テスト",
    LessonKind.CHECK,
    questions=2,
    pass_mark=1,
    items=(CheckItem("一", ("a", "b"), 1), CheckItem("二", ("a", "b", "c"), 2)),
)


def test_answers_fit_the_check_and_are_scored() -> None:
    assert answers_fit(CHECK, [1, 2])
    assert not answers_fit(CHECK, [1])
    assert not answers_fit(CHECK, [1, 2, 0])
    assert not answers_fit(CHECK, [2, 0])  # the first question has two choices
    assert (
        correct_answers(CHECK, [1, 2]),
        correct_answers(CHECK, [0, 2]),
        correct_answers(CHECK, [0, 0]),
    ) == (
        2,
        1,
        0,
    )
    with pytest.raises(ValueError):
        correct_answers(CHECK, [5, 5])


def test_a_check_has_one_item_per_question_each_with_an_answer_among_its_choices() -> None:
    with pytest.raises(ValueError):
        Lesson("check", "c", LessonKind.CHECK, questions=2, pass_mark=1, items=CHECK.items[:1])
    with pytest.raises(ValueError):
        CheckItem("q", ("a", "b"), 2)
    with pytest.raises(ValueError):
        CheckItem("q", ("a",), 0)
    with pytest.raises(ValueError):
        Lesson("v", "v", LessonKind.VIDEO, duration_seconds=60, watched_percent=90, items=CHECK.items)


def test_the_shipped_checks_have_their_questions() -> None:
    catalogue = catalogue_book().in_force(2025)
    assert catalogue is not None
    for code in ("sup-01", "org-01"):
        check = catalogue.courses[code].lesson("check")
        assert check is not None
        assert len(check.items) == check.questions
        assert all(item.text.endswith("。") and len(item.choices) >= 4 for item in check.items)


def test_the_catalogue_file_refuses_a_check_without_its_questions(tmp_path: Path) -> None:
    lesson = {"code": "check", "title": "c", "kind": "check", "questions": 1, "pass_mark": 1}
    course = {
        "code": "x-01",
        "audience": "supporters",
        "number": 1,
        "title": "t",
        "mode": "video",
        "lessons": [lesson],
    }
    path = tmp_path / "catalogue.json"
    path.write_text(
        json.dumps({"versions": [{"version": "T", "effective_from": 2025, "courses": [course]}]}),
        encoding="utf-8",
    )
    with pytest.raises(ValueError):
        catalogue_book(path)
    lesson["items"] = [{"text": "q", "choices": ["a", "b"], "answer": 1}]
    path.write_text(
        json.dumps({"versions": [{"version": "T", "effective_from": 2025, "courses": [course]}]}),
        encoding="utf-8",
    )
    found = catalogue_book(path).in_force(2025)
    assert found is not None
    assert found.courses["x-01"].lessons[0].items == (CheckItem("q", ("a", "b"), 1),)
