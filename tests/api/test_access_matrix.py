"""Every endpoint x every persona: who lists, reads, creates, changes and deletes what.

Expected answers are derived from the personas' roles, not from the access module:
an outsider gets 404 for a row (never 403), a reader who writes gets 403, a creating
POST naming a parent the caller cannot see is a 400 on that field, anonymous is 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model

from portfolios.models import (
    Account,
    AssetClass,
    Household,
    Lot,
    Person,
    Restriction,
    Security,
    Transaction,
)
from tests.api.conftest import url
from tests.conftest import CAN_EDIT_BOOK, CAN_VIEW, PERSONAS, World
from tests.factories import PersonFactory, TransactionFactory

pytestmark = pytest.mark.django_db

# Independent of portfolios.access: which households each persona sees, by name.
VISIBLE_HOUSEHOLDS = {
    "owner": {"Smith Family"},
    "teammate": {"Smith Family"},
    "other_advisor": {"Jones Family"},
    "foreign_advisor": {"Foreign Family"},
    "admin": {"Smith Family", "Jones Family"},
    "operations": {"Smith Family", "Jones Family"},
    "client": {"Smith Family"},
    "other_client": {"Jones Family"},
    "anonymous": set(),
}
FIRM_MEMBERS = {
    "owner",
    "teammate",
    "other_advisor",
    "admin",
    "operations",
    "client",
    "other_client",
}
STAFF = {"owner", "teammate", "other_advisor", "foreign_advisor", "admin", "operations"}


@dataclass(frozen=True)
class Endpoint:
    resource: str
    model: type[Model]
    row: Callable[[World], Model]
    post_body: Callable[[World], dict[str, Any]]
    patch_body: dict[str, Any]
    # Book rows: the household a row belongs to. Firm-level rows: None.
    household_of: Callable[[Any], int] | None
    parent_field: str | None = None
    creators: frozenset[str] = frozenset(CAN_EDIT_BOOK)
    editors: frozenset[str] = frozenset(CAN_EDIT_BOOK)
    methods: frozenset[str] = field(default=frozenset({"patch", "delete"}))

    def __str__(self) -> str:
        return self.resource


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _person_without_accounts(world: World) -> Person:
    # Ann owns accounts, and a person owning accounts is not archived (409): use Cleo.
    row, _ = Person.objects.get_or_create(
        household=world.household, first_name="Cleo", defaults={"last_name": "Smith"}
    )
    return row


def _restriction(world: World) -> Restriction:
    row, _ = Restriction.objects.get_or_create(
        household=world.household,
        security=world.securities["VTI"],
        kind="do_not_trade",
        defaults={"reason": "Concentrated position"},
    )
    return row


ENDPOINTS = (
    Endpoint(
        "asset-classes",
        AssetClass,
        row=lambda w: w.classes["us_equity"],
        post_body=lambda w: {
            "code": "reits",
            "name": "REITs",
            "expected_return": "0.065",
            "volatility": "0.2",
            "income_yield": "0.04",
            "qualified_ratio": "0.1",
            "turnover": "0.05",
            "tax_exempt": False,
        },
        patch_body={"name": "US stocks"},
        household_of=None,
        creators=frozenset({"admin"}),
        editors=frozenset({"admin"}),
        methods=frozenset({"patch"}),
    ),
    Endpoint(
        "securities",
        Security,
        row=lambda w: w.securities["VTI"],
        post_body=lambda w: {
            "symbol": "SCHB",
            "name": "Schwab US Broad Market",
            "asset_class": "us_equity",
            "price": "61.25",
        },
        patch_body={"price": "251.50"},
        household_of=None,
        creators=frozenset({"admin", "operations"}),
        editors=frozenset({"admin", "operations"}),
        methods=frozenset({"patch"}),
    ),
    Endpoint(
        "households",
        Household,
        row=lambda w: w.household,
        post_body=lambda w: {"name": "Brand New Family", "t_ord": "0.32"},
        patch_body={"t_ord": "0.32"},
        household_of=lambda h: h.pk,
        creators=frozenset(STAFF),
    ),
    Endpoint(
        "people",
        Person,
        row=lambda w: _person_without_accounts(w),
        post_body=lambda w: {
            "household": w.household.pk,
            "first_name": "Bob",
            "last_name": "Smith",
        },
        patch_body={"first_name": "Anne"},
        household_of=lambda p: p.household_id,
        parent_field="household",
    ),
    Endpoint(
        "accounts",
        Account,
        row=_taxable,
        post_body=lambda w: {
            "household": w.household.pk,
            "name": "Roth",
            "account_type": "roth_ira",
            "owner": Person.objects.get(household=w.household, first_name="Ann").pk,
        },
        patch_body={"custodian": "Fidelity"},
        household_of=lambda a: a.household_id,
        parent_field="household",
    ),
    Endpoint(
        "lots",
        Lot,
        row=lambda w: Lot.objects.get(account=_taxable(w), security=w.securities["VTI"]),
        post_body=lambda w: {
            "account": _taxable(w).pk,
            "security": w.securities["ITOT"].pk,
            "quantity": "5",
            "cost_basis": "550",
            "acquired_on": "2025-01-02",
        },
        patch_body={"quantity": "90"},
        household_of=lambda lot: lot.account.household_id,
        parent_field="account",
    ),
    Endpoint(
        "transactions",
        Transaction,
        row=lambda w: Transaction.objects.get(account=_taxable(w)),
        post_body=lambda w: {
            "account": _taxable(w).pk,
            "security": None,
            "kind": "deposit",
            "trade_date": "2026-01-05",
            "amount": "100.00",
        },
        patch_body={"amount": "1.00"},
        household_of=lambda t: t.account.household_id,
        parent_field="account",
        methods=frozenset({"delete"}),  # records: never changed; DELETE archives
    ),
    Endpoint(
        "restrictions",
        Restriction,
        row=_restriction,
        post_body=lambda w: {
            "household": w.household.pk,
            "security": w.securities["BND"].pk,
            "kind": "do_not_buy",
            "reason": "Client asked",
        },
        patch_body={},
        household_of=lambda r: r.household_id,
        parent_field="household",
        methods=frozenset({"delete"}),
    ),
)


def _add_rows_everywhere(world: World) -> None:
    """A person and a transaction in every household, so lists have rows to leak."""
    for household in (world.household, world.other_household, world.foreign_household):
        if household == world.household:
            account = _taxable(world)
        else:
            account = household.accounts.get()
            PersonFactory(household=household)
        TransactionFactory(account=account, amount=Decimal("250.00"), trade_date=date(2026, 3, 1))
        Restriction.objects.create(
            household=household, account=account, kind="do_not_trade", reason="Under review"
        )


def _expected_ids(endpoint: Endpoint, world: World, persona: str) -> set[int]:
    rows = endpoint.model._default_manager.all()
    if endpoint.household_of is None:
        user = world.user(persona)
        firm = world.other_firm if persona == "foreign_advisor" else world.firm
        return {row.pk for row in rows.filter(firm=firm)} if user else set()
    names = VISIBLE_HOUSEHOLDS[persona]
    visible = set(Household.objects.filter(name__in=names).values_list("pk", flat=True))
    return {row.pk for row in rows if endpoint.household_of(row) in visible}


def _readers(endpoint: Endpoint) -> set[str]:
    return FIRM_MEMBERS if endpoint.household_of is None else CAN_VIEW


def _expected_write(endpoint: Endpoint, persona: str, allowed: frozenset[str]) -> int:
    if persona in allowed:
        return 200
    return 403 if persona in _readers(endpoint) else 404


def _expected_create(endpoint: Endpoint, persona: str) -> int:
    if persona in endpoint.creators:
        return 201
    if endpoint.parent_field and persona in STAFF:
        return 400  # the parent is out of their reach: "does not exist"
    return 403


def _snapshot(row: Model) -> dict[str, Any]:
    return type(row)._base_manager.filter(pk=row.pk).values().get()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_access_matrix(world: World, api_as: Any, persona: str, endpoint: Endpoint) -> None:
    _add_rows_everywhere(world)
    api = api_as(persona)
    row = endpoint.row(world)
    detail = url(endpoint.resource, row.pk)
    if persona == "anonymous":
        _assert_anonymous_is_refused(api, endpoint, world, detail)
        return

    # Lists: exactly the rows of the households (or firm) the persona may see.
    listed = api.get(url(endpoint.resource), {"page_size": 500})
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json()["results"]} == _expected_ids(
        endpoint, world, persona
    )

    # Reads of one row.
    expected_read = 200 if persona in _readers(endpoint) else 404
    assert api.get(detail).status_code == expected_read

    _check_create(api, endpoint, world, persona)
    _check_patch(api, endpoint, persona, row, detail)
    _check_delete(api, endpoint, persona, row, detail)


def _check_create(api: Any, endpoint: Endpoint, world: World, persona: str) -> None:
    before = endpoint.model._default_manager.count()
    response = api.post(url(endpoint.resource), endpoint.post_body(world))
    expected = _expected_create(endpoint, persona)
    assert response.status_code == expected, response.content
    if expected == 400:
        assert "does not exist" in str(response.json()[endpoint.parent_field])
    assert endpoint.model._default_manager.count() == before + (1 if expected == 201 else 0)


def _check_patch(api: Any, endpoint: Endpoint, persona: str, row: Model, detail: str) -> None:
    before = _snapshot(row)
    body = dict(endpoint.patch_body)
    if "version" in before:  # a financial record: the edit names the version it read
        body["version"] = before["version"]
    response = api.patch(detail, body)
    if "patch" not in endpoint.methods:
        assert response.status_code == 405
    else:
        assert response.status_code == _expected_write(endpoint, persona, endpoint.editors)
    if response.status_code != 200:
        assert _snapshot(row) == before


def _check_delete(api: Any, endpoint: Endpoint, persona: str, row: Model, detail: str) -> None:
    response = api.delete(detail)
    rows = endpoint.model._default_manager.filter(pk=row.pk)
    if "delete" not in endpoint.methods:
        assert response.status_code == 405
        assert rows.exists()
        return
    expected = _expected_write(endpoint, persona, endpoint.editors)
    assert response.status_code == (204 if expected == 200 else expected)
    assert rows.exists() == (expected != 200)
    if hasattr(row, "archived_at"):  # a financial record: archived, never deleted
        assert type(row)._base_manager.filter(pk=row.pk).exists()


def _assert_anonymous_is_refused(api: Any, endpoint: Endpoint, world: World, detail: str) -> None:
    before = endpoint.model._default_manager.count()
    assert api.get(url(endpoint.resource)).status_code == 401
    assert api.get(detail).status_code == 401
    assert api.post(url(endpoint.resource), endpoint.post_body(world)).status_code == 401
    assert api.patch(detail, endpoint.patch_body).status_code == 401
    assert api.delete(detail).status_code == 401
    assert endpoint.model._default_manager.count() == before


@pytest.mark.parametrize("persona", ["owner", "admin", "foreign_advisor"])
def test_foreign_firm_rows_answer_404_even_to_admins(
    world: World, api_as: Any, persona: str
) -> None:
    foreign_account = world.foreign_household.accounts.get()
    foreign_lot = foreign_account.lots.get()
    api = api_as(persona)
    expected = 200 if persona == "foreign_advisor" else 404
    for resource, pk in (
        ("households", world.foreign_household.pk),
        ("accounts", foreign_account.pk),
        ("lots", foreign_lot.pk),
        ("securities", foreign_lot.security_id),
        ("asset-classes", foreign_lot.security.asset_class_id),
    ):
        assert api.get(url(resource, pk)).status_code == expected, resource


def test_price_history_follows_security_visibility(world: World, api_as: Any) -> None:
    foreign_security = world.foreign_household.accounts.get().lots.get().security
    prices = f"{url('securities', foreign_security.pk)}prices/"
    assert api_as("admin").get(prices).status_code == 404
    assert api_as("foreign_advisor").get(prices).status_code == 200
    assert (
        api_as("client").get(f"{url('securities', world.securities['VTI'].pk)}prices/").status_code
        == 200
    )
    assert api_as("anonymous").get(prices).status_code == 401
