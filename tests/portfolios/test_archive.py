"""Financial records are archived, never deleted: from pages and the API, then restored.

The world household's figures, by hand: Joint brokerage $5,000 cash + 100 VTI at $250
+ 200 VXUS at $60 = $42,000; Ann IRA $1,000 + 300 BND at $72 = $22,600; $64,600 in all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from advisory.history import event_model
from policies.proposals.services import ProposalRequest, proposal_create
from portfolios.models import Account, Household, Lot, Person, Transaction
from tests.api.conftest import url
from tests.conftest import World
from tests.factories import PersonFactory, TransactionFactory
from tests.policies.proposals.drifted import AS_OF, make_drifted

pytestmark = pytest.mark.django_db


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _vxus_lot(world: World) -> Lot:
    return Lot.objects.get(account=_taxable(world), security=world.securities["VXUS"])


def _cleo(world: World) -> Person:
    return PersonFactory(household=world.household, first_name="Cleo", last_name="Smith")


def _deposit(world: World) -> Transaction:
    return TransactionFactory(account=_taxable(world), amount=Decimal("250.00"))


# kind -> (the row to archive, its model, the page that archives it)
ROWS: dict[str, tuple[Callable[[World], Any], type[Any], str]] = {
    "households": (lambda w: w.household, Household, "/households/{pk}/delete/"),
    "people": (_cleo, Person, "/people/{pk}/delete/"),
    "accounts": (_taxable, Account, "/accounts/{pk}/delete/"),
    "lots": (_vxus_lot, Lot, "/lots/{pk}/delete/"),
    "transactions": (_deposit, Transaction, "/transactions/{pk}/delete/"),
}


def _assert_archived_by(model: type[Any], pk: int, user: Any) -> None:
    kept = model.all_objects.get(pk=pk)  # the row is still there ...
    assert kept.archived_at is not None
    assert kept.archived_by == user
    assert not model.objects.filter(pk=pk).exists()  # ... and out of every live read


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_delete_in_the_api_archives(world: World, api_as: Any, kind: str) -> None:
    row_of, model, _ = ROWS[kind]
    row = row_of(world)
    api = api_as("owner")
    assert api.delete(url(kind, row.pk)).status_code == 204
    _assert_archived_by(model, row.pk, world.user("owner"))
    assert api.get(url(kind, row.pk)).status_code == 404
    listed = api.get(url(kind), {"page_size": 500}).json()["results"]
    assert row.pk not in {item["id"] for item in listed}
    # A second DELETE finds nothing live.
    assert api.delete(url(kind, row.pk)).status_code == 404


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_the_page_asks_then_archives(world: World, client_as: Any, kind: str) -> None:
    row_of, model, page = ROWS[kind]
    row = row_of(world)
    client = client_as("operations")
    path = page.format(pk=row.pk)
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "You are about to archive" in confirm.text
    assert "a firm admin can restore it" in confirm.text
    assert model.objects.filter(pk=row.pk).exists()  # asking changed nothing
    response = client.post(path)
    assert response.status_code == 302
    _assert_archived_by(model, row.pk, world.user("operations"))


def test_an_archived_lot_leaves_the_totals(world: World, api_as: Any, client_as: Any) -> None:
    api = api_as("owner")
    household = url("households", world.household.pk)
    assert api.get(household).json()["total_value"] == "64600.00"
    assert api.delete(url("lots", _vxus_lot(world).pk)).status_code == 204
    assert api.get(household).json()["total_value"] == "52600.00"  # less 200 x $60
    account = api.get(url("accounts", _taxable(world).pk)).json()
    assert account["market_value"] == "30000.00"  # $5,000 + 100 x $250
    page = client_as("owner").get(f"/households/{world.household.pk}/").text
    assert "VXUS" not in page
    assert "$52,600.00" in page


def test_an_archived_account_leaves_the_household_and_the_drift(world: World, api_as: Any) -> None:
    make_drifted(world)  # + 40 VTI ($10,000): $74,600 in all
    api = api_as("owner")
    ira = Account.objects.get(name="Ann IRA")
    assert api.delete(url("accounts", ira.pk)).status_code == 204
    assert api.get(url("households", world.household.pk)).json()["total_value"] == "52000.00"
    drift = api.get(f"/api/v1/households/{world.household.pk}/drift/").json()
    bonds = next(c for c in drift["classes"] if c["asset_class"] == "us_bonds")
    assert Decimal(bonds["current"]) == 0  # the IRA held the only bonds
    lots = api.get(url("lots"), {"household": world.household.pk}).json()["results"]
    assert ira.pk not in {lot["account"] for lot in lots}


def test_a_proposal_never_sells_an_archived_lot(world: World, api_as: Any) -> None:
    _, loss_lot = make_drifted(world)
    assert api_as("owner").delete(url("lots", loss_lot.pk)).status_code == 204
    proposal = proposal_create(
        household=world.household, user=world.user("owner"), request=ProposalRequest(as_of=AS_OF)
    )
    sold_lots = {part.lot_number for trade in proposal.trades.all() for part in trade.lots.all()}
    assert sold_lots  # it still sells VTI to reach 30% ...
    assert loss_lot.pk not in sold_lots  # ... but never from the archived lot


def test_an_archived_household_is_gone_for_everyone(
    world: World, api_as: Any, client_as: Any
) -> None:
    assert api_as("admin").delete(url("households", world.household.pk)).status_code == 204
    owner = api_as("owner")
    assert owner.get(url("households", world.household.pk)).status_code == 404
    assert owner.get(url("accounts"), {"household": world.household.pk}).json()["count"] == 0
    assert owner.get(url("lots"), {"household": world.household.pk}).json()["count"] == 0
    assert "Smith Family" not in client_as("owner").get("/").text
    client = client_as("client")
    assert "Smith Family" not in client.get("/portal/").text


def test_a_person_owning_accounts_is_not_archived(world: World, api_as: Any, client_as: Any):
    ann = Person.objects.get(first_name="Ann")
    response = api_as("owner").delete(url("people", ann.pk))
    assert response.status_code == 409
    assert response.json()["code"] == "owns_accounts"
    assert "owns 2 accounts" in response.json()["detail"]
    page = client_as("owner").post(f"/people/{ann.pk}/delete/", follow=True)
    assert "owns 2 accounts" in page.text
    assert Person.objects.get(pk=ann.pk).archived_at is None


def test_admins_list_and_restore_through_the_api(world: World, api_as: Any) -> None:
    lot = _vxus_lot(world)
    assert api_as("owner").delete(url("lots", lot.pk)).status_code == 204
    admin = api_as("admin")
    listed = admin.get("/api/v1/archive/", {"kind": "lots"}).json()["results"]
    assert [(item["id"], item["archived_by"]) for item in listed] == [
        (lot.pk, world.user("owner").pk)
    ]
    assert admin.get("/api/v1/archive/", {"kind": "nonsense"}).status_code == 400
    assert api_as("owner").get("/api/v1/archive/", {"kind": "lots"}).status_code == 403
    assert api_as("owner").post(f"/api/v1/archive/lots/{lot.pk}/restore/").status_code == 403
    assert api_as("foreign_advisor").get("/api/v1/archive/", {"kind": "lots"}).status_code == 403

    assert admin.post(f"/api/v1/archive/lots/{lot.pk}/restore/").status_code == 204
    assert Lot.objects.get(pk=lot.pk).archived_by is None
    total = admin.get(url("households", world.household.pk)).json()["total_value"]
    assert total == "64600.00"
    # Restored: no longer in the archive, and a second restore finds nothing.
    assert admin.get("/api/v1/archive/", {"kind": "lots"}).json()["count"] == 0
    assert admin.post(f"/api/v1/archive/lots/{lot.pk}/restore/").status_code == 404


def test_a_lot_is_restored_only_once_its_account_is(world: World, api_as: Any) -> None:
    owner, admin = api_as("owner"), api_as("admin")
    lot, account = _vxus_lot(world), _taxable(world)
    assert owner.delete(url("lots", lot.pk)).status_code == 204
    assert owner.delete(url("accounts", account.pk)).status_code == 204
    refused = admin.post(f"/api/v1/archive/lots/{lot.pk}/restore/")
    assert refused.status_code == 409
    assert "Joint brokerage" in refused.json()["detail"]
    assert admin.post(f"/api/v1/archive/accounts/{account.pk}/restore/").status_code == 204
    assert admin.post(f"/api/v1/archive/lots/{lot.pk}/restore/").status_code == 204
    assert Lot.objects.filter(account=account).count() == 2


def test_the_archive_page_lists_and_restores(world: World, client_as: Any) -> None:
    deposit = _deposit(world)
    client = client_as("admin")
    client.post(f"/transactions/{deposit.pk}/delete/")
    page = client.get("/archive/?kind=transactions")
    assert page.status_code == 200
    assert "Smith Family" in page.text
    assert f"/archive/transactions/{deposit.pk}/restore/" in page.text
    response = client.post(f"/archive/transactions/{deposit.pk}/restore/")
    assert response.status_code == 302
    assert Transaction.objects.filter(pk=deposit.pk).exists()
    assert f"/archive/transactions/{deposit.pk}/restore/" not in client.get("/archive/").text


@pytest.mark.parametrize("persona", ["owner", "operations", "client"])
def test_only_admins_see_the_archive_page(world: World, client_as: Any, persona: str) -> None:
    assert client_as(persona).get("/archive/").status_code == 403


def test_a_restore_of_another_firms_row_is_404(world: World, api_as: Any) -> None:
    foreign = Account.objects.get(name="Foreign brokerage")
    Account.objects.filter(pk=foreign.pk).update(archived_at=datetime(2026, 1, 1, tzinfo=UTC))
    response = api_as("admin").post(f"/api/v1/archive/accounts/{foreign.pk}/restore/")
    assert response.status_code == 404
    assert Account.all_objects.get(pk=foreign.pk).archived_at is not None


def test_archiving_is_in_the_audit_history(world: World, api_as: Any) -> None:
    lot = _vxus_lot(world)
    assert api_as("owner").delete(url("lots", lot.pk)).status_code == 204
    events = event_model("portfolios.Lot").objects.filter(pgh_obj_id=lot.pk).order_by("pgh_id")
    if connection.vendor != "postgresql":
        # SQLite (the demo) records no history (README); the row itself says who archived.
        assert not events.exists()
        assert Lot.all_objects.get(pk=lot.pk).archived_by == world.user("owner")
        return
    last = events.last()
    assert last is not None
    assert (last.pgh_label, last.archived_by_id) == ("update", world.user("owner").pk)
    assert last.archived_at is not None
    assert not event_model("portfolios.Lot").objects.filter(pgh_label="delete").exists()
