"""Pages of a service in a real browser, for tests: Debian's Chromium driven by Playwright, with
every request answered in-process by the service's own app, and an accessibility check.

The service's app is served on a loopback port for the browser; every other request is aborted,
so a page that needs anything from outside fails its test rather than quietly fetching it.

Where no browser can be had, :func:`chromium_executable` fails the test loudly under CI
(``CI`` set) and skips it, with the same message, elsewhere. Needs ``playwright`` and
``axe-playwright-python`` (for its copy of axe-core) in the test environment.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest

__all__ = [
    "CHROMIUM_FLAGS",
    "AxeViolation",
    "axe_violations",
    "browser_at",
    "browser_page",
    "chromium_executable",
]

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")
"""How Chromium runs here: headless, without the sandbox a container cannot give it, no GPU and
none of its own network traffic."""

_CANDIDATES = ("chromium", "chromium-browser")
_AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def chromium_executable() -> str:
    """The Chromium binary: ``TSUNAGU_CHROMIUM`` if set, else Debian's ``chromium`` on the PATH."""
    configured = os.environ.get("TSUNAGU_CHROMIUM")
    found = configured if configured and Path(configured).exists() else None
    for name in _CANDIDATES:
        found = found or shutil.which(name)
    if found:
        return found
    message = (
        "NO BROWSER: Chromium was not found (set TSUNAGU_CHROMIUM, or install Debian's chromium "
        "package: apt-get install chromium). Browser tests cannot run."
    )
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _fontconfig(font_dirs: Sequence[str], workdir: Path) -> dict[str, str | float | bool]:
    """The environment that makes Chromium find ``font_dirs`` besides the system's fonts."""
    dirs = "".join(f"<dir>{escape(d)}</dir>" for d in font_dirs)
    config = workdir / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>{dirs}'
        f"<cachedir>{escape(str(workdir / 'cache'))}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


@asynccontextmanager
async def _served(client: httpx.AsyncClient) -> AsyncIterator[str]:
    """The app behind ``client`` served on a free loopback port for as long as the block lasts;
    its origin. In the test's own event loop, so the test and the browser share one app."""
    import socket

    import uvicorn

    transport = client._transport  # the service under test's in-process transport
    if not isinstance(transport, httpx.ASGITransport):
        raise TypeError("browser_page needs the service under test's in-process client")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(transport.app, log_config=None, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):  # at most 5 s
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            raise RuntimeError("the loopback server for the browser did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()


@asynccontextmanager
async def browser_page(
    client: httpx.AsyncClient,
    *,
    locale: str = "ja-JP",
    font_dirs: Sequence[str] = (),
    javascript: bool = True,
) -> AsyncIterator[Any]:
    """A Playwright page on the app behind ``client`` (the service under test), served on a
    loopback port for as long as the block lasts (:func:`browser_at` that origin).

    A real socket rather than answering requests in-process through the route handler: Chromium
    does not hand a redirect's next request back to the handler, and pages answer a form with
    "303 See Other"."""
    async with (
        _served(client) as origin,
        browser_at(origin, locale=locale, font_dirs=font_dirs, javascript=javascript) as page,
    ):
        yield page


@asynccontextmanager
async def browser_at(
    origin: str,
    *,
    locale: str = "ja-JP",
    font_dirs: Sequence[str] = (),
    javascript: bool = True,
) -> AsyncIterator[Any]:
    """A Playwright page whose relative URLs go to ``origin`` (a service on loopback, in process
    or as its own process); every request elsewhere is aborted.

    ``javascript=False`` turns script off in the page, to show a page works without it.
    ``font_dirs`` are added to the fonts Chromium finds (through fontconfig): a machine without
    Japanese system fonts otherwise shows every kanji as a box in screenshots."""
    from playwright.async_api import Route, async_playwright

    executable = chromium_executable()
    origin = origin.rstrip("/")

    async def only_the_service(route: Route) -> None:
        url = route.request.url
        if url == origin or url.startswith(origin + "/"):
            await route.continue_()
        else:
            await route.abort()

    with tempfile.TemporaryDirectory(prefix="tsunagu-fonts-") as workdir:
        env = _fontconfig(font_dirs, Path(workdir)) if font_dirs else None
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS), env=env
            )
            try:
                context = await browser.new_context(
                    locale=locale, base_url=origin, java_script_enabled=javascript
                )
                await context.route("**/*", only_the_service)
                yield await context.new_page()
            finally:
                await browser.close()


@dataclass(frozen=True, slots=True)
class AxeViolation:
    """One rule axe-core found broken: its id, its impact, and how many elements break it."""

    rule: str
    impact: str
    nodes: int
    help: str


async def axe_violations(
    page: Any, *, impacts: frozenset[str] = frozenset({"serious", "critical"})
) -> list[AxeViolation]:
    """Run axe-core (WCAG 2.0–2.2 A and AA, and best practice) on the page as it is now; the
    violations of the given impacts."""
    script = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    await page.evaluate(script)
    results = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        _AXE_TAGS,
    )
    return [
        AxeViolation(rule=v["id"], impact=v.get("impact") or "", nodes=len(v["nodes"]), help=v["help"])
        for v in results["violations"]
        if (v.get("impact") or "") in impacts
    ]
