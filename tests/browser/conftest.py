"""Browser-test fixtures: the app on a loopback port, Debian's Chromium through Playwright.

Playwright drives the system Chromium (``/usr/bin/chromium``, or ``FRESQUE_CHROMIUM``);
``playwright install`` is never needed. Without Chromium the browser tests are skipped
(``tests/browser/ensure_chromium.sh`` installs it), except under ``CI=true`` where they
fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from benchmarks.chromium import CHROMIUM_ARGS, MISSING_CHROMIUM, chromium_path
from browser.servers import serve


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Serve ``create_app()`` on a free loopback port for the session; yield its base URL."""
    from fresque.app import create_app

    with serve(create_app()) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium launched headless through Playwright (one per session)."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(MISSING_CHROMIUM)
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageLog:
    """What a page did: every request it made and every error it reported."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign_hosts(self, allowed: frozenset[str] = frozenset({"127.0.0.1"})) -> set[str]:
        """Return the hosts other than ``allowed`` the page sent requests to."""
        hosts = set()
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in {"data", "blob", "about"}:
                continue
            if parts.hostname not in allowed:
                hosts.add(parts.hostname or url)
        return hosts


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser, page_log: PageLog):
    """A fresh page (own context, 1280×900) whose requests and errors go to ``page_log``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    new_page = context.new_page()
    new_page.on("request", lambda request: page_log.requests.append(request.url))
    new_page.on(
        "pageerror",
        lambda error: page_log.errors.append(str(error)),
    )
    new_page.on(
        "console",
        lambda message: page_log.errors.append(message.text) if message.type == "error" else None,
    )
    try:
        yield new_page
    finally:
        context.close()
