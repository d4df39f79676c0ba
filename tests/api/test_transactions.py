"""/api/v1/transactions/: records only (GET, POST), round trip and bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portfolios.models import Account, Lot, Transaction
from tests.api.conftest import assert_field_error, url
from tests.conftest import World
from tests.factories import TransactionFactory

pytestmark = pytest.mark.django_db


def _taxable() -> Account:
    return Account.objects.get(name="Joint brokerage")


def _sell(world: World, **change: Any) -> dict[str, Any]:
    return {
        "account": _taxable().pk,
        "security": world.securities["VTI"].pk,
        "kind": "sell",
        "trade_date": "2026-11-20",
        "quantity": "10",
        "amount": "2500.00",
        "realized_gain": "1000.00",
        "description": "Trim",
        **change,
    }


def test_round_trip_records_without_touching_lots_or_cash(world: World, api_as: Any) -> None:
    api = api_as("owner")
    lots_before = list(Lot.objects.values_list("pk", "quantity"))
    created = api.post(url("transactions"), _sell(world))
    assert created.status_code == 201
    body = created.json()
    assert body["kind"] == "sell"
    assert body["symbol"] == "VTI"
    assert body["quantity"] == "10.000000"
    assert body["amount"] == "2500.00"
    assert body["realized_gain"] == "1000.00"
    assert api.get(url("transactions", body["id"])).json() == body
    # A transaction is a record: lots and cash stay as they were.
    assert list(Lot.objects.values_list("pk", "quantity")) == lots_before
    assert _taxable().cash == Decimal("5000.00")


def test_cash_kinds_need_no_security(world: World, api_as: Any) -> None:
    response = api_as("operations").post(
        url("transactions"),
        {"account": _taxable().pk, "kind": "fee", "trade_date": "2026-11-20", "amount": "-25"},
    )
    assert response.status_code == 201
    assert response.json()["security"] is None
    assert response.json()["symbol"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"security": None}, "security"),  # a sell needs a security
        ({"kind": "buy", "realized_gain": None, "quantity": "0"}, "quantity"),
        ({"kind": "reinvest", "realized_gain": None, "security": None}, "security"),
        ({"kind": "deposit", "security": None}, "realized_gain"),  # only sells realize
        ({"kind": "transfer"}, "kind"),
        ({"quantity": "-1"}, "quantity"),
        ({"amount": "12.345"}, "amount"),
        ({"trade_date": ""}, "trade_date"),
        ({"account": None}, "account"),
        ({"security": 10**30}, "security"),
    ],
)
def test_bad_input_writes_nothing(
    world: World, api_as: Any, change: dict[str, Any], field: str
) -> None:
    before = Transaction.objects.count()
    assert_field_error(api_as("owner").post(url("transactions"), _sell(world, **change)), field)
    assert Transaction.objects.count() == before


def test_no_changes_once_recorded_and_delete_archives(world: World, api_as: Any) -> None:
    recorded = TransactionFactory(account=_taxable())
    api = api_as("admin")
    assert api.patch(url("transactions", recorded.pk), {"amount": "1"}).status_code == 405
    assert api.put(url("transactions", recorded.pk), {"amount": "1"}).status_code == 405
    recorded.refresh_from_db()
    assert recorded.amount == Decimal("500.00")
    assert api.delete(url("transactions", recorded.pk)).status_code == 204
    assert api.get(url("transactions", recorded.pk)).status_code == 404
    kept = Transaction.all_objects.get(pk=recorded.pk)
    assert kept.amount == Decimal("500.00")
    assert kept.archived_by == world.user("admin")


def test_filters(world: World, api_as: Any) -> None:
    taxable, ira = _taxable(), Account.objects.get(name="Ann IRA")
    vti, bnd = world.securities["VTI"], world.securities["BND"]
    TransactionFactory(account=taxable, trade_date=date(2026, 1, 5))
    TransactionFactory(
        account=taxable,
        kind="buy",
        security=vti,
        quantity=Decimal("1"),
        trade_date=date(2026, 2, 5),
    )
    TransactionFactory(account=ira, kind="dividend", security=bnd, trade_date=date(2026, 3, 5))
    TransactionFactory(account=world.other_household.accounts.get(), trade_date=date(2026, 3, 5))
    api = api_as("owner")

    def dates(**params: Any) -> list[str]:
        response = api.get(url("transactions"), params)
        assert response.status_code == 200, response.content
        return [row["trade_date"] for row in response.json()["results"]]

    assert dates() == ["2026-03-05", "2026-02-05", "2026-01-05"]  # newest first, own only
    assert dates(account=ira.pk) == ["2026-03-05"]
    assert dates(household=world.household.pk) == ["2026-03-05", "2026-02-05", "2026-01-05"]
    assert dates(kind="buy") == ["2026-02-05"]
    assert dates(security=bnd.pk) == ["2026-03-05"]
    assert dates(symbol="vti") == ["2026-02-05"]
    assert dates(asset_class="us_bonds") == ["2026-03-05"]
    assert dates(trade_date_after="2026-02-01", trade_date_before="2026-02-28") == ["2026-02-05"]
