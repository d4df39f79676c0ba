"""The dashboard's "Model changes to activate" card: the drafts a model's change made for
its followers, for the households the advisor may act on, and nothing when none waits."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from policies.modelportfolios.following import followed_draft, model_of_firm
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.selectors import DASHBOARD_DRAFTS
from policies.modelportfolios.services import ModelDraft, model_create, model_update
from policies.models import InvestmentPolicy, PolicyStatus
from policies.services import Following, TargetDraft, policy_create
from tests.conftest import World
from tests.factories import HouseholdFactory
from tests.policies.conftest import draft
from tests.policies.modelportfolios.conftest import follow, make_model
from tests.portfolios.test_page_queries import queries_for

pytestmark = pytest.mark.django_db

CARD = "Model changes to activate"
# The model goes from 60/30/10 (us_equity/us_bonds/intl_equity) to 50/40/10.
CHANGED = ModelDraft(
    name="Balanced",
    targets=(
        TargetDraft("us_equity", Decimal("0.50")),
        TargetDraft("us_bonds", Decimal("0.40")),
        TargetDraft("intl_equity", Decimal("0.10")),
    ),
)


def _card(page: Any) -> str:
    """The card's HTML on the dashboard, or "" when the dashboard has none."""
    html = page.get("/").content.decode()
    found = re.search(r'<section class="card card-action".*?</section>', html, re.S)
    return found.group(0) if found else ""


def _change(world: World, model: ModelPortfolio, changed: ModelDraft = CHANGED) -> None:
    change = model_update(model=model, user=world.user("admin"), draft=changed)
    assert change.drafts, "the change drafts for the followers"


def _foreign_follower(world: World) -> InvestmentPolicy:
    """Rival Wealth's own model, followed by its household, then changed (a draft)."""
    targets = (TargetDraft("us_equity", Decimal("0.70")), TargetDraft("us_bonds", Decimal("0.30")))
    model = model_create(
        firm_id=world.other_firm.pk,
        user=world.user("foreign_advisor"),
        draft=ModelDraft(name="Rival growth", targets=targets),
    )
    fresh = model_of_firm(world.other_firm.pk, model.pk)
    assert fresh is not None
    policy_create(
        household=world.foreign_household,
        author=world.user("foreign_advisor"),
        draft=followed_draft(fresh, draft(targets=()), ()),
        following=Following(fresh, ()),
        queue_work=False,
    )
    new = ModelDraft(name="Rival growth", targets=(TargetDraft("us_equity", Decimal(1)),))
    model_update(model=model, user=world.user("foreign_advisor"), draft=new)
    return InvestmentPolicy.objects.get(
        household=world.foreign_household, status=PolicyStatus.DRAFT
    )


def test_an_advisor_sees_the_drafts_of_their_followers_only(world: World, client_as: Any) -> None:
    # given: Smith (the owner's) and Jones (another advisor's) follow Balanced, and a
    # household of another firm follows that firm's model; both models change
    model = make_model(world)
    smith_active = follow(world, model)
    follow(world, model, household=world.other_household)
    with time_machine.travel(datetime(2026, 3, 9, 15, tzinfo=UTC), tick=False):
        _change(world, model)
    foreign_draft = _foreign_follower(world)
    smith_draft = InvestmentPolicy.objects.get(household=world.household, status=PolicyStatus.DRAFT)

    # when: the owner opens the dashboard
    card = _card(client_as("owner"))

    # then: Smith's draft, with the model, the day drafted and the links; not Jones's
    assert CARD in card
    assert "Smith Family" in card
    assert f'href="/households/{world.household.pk}/policy/history/"' in card
    assert f'href="/models/{model.pk}/">Balanced</a>' in card
    assert "version 2" in card
    assert "Mar 9, 2026" in card
    diff = (
        f"/households/{world.household.pk}/policy/diff/?a={smith_active.pk}&amp;b={smith_draft.pk}"
    )
    assert diff in card
    assert client_as("owner").get(diff.replace("&amp;", "&")).status_code == 200
    assert "Jones Family" not in card
    assert "Foreign Family" not in card
    # Jones's advisor sees Jones's; the other firm's advisor sees only their own firm's.
    jones = _card(client_as("other_advisor"))
    assert "Jones Family" in jones
    assert "Smith Family" not in jones
    foreign = _card(client_as("foreign_advisor"))
    assert "Foreign Family" in foreign
    assert f"b={foreign_draft.pk}" in foreign
    assert "Smith Family" not in foreign
    assert "Jones Family" not in foreign


def test_the_teammate_and_the_firm_admin_see_it_operations_and_clients_do_not(
    world: World, client_as: Any
) -> None:
    model = make_model(world)
    follow(world, model)
    _change(world, model)
    assert "Smith Family" in _card(client_as("teammate"))
    assert "Smith Family" in _card(client_as("admin"))
    # Operations may not activate an IPS, so nothing waits for them.
    assert _card(client_as("operations")) == ""
    assert client_as("client").get("/").status_code == 302  # to the portal


def test_no_card_when_nothing_waits(world: World, client_as: Any) -> None:
    model = make_model(world)
    follow(world, model)
    page = client_as("owner")
    assert CARD not in page.get("/").content.decode()
    # A draft that starts following a model is the IPS editor's, not a model change's.
    fresh = model_of_firm(world.firm.pk, model.pk)
    assert fresh is not None
    policy_create(
        household=world.other_household,
        author=world.user("admin"),
        draft=followed_draft(fresh, draft(targets=()), ()),
        following=Following(fresh, ()),
        activate=False,
        queue_work=False,
    )
    assert CARD not in client_as("admin").get("/").content.decode()


def test_an_activated_draft_leaves_the_card(world: World, client_as: Any) -> None:
    model = make_model(world)
    follow(world, model)
    _change(world, model)
    page = client_as("owner")
    smith_draft = InvestmentPolicy.objects.get(household=world.household, status=PolicyStatus.DRAFT)
    assert page.post(f"/policies/{smith_draft.pk}/activate/").status_code == 302
    assert CARD not in page.get("/").content.decode()


def _followers(world: World, model: ModelPortfolio, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        household = HouseholdFactory(
            firm=world.firm, name=f"Follower {n:02d}", primary_advisor=world.user("owner")
        )
        follow(world, model, household=household)


def test_a_long_list_is_cut_with_a_count_of_the_rest(world: World, client_as: Any) -> None:
    model = make_model(world)
    extra = 3
    _followers(world, model, DASHBOARD_DRAFTS + extra)
    _change(world, model)
    card = _card(client_as("owner"))
    assert card.count('<th scope="row">') == DASHBOARD_DRAFTS
    assert f"And {extra} more" in card


def test_the_card_reads_in_one_query_whatever_its_rows(world: World, client_as: Any) -> None:
    model = make_model(world)
    _followers(world, model, 1)
    _change(world, model)
    page = client_as("owner")
    one = queries_for(page, "/")
    _followers(world, model, DASHBOARD_DRAFTS - 2, start=1)
    _change(world, model, replace(CHANGED, targets=CHANGED.targets[::-1], abs_band=None))
    assert _card(page).count('<th scope="row">') == DASHBOARD_DRAFTS - 1
    assert queries_for(page, "/") == one
