"""The model pages: list, create, edit (drafts for followers listed to activate)."""

from __future__ import annotations

from typing import Any

import pytest

from policies.modelportfolios.models import ModelBuyChoice, ModelPortfolio
from policies.models import InvestmentPolicy, PolicyStatus
from tests.conftest import World
from tests.policies.modelportfolios.conftest import follow, make_model

pytestmark = pytest.mark.django_db


def _form(**changes: str) -> dict[str, str]:
    data = {
        "name": "Income",
        "weight_us_equity": "40",
        "weight_us_bonds": "60",
        "buy_us_equity": "ITOT, VTI",
        "buy_us_bonds": "BND",
        "abs_band": "5",
        "rel_band": "25",
        "method": "threshold",
    }
    data.update(changes)
    return data


def test_an_advisor_creates_a_model_from_the_page(world: World, client_as: Any) -> None:
    page = client_as("owner")
    assert page.get("/models/new/").status_code == 200
    response = page.post("/models/new/", _form())
    model = ModelPortfolio.objects.get(name="Income")
    assert response.status_code == 302
    assert response["Location"] == f"/models/{model.pk}/"
    buy = ModelBuyChoice.objects.filter(model=model, asset_class__code="us_equity")
    assert [c.security.symbol for c in buy.order_by("rank")] == ["ITOT", "VTI"]
    detail = page.get(f"/models/{model.pk}/").content.decode()
    assert "ITOT" in detail
    assert "Income" in page.get("/models/").content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_us_bonds": "50"}, "they sum to 90%"),
        ({"buy_us_equity": "ITOT, NOPE"}, "Unknown symbol: NOPE."),
        ({"buy_us_bonds": "VTI"}, "VTI is not in"),
        ({"abs_band": "150"}, "between 0 and 100"),
    ],
)
def test_a_bad_model_is_a_form_error_and_saves_nothing(
    world: World, client_as: Any, changes: dict[str, str], message: str
) -> None:
    response = client_as("admin").post("/models/new/", _form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ModelPortfolio.objects.exists()


def test_who_may_see_and_edit_models(world: World, client_as: Any) -> None:
    model = make_model(world)
    assert client_as("client").get("/models/").status_code == 403
    assert client_as("client").get(f"/models/{model.pk}/").status_code == 403
    assert client_as("foreign_advisor").get(f"/models/{model.pk}/").status_code == 404
    assert client_as("foreign_advisor").get(f"/models/{model.pk}/edit/").status_code == 404
    assert client_as("operations").get(f"/models/{model.pk}/").status_code == 200
    assert client_as("operations").get(f"/models/{model.pk}/edit/").status_code == 403
    assert client_as("operations").post("/models/new/", _form()).status_code == 403
    anonymous = client_as("anonymous")
    anonymous.logout()
    assert anonymous.get("/models/").status_code == 302


def test_editing_lists_the_followers_drafts_and_the_advisor_activates_one(
    world: World, client_as: Any
) -> None:
    model = make_model(world)
    follow(world, model)
    page = client_as("owner")
    form = _form(name="Balanced", weight_us_equity="50", weight_us_bonds="50", note="Committee")

    response = page.post(f"/models/{model.pk}/edit/", form)

    assert response.status_code == 302
    draft = InvestmentPolicy.objects.get(household=world.household, status=PolicyStatus.DRAFT)
    detail = page.get(f"/models/{model.pk}/").content.decode()
    assert f'action="/policies/{draft.pk}/activate/"' in detail
    assert page.post(f"/policies/{draft.pk}/activate/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.ACTIVE
    assert {t.asset_class.code for t in draft.targets.all()} == {"us_equity", "us_bonds"}


def _ips_form(model: ModelPortfolio, **changes: str) -> dict[str, str]:
    data = {
        "model": str(model.pk),
        "override_us_equity": "50",
        "override_why_us_equity": "Holds employer stock elsewhere",
        "override_cash": "10",
        "override_why_cash": "Tuition next year",
        "horizon_years": "20",
        "cash_reserve": "0",
        "method": "threshold",
        "abs_band": "5",
        "rel_band": "25",
        "rationale": "Follows the firm's balanced model.",
        "action": "activate",
    }
    data.update(changes)
    return data


def test_the_ips_editor_follows_a_model_with_overrides(world: World, client_as: Any) -> None:
    model = make_model(world)
    page = client_as("owner")
    editor = page.get(f"/households/{world.household.pk}/policy/new/").content.decode()
    assert "Follow a model" in editor
    assert f'value="{model.pk}"' in editor

    response = page.post(f"/households/{world.household.pk}/policy/new/", _ips_form(model))

    assert response.status_code == 302
    policy = InvestmentPolicy.objects.get(household=world.household, status=PolicyStatus.ACTIVE)
    assert policy.model_id == model.pk
    # 60/30/10 with US equity 50 and cash 10: 50 + 30 + 10 + 10 = 100.
    assert {t.asset_class.code: t.weight * 100 for t in policy.targets.all()} == {
        "us_equity": 50,
        "us_bonds": 30,
        "intl_equity": 10,
        "cash": 10,
    }
    assert {o.rationale for o in policy.overrides.all()} == {
        "Holds employer stock elsewhere",
        "Tuition next year",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"override_why_cash": ""}, "Say why the household differs from the model."),
        ({"override_cash": "5"}, "they sum to 95%"),
    ],
)
def test_the_ips_editor_refuses_bad_overrides(
    world: World, client_as: Any, changes: dict[str, str], message: str
) -> None:
    model = make_model(world)
    url = f"/households/{world.household.pk}/policy/new/"
    response = client_as("owner").post(url, _ips_form(model, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not InvestmentPolicy.objects.exists()
