"""The portal on a phone (390 px) and a desktop (1440 px): nothing scrolls sideways.

Every portal page, and the advisor's dashboard, household and proposal pages, is
measured the same way: the document is no wider than the viewport
(``scrollWidth <= innerWidth``); a wide advisor table may scroll inside its card.
Screenshots of every page at both widths go to ``$ARTIFACTS_DIR/screenshots``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from policies.models import PolicyAcknowledgement
from policies.proposals.models import ProposalStatus
from policies.reviews.models import ReviewStatus
from tests.browser.conftest import SCREENSHOTS_DIR, TIMEOUT_MS
from tests.conftest import World, build_world
from tests.factories import PASSWORD, ProposalFactory
from tests.policies.portal.conftest import FAR, plan
from tests.policies.reviews.conftest import make_review

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
WIDTHS = {"390": PHONE, "1440": DESKTOP}


def build_portal_world() -> tuple[World, dict[str, Any]]:
    world = build_world()
    policy = plan(world, FAR)
    review = make_review(world, status=ReviewStatus.AWAITING_CLIENT)
    now = timezone.now()
    proposal = ProposalFactory(
        household=world.household,
        policy=policy,
        status=ProposalStatus.APPROVED,
        approved_at=now,
        approved_by=world.user("owner"),
    )
    return world, {"policy": policy, "review": review, "proposal": proposal}


@pytest.fixture
def sized_page(browser: Browser, live_server: Any) -> Iterator[Any]:
    """``sized_page("390")``: a fresh context at that width (each its own cookies)."""
    contexts = []

    def make(width: str) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=WIDTHS[width], locale="en-US"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in_as(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def overflow(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def measure(page: Page, url: str, name: str, width: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, (url, response.status)
    page.wait_for_load_state("networkidle")
    scroll_width, inner_width = overflow(page)
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS_DIR / f"portal-{width}-{name}.png", full_page=True)
    assert scroll_width <= inner_width, f"{url} at {width}px is {scroll_width}px wide"


def client_pages(world: World, ids: dict[str, Any]) -> dict[str, str]:
    return {
        "overview": "/portal/",
        "plan": "/portal/plan/",
        "waiting": "/portal/waiting/",
        "documents": "/portal/documents/",
        "emails": "/portal/notifications/",
        "ips": f"/households/{world.household.pk}/policy/",
        "account": f"/accounts/{world.household.accounts.order_by('name').first().pk}/",
        "review": f"/reviews/{ids['review'].pk}/",
    }


def advisor_pages(world: World, ids: dict[str, Any]) -> dict[str, str]:
    return {
        "dashboard": "/",
        "household": f"/households/{world.household.pk}/",
        "proposal": f"/proposals/{ids['proposal'].pk}/",
    }


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_portal_page_fits_the_screen(live_server: Any, sized_page: Any, width: str) -> None:
    world, ids = build_portal_world()
    page = sized_page(width)
    sign_in_as(page, "client@acme.test")
    for name, url in client_pages(world, ids).items():
        measure(page, url, f"client-{name}", width)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_advisors_pages_fit_the_screen(live_server: Any, sized_page: Any, width: str) -> None:
    world, ids = build_portal_world()
    page = sized_page(width)
    sign_in_as(page, "owner@acme.test")
    for name, url in advisor_pages(world, ids).items():
        measure(page, url, f"advisor-{name}", width)


def test_the_portal_reads_plainly_on_a_phone(live_server: Any, sized_page: Any) -> None:
    build_portal_world()
    page = sized_page("390")
    sign_in_as(page, "client@acme.test")
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", name="Smith Family", level=1)).to_be_visible()
    # One sentence against the plan: approved changes come first, in plain words.
    expect(
        main.get_by_text("Your advisor has approved changes to bring your mix back to plan.")
    ).to_be_visible()
    expect(main).not_to_contain_text("band")
    expect(main).not_to_contain_text("us_equity")
    advisor = page.get_by_role("link", name=re.compile(r"^Email "))
    expect(advisor).to_have_attribute("href", "mailto:owner@acme.test")
    # The charts are described for screen readers.
    donut = page.locator("svg.donut")
    expect(donut).to_have_attribute("aria-describedby", re.compile(r"-desc$"))
    description = page.locator(f"#{donut.get_attribute('aria-describedby')}")
    expect(description).to_contain_text("$64,600.00 in all:")
    # Holdings become one card per row: the table's header row is not shown.
    expect(page.locator(".table-stack thead").first).to_have_css("position", "absolute")


def test_one_navigation_on_a_phone_both_on_a_desktop(live_server: Any, sized_page: Any) -> None:
    build_portal_world()
    for width, sidebar_shown in (("390", False), ("1440", True)):
        page = sized_page(width)
        sign_in_as(page, "client@acme.test")
        page.goto("/portal/plan/")
        main_nav = page.get_by_role("navigation", name="Main")
        if sidebar_shown:
            expect(main_nav).to_be_visible()
        else:
            expect(main_nav).to_be_hidden()
        expect(page.get_by_role("navigation", name="Your portal")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_plan_reads_plainly_on_a_phone(live_server: Any, sized_page: Any) -> None:
    build_portal_world()
    page = sized_page("390")
    sign_in_as(page, "client@acme.test")
    page.get_by_role("navigation", name="Your portal").get_by_role("link", name="Your plan").click()
    expect(page.get_by_role("heading", name="Your plan", level=1)).to_be_visible()
    main = page.get_by_role("main")
    mix = page.get_by_role("region", name="Your target mix")
    expect(mix.locator("li")).to_have_text(
        [
            re.compile(r"US equity\s+70%"),
            re.compile(r"US bonds\s+15%"),
            re.compile(r"International equity\s+10%"),
            re.compile(r"Cash\s+5%"),
        ]
    )
    expect(main).not_to_contain_text("band")
    expect(main).not_to_contain_text("us_equity")
    button = page.get_by_role("button", name="I have read my plan: acknowledge")
    box = button.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]
    button.click()
    expect(page.get_by_text("You acknowledged this plan on")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/portal/plan/$"))
    page.screenshot(path=SCREENSHOTS_DIR / "portal-390-plan-acknowledged.png", full_page=True)
    assert overflow(page)[0] <= PHONE["width"]


def test_a_client_acknowledges_the_ips_from_the_phone(live_server: Any, sized_page: Any) -> None:
    world, ids = build_portal_world()
    page = sized_page("390")
    sign_in_as(page, "client@acme.test")
    page.get_by_role("link", name="See what is waiting").click()
    expect(page.get_by_role("heading", name="Waiting for you", level=1)).to_be_visible()
    item = page.locator(".action-item").filter(has_text="Investment Policy Statement")
    button = item.get_by_role("button", name="I have read it: acknowledge")
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]  # reachable without scrolling sideways
    assert box["height"] >= 44  # a thumb-sized target
    page.screenshot(path=SCREENSHOTS_DIR / "portal-390-ack-before.png", full_page=True)
    before = timezone.now()
    button.click()
    expect(
        page.get_by_text("Thank you: your acknowledgement of your plan is recorded.")
    ).to_be_visible()
    expect(
        page.locator(".action-item").filter(has_text="Investment Policy Statement")
    ).to_have_count(0)
    page.screenshot(path=SCREENSHOTS_DIR / "portal-390-ack-after.png", full_page=True)
    acknowledgement = PolicyAcknowledgement.objects.get(
        policy=ids["policy"], user=world.user("client")
    )
    assert before <= acknowledgement.acknowledged_at <= timezone.now()
    # It is now among their documents, with the date.
    page.get_by_role("link", name="Documents").first.click()
    expect(
        page.locator(".document-link").filter(has_text="Investment Policy Statement, version 1")
    ).to_be_visible()
    assert overflow(page)[0] <= PHONE["width"]
