"""Browser fixtures: one Debian Chromium for the browser tests, a fresh page per test.

The pages are served by pytest-django's ``live_server`` (a real HTTP server in a
thread, on the transactional test database); tests build their data with
``build_world()`` before the browser touches anything, then act as a person would:
sign in through the form, click, fill, read what the page shows.

Screenshots go to ``$ARTIFACTS_DIR/screenshots/<test>-<step>.png`` (``artifacts/``
in the repository when unset); CI keeps that folder. A failing test also leaves
``<test>-failure.png`` showing where it stopped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.factories import PASSWORD

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = Path(os.environ.get("ARTIFACTS_DIR", REPO / "artifacts"))
SCREENSHOTS_DIR = ARTIFACTS_DIR / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
# A page that has not shown what we wait for within this long is broken, not slow.
TIMEOUT_MS = 10_000

Shoot = Callable[[str], Path]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for all of tests/browser.

    Package scope rather than session scope: Playwright's sync API keeps an asyncio
    event loop *running* in the test thread for as long as it is started (it hands
    control back and forth with greenlets). Stopping it once the browser tests are
    done means the test modules collected after them run without that loop.
    """
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM}: run `make browser-deps` "
            "(or `apt-get install -y chromium`). Never `playwright install`.",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch:
        # Django refuses ORM calls from a thread with a running event loop
        # (SynchronousOnlyOperation), and Playwright's loop is running here, so the
        # test body and pytest-django's database set-up and flush would be refused.
        # Nothing is really async: every ORM call still runs synchronously between two
        # Playwright calls, and the live server answers from its own thread (no loop,
        # check intact). The check comes back when Playwright stops.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the test, so the page fixture knows if the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) whose relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        # Best effort: a crashed page must not hide the test's own failure.
        with suppress(PlaywrightError):
            page.screenshot(
                path=SCREENSHOTS_DIR / f"{request.node.name}-failure.png", full_page=True
            )
    context.close()


@pytest.fixture
def shoot(page: Page, request: pytest.FixtureRequest) -> Shoot:
    """``shoot("step")``: a full-page screenshot saved as ``<test>-<step>.png``."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)

    def take(step: str) -> Path:
        path = SCREENSHOTS_DIR / f"{request.node.name}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


class SignIn(Protocol):
    def __call__(self, email: str, password: str = PASSWORD) -> None: ...


@pytest.fixture
def sign_in(page: Page) -> SignIn:
    """``sign_in(email, password)``: through the real form, as a person does (no cookies)."""

    def submit(email: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()

    return submit
