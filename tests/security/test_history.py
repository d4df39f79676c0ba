"""Audit history (django-pghistory): who, when, before and after, bulk updates included.

The triggers exist on PostgreSQL only (``-m postgres``, as in CI); on SQLite the
page still answers, and says that nothing is recorded there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from advisory.history import FIRM_PATHS, event_model
from portfolios.models import Account, Lot
from tests.conftest import World

pytestmark = pytest.mark.django_db

TRACKED = {
    "portfolios.Household",
    "portfolios.Person",
    "portfolios.Account",
    "portfolios.Lot",
    "portfolios.Transaction",
    "policies.InvestmentPolicy",
    "policies.PolicyTarget",
    "policies.Proposal",
    "policies.ImplementationPlan",
}


def test_the_book_and_the_policies_are_tracked() -> None:
    assert set(FIRM_PATHS) >= TRACKED


def test_only_firm_admins_see_the_history(world: World, client_as: Any) -> None:
    assert client_as("owner").get("/firm/history/").status_code == 403


def test_the_history_page_renders_for_an_admin(world: World, client_as: Any) -> None:
    page = client_as("admin").get("/firm/history/?model=portfolios.Lot")
    assert page.status_code == 200
    if connection.vendor != "postgresql":
        assert b"nothing is recorded here" in page.content


@pytest.mark.postgres
def test_an_api_change_and_a_bulk_update_are_recorded_with_before_and_after(
    world: World, api_as: Any, client_as: Any
) -> None:
    lot = Lot.objects.filter(account__household=world.household).order_by("pk").first()
    assert lot is not None
    response = api_as("owner").patch(
        f"/api/v1/lots/{lot.pk}/", {"quantity": "101", "version": lot.version}
    )
    assert response.status_code == 200
    Account.objects.filter(household=world.household).update(cash=Decimal("42.00"))
    if connection.vendor != "postgresql":
        # SQLite (the demo): no triggers, so nothing is recorded (README says so).
        assert not event_model("portfolios.Lot").objects.exists()
        return
    lot_events = event_model("portfolios.Lot").objects.filter(pgh_obj_id=lot.pk)
    assert [e.pgh_label for e in lot_events.order_by("pgh_id")][-1] == "update"
    last = lot_events.order_by("-pgh_id").first()
    assert last.quantity == Decimal("101")
    assert last.pgh_context.metadata["user"] == world.users["owner"].pk  # who
    assert last.pgh_context.metadata["url"] == f"/api/v1/lots/{lot.pk}/"
    accounts = event_model("portfolios.Account").objects.filter(
        pgh_label="update", household_id=world.household.pk
    )
    assert accounts.count() == world.household.accounts.count()
    page = client_as("admin").get(f"/firm/history/?model=portfolios.Lot&object={lot.pk}")
    assert b"quantity" in page.content
    assert b"101" in page.content
    assert world.users["owner"].display_name.encode() in page.content
    # Another firm's admin sees none of it.
    foreign = event_model("portfolios.Lot").objects.filter(
        account__household__firm=world.other_firm
    )
    assert not foreign.filter(pgh_obj_id=lot.pk).exists()


@pytest.mark.postgres
def test_an_import_off_the_web_is_recorded_with_who_ran_it(world: World) -> None:
    # An import on a worker has no request: bulk_history gives its rows a context of their
    # own (and sets the trigger settings, so no row's trigger raises and rolls back).
    from portfolios.imports.kinds import ImportKind
    from portfolios.imports.services import book_import

    account = Account.objects.get(household=world.household, name="Joint brokerage")
    data = (
        "account,symbol,quantity,cost_basis,acquired_on\n"
        f"{account.pk},VTI,3,300.00,2024-05-01\n"
        f"{account.pk},BND,4,280.00,2024-05-02\n"
    ).encode()
    operations = world.users["operations"]
    report = book_import(kind=ImportKind.LOTS, user=operations, upload=data)
    assert report.written
    new = Lot.objects.filter(account=account, acquired_on__in=["2024-05-01", "2024-05-02"])
    events = event_model("portfolios.Lot").objects.filter(pgh_obj_id__in=new.values("pk"))
    if connection.vendor != "postgresql":
        assert not events.exists()
        return
    assert events.filter(pgh_label="insert").count() == 2  # the triggers still ran
    assert {
        (e.pgh_context.metadata["user"], e.pgh_context.metadata["import_kind"]) for e in events
    } == {(operations.pk, "lots")}
