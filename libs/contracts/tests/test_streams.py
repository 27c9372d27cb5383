"""JetStream stream definitions: one stream per producer, and the dead-letter stream."""

from __future__ import annotations

from tsunagu_contracts import DLQ_STREAM, PRODUCERS, REGISTRY, STREAMS, dlq_subject, stream_for_subject
from tsunagu_contracts.streams import stream_name


def test_every_producer_has_its_stream():
    by_name = {s.name: s for s in STREAMS}
    for producer in PRODUCERS:
        stream = by_name[f"TSUNAGU_{producer.upper()}"]
        assert stream.subjects == (f"tsunagu.{producer}.>",)
        assert stream_name(producer) == stream.name


def test_the_architecture_producers():
    assert set(PRODUCERS) == {"intake", "scheduling", "partners", "subsidy", "training"}


def test_dead_letter_stream():
    assert DLQ_STREAM in STREAMS
    assert DLQ_STREAM.name == "TSUNAGU_DLQ"
    assert DLQ_STREAM.subjects == ("tsunagu.dlq.>",)
    subject = dlq_subject("scheduling-intake-case-escalated-v1")
    assert subject == "tsunagu.dlq.scheduling-intake-case-escalated-v1"
    assert stream_for_subject(subject) is DLQ_STREAM


def test_stream_names_and_subjects_are_unique():
    assert len({s.name for s in STREAMS}) == len(STREAMS)
    subjects = [subject for s in STREAMS for subject in s.subjects]
    assert len(set(subjects)) == len(subjects)


def test_stream_for_subject():
    assert stream_for_subject("tsunagu.intake.case.escalated.v1").name == "TSUNAGU_INTAKE"
    assert stream_for_subject("tsunagu.subsidy.application.approved.v1").name == "TSUNAGU_SUBSIDY"
    assert stream_for_subject("tsunagu.intake") is None  # ">" needs at least one more token
    assert stream_for_subject("tsunagu.intakes.case.opened.v1") is None
    assert stream_for_subject("other.intake.case.opened.v1") is None


def test_limits():
    for stream in STREAMS:
        # A fiscal year can be replayed (0: kept until an operator removes it).
        assert stream.max_age_seconds == 0 or stream.max_age_seconds >= 365 * 24 * 60 * 60
        assert stream.duplicate_window_seconds > 0
        assert stream.max_bytes >= 1024**3
        assert stream.replicas >= 1


def test_no_stream_evicts_silently():
    # At its size limit a stream refuses new messages rather than deleting unconsumed ones.
    assert {s.discard for s in STREAMS} == {"new"}
    # A dead letter never expires: only an operator removes it.
    assert DLQ_STREAM.max_age_seconds == 0


def test_every_registered_event_lands_in_its_producers_stream():
    for cls in REGISTRY:
        et = cls.event_type
        stream = stream_for_subject(et.name)
        assert stream is not None, et.name
        assert stream.name == et.stream
