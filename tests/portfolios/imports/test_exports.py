"""Exports: scoped like the lists, numbers masked but for order releasers, formulas neutralised,
and an export imported into an empty firm reproduces the lots and cash exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from advisory.models import Role
from portfolios.imports.kinds import ImportKind
from portfolios.imports.services import book_import
from portfolios.models import Account, Lot
from tests.conftest import PERSONAS, World
from tests.factories import AccountFactory, FirmFactory, HouseholdFactory, SecurityFactory, member

pytestmark = pytest.mark.django_db

KINDS = ("households", "accounts", "lots", "transactions", "realized-gains", "proposals")
VISIBLE = {
    "owner": {"Smith Family"},
    "teammate": {"Smith Family"},
    "other_advisor": {"Jones Family"},
    "foreign_advisor": {"Foreign Family"},
    "admin": {"Smith Family", "Jones Family"},
    "operations": {"Smith Family", "Jones Family"},
    "client": {"Smith Family"},
    "other_client": {"Jones Family"},
}


def _rows(response: Any) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def numbered(world: World) -> World:
    Account.objects.filter(name="Joint brokerage").update(account_number="88012345")
    Account.objects.filter(name="Ann IRA").update(account_number="88067890")
    return world


@pytest.mark.parametrize("persona", PERSONAS)
def test_exports_are_scoped_by_access(numbered: World, api_as: Any, persona: str) -> None:
    api = api_as(persona)
    for kind in KINDS:
        response = api.get(f"/api/v1/exports/{kind}/", {"format": "csv"})
        if persona == "anonymous":
            assert response.status_code == 401
            continue
        assert response.status_code == 200, (kind, response.content)
        if kind in ("households", "accounts", "lots"):
            key = "name" if kind == "households" else "household"
            assert {r[key] for r in _rows(response)} <= VISIBLE[persona]
    if persona == "anonymous":
        return
    households = {r["name"] for r in _rows(api.get("/api/v1/exports/households/"))}
    assert households == VISIBLE[persona]


def test_account_numbers_in_full_only_for_those_who_release_orders(
    numbered: World, api_as: Any
) -> None:
    def numbers(persona: str) -> set[str]:
        rows = _rows(
            api_as(persona).get("/api/v1/exports/accounts/", {"household": numbered.household.pk})
        )
        return {r["account_number"] for r in rows}

    # Operations release orders (docs/API.md); advisors only when the firm allows it.
    assert numbers("operations") == {"88012345", "88067890"}
    assert numbers("owner") == {"****2345", "****7890"}
    assert numbers("client") == {"****2345", "****7890"}
    detail = api_as("owner").get(
        f"/api/v1/accounts/{Account.objects.get(account_number='88012345').pk}/"
    )
    assert detail.json()["account_number"] == "****2345"
    numbered.firm.advisors_release_orders = True
    numbered.firm.save()
    assert numbers("owner") == {"88012345", "88067890"}


def test_formula_cells_are_neutralised_in_csv_and_xlsx(numbered: World, api_as: Any) -> None:
    numbered.household.name = '=HYPERLINK("http://x")'
    numbered.household.save()
    api = api_as("owner")
    [row] = _rows(api.get("/api/v1/exports/households/"))
    assert row["name"] == '\'=HYPERLINK("http://x")'
    book = load_workbook(
        io.BytesIO(api.get("/api/v1/exports/households/", {"format": "xlsx"}).content)
    )
    assert book.active["B2"].value == '\'=HYPERLINK("http://x")'
    assert book.active["B2"].data_type == "s"


def test_lots_export_has_unrealised_gain_by_term(numbered: World, api_as: Any) -> None:
    rows = _rows(api_as("owner").get("/api/v1/exports/lots/", {"household": numbered.household.pk}))
    vti = next(r for r in rows if r["symbol"] == "VTI")
    # 100 VTI at $250 = $25,000 against a $15,000 basis since 2020: long-term.
    assert (vti["market_value"], vti["unrealized_gain"], vti["term"]) == (
        "25000.00",
        "10000.00",
        "long",
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_into_an_empty_firm(numbered: World, api_as: Any, fmt: str) -> None:
    api = api_as("admin")
    lots_file = api.get(
        "/api/v1/exports/lots/", {"format": fmt, "household": numbered.household.pk}
    )
    cash_file = api.get(
        "/api/v1/exports/accounts/", {"format": fmt, "household": numbered.household.pk}
    )
    fresh = FirmFactory(name="Fresh")
    admin = member(fresh, Role.ADMIN, email="admin@fresh.test")
    household = HouseholdFactory(firm=fresh, name="Smith Family")
    for old in Account.objects.filter(household=numbered.household):
        AccountFactory(
            household=household,
            name=old.name,
            account_type=old.account_type,
            account_number=old.account_number,
            cash=D(0),
        )
    for symbol in {
        lot.security.symbol for lot in Lot.objects.filter(account__household=numbered.household)
    }:
        SecurityFactory(firm=fresh, symbol=symbol)

    for kind, file in ((ImportKind.POSITIONS, lots_file), (ImportKind.CASH, cash_file)):
        report = book_import(kind=kind, user=admin, upload=file.content, today=timezone.localdate())
        assert report.written, report.errors

    def book(h: Any) -> set[tuple[Any, ...]]:
        return {
            (
                lot.account.account_number,
                lot.security.symbol,
                lot.quantity,
                lot.cost_basis,
                lot.acquired_on,
            )
            for lot in Lot.objects.filter(account__household=h)
        }

    def cash(h: Any) -> dict[str, D]:
        return {a.account_number: a.cash for a in Account.objects.filter(household=h)}

    assert book(household) == book(numbered.household)
    assert len(book(household)) >= 2
    assert (
        cash(household)
        == cash(numbered.household)
        == {"88012345": D("5000.00"), "88067890": D("1000.00")}
    )
