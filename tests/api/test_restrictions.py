"""/api/v1/restrictions/: what a standing restriction may name; who set it; held-away accounts."""

from __future__ import annotations

from typing import Any

import pytest

from portfolios.models import Account, Restriction
from tests.api.conftest import at_version
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _post(api: Any, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/restrictions/", body, format="json")


def test_a_restriction_records_who_set_it(world: World, api_as: Any) -> None:
    response = _post(
        api_as("operations"),
        {
            "household": world.household.pk,
            "security": world.securities["VTI"].pk,
            "kind": "do_not_trade",
            "reason": "Legal hold",
        },
    )

    assert response.status_code == 201, response.json()
    assert response.json()["created_by"] == world.user("operations").pk  # type: ignore[union-attr]
    assert response.json()["account"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "do_not_trade", "reason": "x"}, "security"),
        ({"kind": "do_not_buy", "reason": "x", "account": "taxable"}, "kind"),
        ({"kind": "do_not_trade", "reason": " ", "security": "VTI"}, "reason"),
        ({"kind": "sell_only", "reason": "x", "security": "VTI"}, "kind"),
        ({"kind": "do_not_trade", "reason": "x", "account": "foreign"}, "account"),
    ],
)
def test_a_restriction_must_name_one_security_or_one_account(
    world: World, api_as: Any, body: dict[str, Any], field: str
) -> None:
    body = {"household": world.household.pk, **body}
    if body.get("security") == "VTI":
        body["security"] = world.securities["VTI"].pk
    if body.get("account") == "taxable":
        body["account"] = world.household.accounts.get(name="Joint brokerage").pk
    if body.get("account") == "foreign":
        body["account"] = world.other_household.accounts.get().pk

    response = _post(api_as("admin"), body)

    assert response.status_code == 400
    assert field in response.json()
    assert not Restriction.objects.exists()


def test_an_account_is_marked_held_away(world: World, api_as: Any) -> None:
    account = world.household.accounts.get(name="Ann IRA")

    response = api_as("owner").patch(
        f"/api/v1/accounts/{account.pk}/",
        at_version(Account, account.pk, {"held_away": True}),
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["held_away"] is True
