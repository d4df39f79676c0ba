"""An annual review from start to the client's acknowledgement, as the people involved do it.

The advisor finds the review on the reviews dashboard, starts it, re-answers the
risk questionnaire, changes the targets (a new IPS version), is refused while a
checklist item has no notes, writes them and completes; the client signs in,
finds the review in the portal and acknowledges it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from advisory.engine.risk import QUESTIONS
from policies.models import InvestmentPolicy, PolicyStatus
from policies.reviews.models import Review, ReviewStatus
from tests.conftest import build_world
from tests.policies.reviews.conftest import make_review, scheduled_policy

if TYPE_CHECKING:
    from tests.browser.conftest import Shoot, SignIn

pytestmark = pytest.mark.browser

NOTES = {
    "Goals and time horizons": "Retirement in 2032; college fund on track.",
    "Risk capacity": "One income since March: capacity lower.",
    "Risk tolerance": "Unchanged; fine with a 20% decline.",
    "Tax situation and account structures": "Roth conversion room this year.",
    "Drift against the bands": "Bonds under target, inside the band.",
}


def test_an_annual_review_from_start_to_acknowledgement(
    live_server: object, page: Page, shoot: Shoot, sign_in: SignIn
) -> None:
    # given: the Smith household's annual review has come due
    world = build_world()
    scheduled_policy(world)
    review = make_review(world)

    # when: the advisor opens it from the reviews dashboard and starts it
    sign_in("owner@acme.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Reviews", level=1)).to_be_visible()
    shoot("01-dashboard")
    page.get_by_role("region", name="Needs your attention").get_by_role(
        "link", name=re.compile("Smith Family")
    ).click()
    expect(page.get_by_role("heading", name=re.compile("Annual review"))).to_be_visible()
    page.get_by_role("button", name="Start the review").click()
    expect(page.get_by_text("Review started.")).to_be_visible()

    # The risk questionnaire is answered again: capacity and tolerance apart.
    page.get_by_role("link", name="Re-answer the risk questionnaire").first.click()
    for question in QUESTIONS:
        page.get_by_role("group", name=question.text).get_by_role("radio").nth(1).check()
    page.get_by_role("button", name="Record with the review").click()
    expect(
        page.get_by_text(re.compile(r"Risk capacity \d+/100, risk tolerance \d+/100"))
    ).to_be_visible()

    # The targets change: a new IPS version with its rationale.
    page.get_by_role("link", name="Change the targets (a new IPS version)").click()
    page.get_by_label("US equity", exact=False).first.fill("35")
    page.get_by_label("US bonds", exact=False).first.fill("40")
    page.get_by_label("Rationale", exact=False).fill(
        "Annual review: one income, equities 40% to 35%."
    )
    shoot("02-targets")
    page.get_by_role("button", name="Activate the new version").click()
    expect(page.get_by_text("IPS version 2 is now active.")).to_be_visible()

    # Completing with an item left blank is refused, naming what is missing.
    for label, note in NOTES.items():
        page.get_by_role("textbox", name=label).fill(note)
    page.get_by_role("textbox", name="Summary").fill("Equities lowered to 35%.")
    page.get_by_role("button", name="Complete the review").click()
    expect(
        page.get_by_text("Every item needs notes before the review is completed.")
    ).to_be_visible()
    shoot("03-notes-missing")
    page.get_by_role("textbox", name="Targets and security selection").fill(
        "Equities 40% to 35% (IPS v2); same index funds."
    )
    page.get_by_role("button", name="Complete the review").click()
    expect(
        page.get_by_text("Review completed; the client is asked to acknowledge it.")
    ).to_be_visible()
    expect(page.get_by_text("Awaiting client", exact=True)).to_be_visible()
    shoot("04-completed")

    # then: the client finds it in the portal and acknowledges it
    page.get_by_role("button", name="Sign out").click()
    sign_in("client@acme.test")
    # The portal's "Waiting for you" list (policies.portal) has it, with a link to read it.
    page.get_by_role("link", name="See what is waiting").click()
    waiting = page.get_by_role("region", name="To read and acknowledge")
    expect(waiting.get_by_text(re.compile("^Annual review"))).to_be_visible()
    shoot("05-portal")
    waiting.get_by_role("link", name=re.compile("^Read Annual review")).click()
    expect(page.get_by_text("Equities lowered to 35%.")).to_be_visible()
    page.get_by_role("button", name="I have read this review").click()
    expect(page.get_by_text("Thank you: your acknowledgement is recorded.")).to_be_visible()
    expect(page.get_by_text("Completed", exact=True)).to_be_visible()
    shoot("06-acknowledged")

    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    assert review.acknowledged_by == world.user("client")
    assert review.risk_capacity_score is not None
    new = InvestmentPolicy.objects.get(household=world.household, status=PolicyStatus.ACTIVE)
    assert review.policy == new
    assert new.version == 2
    assert Review.objects.get(pk=review.pk).completed_by == world.user("owner")
