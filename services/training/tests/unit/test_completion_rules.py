"""Completion rules without I/O: watched shares, checks, attendance, programmes, validity."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_contracts.events.training import Audience, Permission
from tsunagu_training.adapters.catalogue import catalogue_book
from tsunagu_training.domain.catalogue import Course, Lesson, LessonKind, Mode
from tsunagu_training.domain.completion import (
    add_months,
    check_passed,
    course_complete,
    merge_intervals,
    programme_complete,
    valid_until,
    video_watched,
    watched_seconds,
)

CATALOGUE = catalogue_book().in_force(2025)
assert CATALOGUE is not None
VIDEO = Lesson("video", "v", LessonKind.VIDEO, duration_seconds=600, watched_percent=90)


def test_the_shipped_catalogue_follows_the_programme() -> None:
    by_audience: dict[Audience, list[int]] = {}
    for course in CATALOGUE.courses.values():
        by_audience.setdefault(course.audience, []).append(course.number)
    assert {a: sorted(n) for a, n in by_audience.items()} == {
        Audience.SUPPORTERS: [1, 2, 3, 4, 5, 6, 7],
        Audience.IMPLEMENTING_ORGANISATIONS: [1],
        Audience.RELATED_AGENCIES: [1],
        Audience.WELFARE_COMMISSIONERS: [1, 2, 3, 4],
    }
    assert CATALOGUE.courses["sup-02"].permissions == (Permission.HOME_VISIT,)
    assert CATALOGUE.courses["org-01"].permissions == (Permission.PARTNER_GUIDELINE,)
    assert [CATALOGUE.courses[c].mode for c in CATALOGUE.programmes["wc-programme"].courses] == [
        Mode.VIDEO,
        Mode.VIDEO,
        Mode.VIDEO,
        Mode.IN_PERSON,
    ]


def test_watching_counts_each_second_once_and_within_the_video() -> None:
    assert merge_intervals([(0, 10), (5, 20), (30, 40), (20, 25)]) == [(0, 25), (30, 40)]
    assert watched_seconds([(0, 300), (100, 400), (590, 700)], 600) == 410
    assert not video_watched(VIDEO, [(0, 539)])
    assert video_watched(VIDEO, [(0, 300), (300, 540)])  # 90% of 600 exactly


@given(st.lists(st.tuples(st.integers(0, 700), st.integers(0, 700)), max_size=20))
def test_watched_seconds_never_exceed_the_video_or_the_sum_of_the_intervals(
    intervals: list[tuple[int, int]],
) -> None:
    seen = watched_seconds(intervals, 600)
    assert 0 <= seen <= 600
    assert seen <= sum(max(e - s, 0) for s, e in intervals)


def test_a_course_is_complete_as_its_mode_allows() -> None:
    both = Course("c", Audience.SUPPORTERS, 1, "t", Mode.BOTH, lessons=(VIDEO,))
    assert course_complete(both, ["video"], attended=False)
    assert course_complete(both, [], attended=True)
    assert not course_complete(both, [], attended=False)
    in_person = CATALOGUE.courses["sup-02"]
    assert not course_complete(in_person, [], attended=False)
    assert course_complete(in_person, [], attended=True)
    video_only = CATALOGUE.courses["wc-01"]
    assert not course_complete(video_only, [], attended=True)  # a video course is not attended
    checked = CATALOGUE.courses["org-01"]
    assert not course_complete(checked, ["video"], attended=False)  # the check too
    check = checked.lesson("check")
    assert check is not None
    assert (check_passed(check, 7), check_passed(check, 8)) == (False, True)


def test_the_welfare_commissioners_programme_needs_the_three_videos_and_the_session() -> None:
    programme = CATALOGUE.programmes["wc-programme"]
    assert not programme_complete(programme, ["wc-01", "wc-02", "wc-03"])
    assert programme_complete(programme, ["wc-04", "wc-01", "wc-03", "wc-02"])


def test_validity_ends_the_day_before_the_anniversary() -> None:
    assert valid_until(date(2025, 6, 1), 36) == date(2028, 5, 31)
    assert valid_until(date(2024, 2, 29), 12) == date(2025, 2, 27)  # 2025-02-28 is the anniversary
    assert valid_until(date(2025, 6, 1), None) is None
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


def test_bad_lessons_are_refused() -> None:
    with pytest.raises(ValueError):
        Lesson("v", "v", LessonKind.VIDEO, duration_seconds=0, watched_percent=90)
    with pytest.raises(ValueError):
        Lesson("c", "c", LessonKind.CHECK, questions=3, pass_mark=4)
