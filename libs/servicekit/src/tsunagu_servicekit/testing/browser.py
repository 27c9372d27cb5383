"""Pages of a service in a real browser, for tests: Debian's Chromium driven by Playwright, with
every request answered in-process by the service's own app, and an accessibility check.

No socket and no network: requests to the service's test host are handed to its ASGI app through
the service under test's HTTP client; every other request is aborted, so a page that needs
anything from outside fails its test rather than quietly fetching it.

Where no browser can be had, :func:`chromium_executable` fails the test loudly under CI
(``CI`` set) and skips it, with the same message, elsewhere. Needs ``playwright`` and
``axe-playwright-python`` (for its copy of axe-core) in the test environment.
"""

from __future__ import annotations

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

__all__ = ["CHROMIUM_FLAGS", "AxeViolation", "axe_violations", "browser_page", "chromium_executable"]

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
async def browser_page(
    client: httpx.AsyncClient, *, locale: str = "ja-JP", font_dirs: Sequence[str] = ()
) -> AsyncIterator[Any]:
    """A Playwright page whose requests to ``client``'s base URL are answered by ``client``.

    ``font_dirs`` are added to the fonts Chromium finds (through fontconfig): a machine without
    Japanese system fonts otherwise shows every kanji as a box in screenshots."""
    from playwright.async_api import Route, async_playwright

    executable = chromium_executable()
    origin = str(client.base_url).rstrip("/")

    async def answer(route: Route) -> None:
        request = route.request
        if not request.url.startswith(origin + "/") and request.url != origin:
            await route.abort()
            return
        response = await client.request(
            request.method,
            request.url[len(origin) :] or "/",
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            content=request.post_data_buffer,
        )
        await route.fulfill(
            status=response.status_code, headers=dict(response.headers), body=response.content
        )

    with tempfile.TemporaryDirectory(prefix="tsunagu-fonts-") as workdir:
        env = _fontconfig(font_dirs, Path(workdir)) if font_dirs else None
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS), env=env
            )
            try:
                context = await browser.new_context(locale=locale, base_url=origin)
                await context.route("**/*", answer)
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
