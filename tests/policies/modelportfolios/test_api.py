"""/api/v1/models/ and an IPS version following a model through the policy endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from policies.modelportfolios.models import ModelBuyChoice, ModelPortfolio, ModelTarget
from policies.models import InvestmentPolicy, PolicyStatus
from tests.conftest import World
from tests.policies.modelportfolios.conftest import make_model, model_body

pytestmark = pytest.mark.django_db

API = "/api/v1/models/"


def test_an_advisor_creates_a_model_with_its_buy_list(world: World, api_as: Any) -> None:
    response = api_as("owner").post(API, model_body(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Balanced"
    assert body["version"] == 1
    assert [(t["asset_class"], t["weight"]) for t in body["targets"]] == [
        ("us_equity", "0.600000"),
        ("intl_equity", "0.100000"),
        ("us_bonds", "0.300000"),
    ]
    assert body["buy_list"] == [
        {
            "asset_class": "us_equity",
            "security": world.securities["VTI"].pk,
            "substitutes": [world.securities["ITOT"].pk],
        }
    ]
    listed = api_as("operations").get(API).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"targets": [{"asset_class": "us_equity", "weight": "0.90"}]},
            "targets",
            "Weights must sum to 100%; they sum to 90%.",
        ),
        ({"name": "  "}, "name", None),
        ({"abs_band": None, "rel_band": None}, "abs_band", None),
        ({"method": "calendar"}, "frequency", "The calendar method needs a review frequency."),
    ],
)
def test_invalid_models_are_refused_with_field_messages(
    world: World, api_as: Any, change: dict[str, Any], field: str, message: str | None
) -> None:
    response = api_as("admin").post(API, model_body(world, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert message in str(response.json()[field])
    assert not ModelPortfolio.objects.exists()


def test_a_buy_list_security_of_another_class_is_refused_by_item(world: World, api_as: Any) -> None:
    buy_list = [
        {"asset_class": "us_bonds", "security": world.securities["BND"].pk},
        {
            "asset_class": "us_equity",
            "security": world.securities["VTI"].pk,
            "substitutes": [world.securities["VXUS"].pk],
        },
    ]
    response = api_as("owner").post(API, model_body(world, buy_list=buy_list), format="json")
    assert response.status_code == 400
    name = world.classes["us_equity"].name
    assert response.json()["buy_list"] == [{}, {"substitutes": [f"VXUS is not in {name}."]}]
    assert not ModelBuyChoice.objects.exists()


def test_names_are_unique_in_the_firm(world: World, api_as: Any) -> None:
    make_model(world)
    response = api_as("owner").post(API, model_body(world, name="balanced"), format="json")
    assert response.status_code == 400
    assert "already has a model named" in response.json()["name"][0]


def test_another_firm_gets_404_and_clients_403(world: World, api_as: Any) -> None:
    model = make_model(world)
    assert api_as("foreign_advisor").get(f"{API}{model.pk}/").status_code == 404
    patch = api_as("foreign_advisor").patch(f"{API}{model.pk}/", {"name": "X"}, format="json")
    assert patch.status_code == 404
    assert api_as("foreign_advisor").get(API).json()["count"] == 0
    assert api_as("client").get(API).status_code == 403
    assert api_as("client").post(API, model_body(world), format="json").status_code == 403
    assert api_as("operations").post(API, model_body(world), format="json").status_code == 403
    assert api_as("anonymous").get(API).status_code in {401, 403}
    ModelPortfolio.objects.get(pk=model.pk, name="Balanced")


def test_patch_changes_only_the_given_fields(world: World, api_as: Any) -> None:
    model = make_model(world)
    response = api_as("owner").patch(
        f"{API}{model.pk}/", {"name": "Balanced growth"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Balanced growth"
    assert body["version"] == 2
    assert len(body["targets"]) == 3
    assert body["drafts"] == []
    bad = api_as("owner").patch(
        f"{API}{model.pk}/", {"targets": [{"asset_class": "cash", "weight": "0.5"}]}, format="json"
    )
    assert bad.status_code == 400
    assert ModelTarget.objects.filter(model=model).count() == 3


def policy_url(world: World) -> str:
    return f"/api/v1/households/{world.household.pk}/policy/"


def test_a_version_follows_a_model_with_overrides(world: World, api_as: Any) -> None:
    model = make_model(world)
    body = {
        "model": model.pk,
        "overrides": [
            {"asset_class": "us_equity", "weight": "0.50", "rationale": "Employer stock held"},
            {"asset_class": "cash", "weight": "0.10", "rationale": "Roof repair next spring"},
            {"abs_band": "0.03", "rationale": "Wants tighter monitoring"},
        ],
        "rationale": "Moves to the firm's balanced model.",
    }
    response = api_as("owner").post(policy_url(world), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["model"] == model.pk
    assert data["model_version"] == 1
    # 60/30/10 with us_equity at 50 and cash at 10: 50 + 30 + 10 + 10 = 100.
    assert {t["asset_class"]: t["weight"] for t in data["targets"]} == {
        "us_equity": "0.500000",
        "us_bonds": "0.300000",
        "intl_equity": "0.100000",
        "cash": "0.100000",
    }
    assert data["abs_band"] == "0.030000"
    assert data["rel_band"] == "0.250000"
    assert sorted((o["asset_class"] or "", o["rationale"]) for o in data["overrides"]) == [
        ("", "Wants tighter monitoring"),
        ("cash", "Roof repair next spring"),
        ("us_equity", "Employer stock held"),
    ]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        # 50 + 30 + 10 = 90: the overrides leave the targets short of 100%
        (
            {"overrides": [{"asset_class": "us_equity", "weight": "0.50", "rationale": "x"}]},
            "overrides",
        ),
        (
            {"overrides": [{"asset_class": "us_equity", "weight": "0.6", "rationale": " "}]},
            "overrides",
        ),
        (
            {"overrides": [{"asset_class": "us_equity", "abs_band": "0.2", "rationale": "x"}]},
            "overrides",
        ),
        ({"targets": [{"asset_class": "us_equity", "weight": "1"}]}, "targets"),
    ],
)
def test_bad_overrides_are_refused(
    world: World, api_as: Any, extra: dict[str, Any], field: str
) -> None:
    model = make_model(world)
    body = {"model": model.pk, "rationale": "Follows the model.", **extra}
    response = api_as("owner").post(policy_url(world), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not InvestmentPolicy.objects.exists()


def test_a_model_of_another_firm_cannot_be_followed(world: World, api_as: Any) -> None:
    model = make_model(world)
    ModelPortfolio.objects.filter(pk=model.pk).update(firm=world.other_firm)
    body = {"model": model.pk, "rationale": "Follows the model."}
    response = api_as("owner").post(policy_url(world), body, format="json")
    assert response.status_code == 400
    assert response.json()["model"] == ["No such model in this firm."]
    assert not InvestmentPolicy.objects.filter(status=PolicyStatus.ACTIVE).exists()


def test_models_and_overrides_are_in_the_audit_history() -> None:
    from advisory.history import FIRM_PATHS

    assert set(FIRM_PATHS) >= {
        "policies.ModelPortfolio",
        "policies.ModelTarget",
        "policies.ModelBuyChoice",
        "policies.PolicyOverride",
    }


@pytest.mark.postgres
def test_a_model_change_is_recorded_with_who_made_it(
    world: World, api_as: Any, client_as: Any
) -> None:
    from django.db import connection

    from advisory.history import event_model

    model = make_model(world)
    response = api_as("owner").patch(f"{API}{model.pk}/", {"name": "Balanced 2027"}, format="json")
    assert response.status_code == 200
    if connection.vendor != "postgresql":
        assert not event_model("policies.ModelPortfolio").objects.exists()
        return
    last = event_model("policies.ModelPortfolio").objects.filter(pgh_obj_id=model.pk).last()
    assert last is not None
    assert last.name == "Balanced 2027"
    assert last.pgh_context.metadata["user"] == world.users["owner"].pk
    page = client_as("admin").get(f"/firm/history/?model=policies.ModelPortfolio&object={model.pk}")
    assert b"Balanced 2027" in page.content
