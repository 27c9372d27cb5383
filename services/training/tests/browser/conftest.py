"""The browser tests' service: a catalogue with one six-second video, the page reporting every
second, the videos on a media host the test serves itself, and a clock that moves with real time
(the service judges playback by its own clock, and the browser plays in real time)."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from tsunagu_servicekit.testing import SettableClock
from tsunagu_servicekit.testing.plugin import ServiceFactory
from tsunagu_training.testing import service_without_broker

CATALOGUE = Path(__file__).with_name("short_catalogue.json")
MEDIA = "https://media.test/training"


class RunningClock(SettableClock):
    """A settable clock that also moves forward with the wall clock."""

    def __init__(self, now: datetime) -> None:
        super().__init__(now)
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self._started)


@pytest.fixture
def clock(clock_start: datetime) -> RunningClock:
    return RunningClock(clock_start)


@pytest.fixture
def service_under_test() -> ServiceFactory:
    return partial(
        service_without_broker, catalogue_file=CATALOGUE, video_base_url=MEDIA, progress_report_seconds=1
    )


def silent_clip(seconds: int = 6, fps: int = 10) -> bytes:
    """A silent WebM (VP8) of ``seconds``, made here rather than downloaded: grey frames that
    brighten as it plays."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for n in range(seconds * fps):
            frame = av.VideoFrame(320, 180, "yuv420p")
            luma = 40 + n * 160 // (seconds * fps)
            for plane, value in zip(frame.planes, (luma, 128, 128), strict=True):
                plane.update(bytes([value]) * plane.buffer_size)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def clip() -> bytes:
    return silent_clip()
