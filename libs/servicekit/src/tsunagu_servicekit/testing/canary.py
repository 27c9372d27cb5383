"""Canary tests: personal data put into a service never comes out where it must not.

A canary test writes unique marker strings into every personal field a service holds, in
half-width and full-width spellings, runs the service as its own process (as in production) and
captures whatever it emits — every NATS message on ``>`` with its subject and headers, every log
line at DEBUG (stdout and stderr), every span (its traces file), every HTTP error body — then
searches all of it for the markers. The pieces:

:class:`Markers`
    The marker strings of a test (``CNRY007NMカナリア山田`` in full width, ``CNRY006NMｶﾅﾘｱ山田``
    in half width) and the search for them (:meth:`Markers.find`).
:func:`fold`
    What the search reads: HTML character references, percent-encoding and JSON ``\\uXXXX`` escapes
    undone, then NFKC, so a marker is found in whatever spelling or escaping it left in.
:class:`CapturedService`
    A service process (``python -m tsunagu_<name>``) with its settings in the environment, its
    stdout, stderr and traces file kept.
:class:`RecordingClient`
    An HTTP client that checks each status and keeps every error body (with its headers).
:func:`captured_service`
    The three together with a :class:`~tsunagu_servicekit.testing.BusRecorder` on ``>``::

        markers = Markers({"name": "NM", "notes": "NT"})
        async with captured_service("intake", nats_url, database_url, tmp_path, settings) as run:
            await run.http.call("POST", "/consultations", 201, json={"notes": markers(1, "notes")})
        assert_no_leaks(markers, run.channels())

Only the test process reads the captures; nothing here changes how the service runs beyond its
settings (``LOG_LEVEL=DEBUG``, a traces file, the test's ports and directories).
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import signal
import subprocess
import sys
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from ..natsserver import free_port
from .recorder import BusRecorder, RecordedMessage
from .waiting import wait_for

Width = Literal["half", "full"]

_FULL_WIDTH_ASCII = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})


def _half_width_katakana() -> dict[str, str]:
    # Every full-width katakana with a half-width spelling: the half-width block (U+FF61–FF9F)
    # alone and followed by the voicing marks, read back through NFKC.
    singles = [chr(c) for c in range(0xFF61, 0xFFA0)]
    table: dict[str, str] = {}
    for spelling in [*singles, *(s + mark for s in singles for mark in ("\uff9e", "\uff9f"))]:
        full = unicodedata.normalize("NFKC", spelling)
        if len(full) == 1 and full not in table:
            table[full] = spelling
    return table


_HALF_WIDTH_KATAKANA = _half_width_katakana()
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def full_width(text: str) -> str:
    """``text`` with its printable ASCII (and spaces) in full-width form: ``AB1`` -> ``ＡＢ１``."""
    return text.translate(_FULL_WIDTH_ASCII)


def half_width(text: str) -> str:
    """``text`` with full-width ASCII and katakana in half-width form: ``ＡカナリアＢ`` -> ``AｶﾅﾘｱB``;
    characters with no half-width form (kanji, hiragana) are kept."""
    return "".join(_HALF_WIDTH_KATAKANA.get(ch, ch) for ch in unicodedata.normalize("NFKC", text))


def fold(text: str) -> str:
    """Captured text as the search reads it: HTML character references, percent-encoding and JSON
    ``\\uXXXX`` escapes undone, then NFKC (so full-width and half-width forms meet)."""
    text = html.unescape(text)
    text = urllib.parse.unquote(text, errors="replace")
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class Markers:
    """The marker strings of a canary test, one per item (``i``) and field, and the search for them.

    A marker is ``<prefix><i, three digits><field code><word><surname>``. Even items are spelt in
    half width (``CNRY006NMｶﾅﾘｱ山田``), odd items in full width (``ＣＮＲＹ００７ＮＭカナリア山田``).
    The search (:meth:`find`) folds the text first, so it finds either spelling, escaped or not,
    and reports the ASCII core of each marker found (``CNRY007NM``), or the bare ``word`` where a
    marker was cut short. Two sets with different prefixes and words are told apart: a test may
    allow one (an organisation's public name on a public page) where it refuses the other.
    """

    fields: Mapping[str, str]
    """Field name -> its two-letter code (capital ASCII letters, unique)."""
    prefix: str = "CNRY"
    """Capital ASCII letters that start every marker."""
    word: str = "カナリア"
    """Full-width katakana after the code, so the search also sees a marker that lost its core."""
    surname: str = "山田"
    """What makes a marker look like a person's name where a name is expected."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{2,8}", self.prefix):
            raise ValueError("the prefix is two to eight capital ASCII letters")
        codes = list(self.fields.values())
        if any(not re.fullmatch(r"[A-Z]{2}", code) for code in codes) or len(set(codes)) != len(codes):
            raise ValueError("field codes are two capital ASCII letters, one per field")
        if not self.word or half_width(self.word) == self.word:
            raise ValueError("the word is full-width katakana (it has a half-width spelling)")

    def core(self, i: int, field: str) -> str:
        """The ASCII core of the marker of item ``i``'s ``field``: ``CNRY007NM``."""
        if not 0 <= i <= 999:
            raise ValueError("items are numbered 0 to 999")
        return f"{self.prefix}{i:03d}{self.fields[field]}"

    def __call__(self, i: int, field: str, width: Width | None = None) -> str:
        """The marker of item ``i``'s ``field``, in ``width`` (by default half for even ``i``, full
        for odd)."""
        chosen = width or ("half" if i % 2 == 0 else "full")
        core = self.core(i, field)
        if chosen == "half":
            return f"{core}{half_width(self.word)}{self.surname}"
        return f"{full_width(core)}{self.word}{self.surname}"

    def ascii(self, i: int, field: str) -> str:
        """The core alone, in lower case: for a field that takes ASCII only (an e-mail address's
        local part). The search finds it too."""
        return self.core(i, field).lower()

    @property
    def pattern(self) -> re.Pattern[str]:
        """What :meth:`find` looks for in folded text (case-insensitive)."""
        return re.compile(rf"{re.escape(self.prefix)}[0-9]{{3}}[A-Z]{{2}}", flags=re.IGNORECASE)

    def find(self, text: str) -> list[str]:
        """The markers in ``text`` (folded first), upper-cased and sorted, with ``word`` when it
        occurs at all; ``[]`` when there is none."""
        folded = fold(text)
        hits = {hit.upper() for hit in self.pattern.findall(folded)}
        if unicodedata.normalize("NFKC", self.word) in folded:
            hits.add(self.word)
        return sorted(hits)


def leaks(markers: Markers, channels: Mapping[str, str]) -> dict[str, list[str]]:
    """Per channel (``"bus"``, ``"service log"``…), the markers found in its text; channels with
    none are left out."""
    found = {name: markers.find(text) for name, text in channels.items()}
    return {name: hits for name, hits in found.items() if hits}


def assert_no_leaks(markers: Markers, channels: Mapping[str, str]) -> None:
    """Fail naming each channel that holds a marker, and which (never the text around it)."""
    found = leaks(markers, channels)
    assert not found, f"personal data where it must not be: {found}"


def bus_text(messages: Iterable[RecordedMessage], *, except_payloads: Collection[bytes] = ()) -> str:
    """Everything ``messages`` carried as text, as :meth:`BusRecorder.all_text` gives it, but the
    payloads in ``except_payloads`` (what the test itself published, and the dead letters that keep
    those bytes untouched by design) are left out. Subjects and headers are always kept."""
    parts: list[str] = []
    for m in messages:
        parts.append(m.subject)
        if m.reply:
            parts.append(m.reply)
        parts.extend(f"{key}: {value}" for key, value in m.headers.items())
        if m.data in except_payloads:
            continue
        parts.append(m.text())
        try:
            parts.append(json.dumps(json.loads(m.data), ensure_ascii=False))
        except (ValueError, RecursionError):
            pass
    return "\n".join(parts)


class RecordingClient:
    """An HTTP client whose every call checks its status and keeps every error body, with the
    response's headers, for the search (:attr:`error_bodies`)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.error_bodies: list[str] = []
        self.statuses: Counter[int] = Counter()

    def keep(self, response: httpx.Response) -> httpx.Response:
        """Count ``response``'s status and keep its body when it is an error; returns it."""
        self.statuses[response.status_code] += 1
        if response.status_code >= 400:
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
            self.error_bodies.append(f"{response.text}\n{headers}")
        return response

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request whose status is not checked (polling), kept all the same."""
        return self.keep(await self.client.request(method, path, **kwargs))

    async def call(self, method: str, path: str, expect: int, **kwargs: Any) -> httpx.Response:
        """A request that must answer ``expect``; the assertion names the status and the body."""
        response = await self.request(method, path, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response


@dataclass
class CapturedService:
    """A service as its own process, ``python -m tsunagu_<name>``, as in production, with what it
    writes kept: stdout and stderr in files, its spans in a traces file, at log level DEBUG.

    ``settings`` are the service's settings without their ``TSUNAGU_<NAME>_`` prefix; the test's
    own (``ENVIRONMENT=test``, ports, directories, the traces file, ``LOG_LEVEL=DEBUG``) come first
    and ``settings`` override them. Variables of the service already in the environment are dropped,
    so the developer's shell does not change the run.
    """

    name: str
    workdir: Path
    settings: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    returncode: int | None = field(default=None, init=False)
    """The exit code once :meth:`stop` returned."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stdout_file(self) -> Path:
        return self.workdir / f"{self.name}.out"

    @property
    def stderr_file(self) -> Path:
        return self.workdir / f"{self.name}.err"

    @property
    def traces_file(self) -> Path:
        return self.workdir / f"{self.name}-spans.jsonl"

    def environment(self) -> dict[str, str]:
        """The process's environment: the test's, less the service's own variables, plus its settings."""
        prefix = f"TSUNAGU_{self.name.upper()}_"
        values = {
            "ENVIRONMENT": "test",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.port),
            "DATA_DIR": str(self.workdir / f"{self.name}-data"),
            "TRACES_FILE": str(self.traces_file),
            "LOG_LEVEL": "DEBUG",
            **self.settings,
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
        env.update({prefix + k: v for k, v in values.items()})
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def spawn(self) -> None:
        """Start the process (:meth:`wait_ready` tells when it serves)."""
        if self.process is not None:
            raise RuntimeError(f"{self.name} runs already")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.stdout_file.open("ab") as stdout, self.stderr_file.open("ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"tsunagu_{self.name}"],
                env=self.environment(),
                stdout=stdout,
                stderr=stderr,
            )

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Until ``/readyz`` answers 200; fails at once, with the log's tail, if the process ends."""
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as client:

            async def ready() -> bool:
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited before it was ready:\n{self.tail()}")
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(ready, timeout=timeout, interval=0.1, message=f"{self.name} ready")

    async def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then wait for a clean exit (SIGKILL after ``timeout``); the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait, timeout)
        self.returncode = process.returncode
        return process.returncode

    def logs(self) -> str:
        """Everything the process wrote to stdout and stderr (invalid UTF-8 replaced)."""
        files = (self.stdout_file, self.stderr_file)
        return "".join(p.read_text(encoding="utf-8", errors="replace") for p in files if p.exists())

    def spans(self) -> str:
        """The traces file as written (JSON lines), empty when there is none."""
        return self.traces_file.read_text(encoding="utf-8") if self.traces_file.exists() else ""

    def span_names(self) -> list[str]:
        return [json.loads(line)["name"] for line in self.spans().splitlines() if line.strip()]

    def tail(self, chars: int = 3000) -> str:
        return self.logs()[-chars:]


@dataclass
class CanaryRun:
    """What a canary run captured: the bus, the service process, the HTTP side."""

    bus: BusRecorder
    service: CapturedService
    http: RecordingClient

    def channels(self, *, except_payloads: Collection[bytes] = ()) -> dict[str, str]:
        """The text of each channel to search: ``error bodies``, ``bus`` (see :func:`bus_text`),
        ``service log``, ``spans``. Read after the run (the process stopped, the bus flushed)."""
        return {
            "error bodies": "\n".join(self.http.error_bodies),
            "bus": bus_text(self.bus.messages, except_payloads=except_payloads),
            "service log": self.service.logs(),
            "spans": self.service.spans(),
        }


@asynccontextmanager
async def captured_service(
    name: str,
    nats_url: str,
    database_url: str,
    workdir: Path,
    settings: Mapping[str, str] | None = None,
    *,
    ready_timeout: float = 30.0,
    http_timeout: float = 30.0,
) -> AsyncIterator[CanaryRun]:
    """The service ``name`` as a process on ``nats_url`` and ``database_url``, ready, with a recorder
    on ``>`` registered before it starts and a :class:`RecordingClient` on its HTTP port. On the way
    out the process is stopped (SIGTERM) and the bus flushed, so :meth:`CanaryRun.channels` holds
    the whole run."""
    service = CapturedService(
        name, workdir, {"NATS_URL": nats_url, "DATABASE_URL": database_url, **(settings or {})}
    )
    async with BusRecorder(nats_url, name=f"tsunagu-canary-{name}") as bus:
        try:
            service.spawn()
            await service.wait_ready(ready_timeout)
            async with httpx.AsyncClient(base_url=service.base_url, timeout=http_timeout) as client:
                yield CanaryRun(bus, service, RecordingClient(client))
        finally:
            await service.stop()
            await bus.flush()
