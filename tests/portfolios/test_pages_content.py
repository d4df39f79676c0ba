"""What the pages show: values formatted as money, charts, flags, search and pagination."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from portfolios import dashboard
from portfolios.dashboard import Flag, register_flag_provider
from portfolios.models import Account, Household, Lot
from tests.conftest import World
from tests.factories import AccountFactory, HouseholdFactory, LotFactory, SecurityFactory

pytestmark = pytest.mark.django_db


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a class="strong" href="/households/\d+/">([^<]+)</a>', body)


def test_dashboard_shows_value_allocation_and_flags(world: World, client_as: Any) -> None:
    html = client_as("admin").get("/").text
    # Smith: 64,600 (see test_snapshots); Jones: the factory's 10 VTI x 250 + 1,000 cash.
    assert 'title="$64,600.00">$64.6K<' in html
    assert 'title="$3,500.00">$3.5K<' in html
    assert "$68,100.00</span> under advice" in html
    assert '<svg class="minibar"' in html
    assert (
        "Smith Family: US equity 38.7%, International equity 18.6%, US bonds 33.4%, Cash 9.3%"
    ) in html
    # Jones keeps 1,000 of 3,500 in cash with no reserve: 28.6% idle.
    assert "Idle cash 28.6%" in html


def test_dashboard_flags_unassigned_households(world: World, client_as: Any) -> None:
    HouseholdFactory(firm=world.firm, name="Orphans", primary_advisor=None)
    html = client_as("admin").get("/?q=orphans").text
    assert "No primary advisor" in html
    assert "No accounts" in html


def test_dashboard_flags_harvestable_losses(world: World, client_as: Any) -> None:
    account = Account.objects.get(name="Joint brokerage")
    # 100 VXUS at 60 bought for 8,000: a 2,000 loss in a taxable account,
    # over both the $1,000 floor and 0.5% of the household (about $370).
    LotFactory(
        account=account,
        security=world.securities["VXUS"],
        quantity=Decimal("100"),
        cost_basis=Decimal("8000"),
        acquired_on=date(2025, 1, 2),
    )
    # VXUS's class has no other substitute group to buy: a harvest could realise nothing,
    # so the dashboard promises nothing.
    assert "Losses to harvest" not in client_as("owner").get("/").text
    # With a substitute (another group of the class) the harvest realises both lots.
    SecurityFactory(
        firm=world.firm,
        symbol="IXUS",
        asset_class=world.classes["intl_equity"],
        substitute_group="msci_acwi_ex_us",
        price=Decimal("60"),
    )
    html = client_as("owner").get("/").text
    assert "Losses to harvest $3.0K" in html  # with the existing 1,000 VXUS loss
    assert "A harvest proposal would realise $3,000.00 of losses today." in html


def test_dashboard_losses_leave_out_lots_a_recent_purchase_blocks(
    world: World, client_as: Any
) -> None:
    # given: a $2,000 VXUS loss lot, a substitute to buy, and VXUS bought 12 days ago in
    # the Roth, recorded only as a lot: selling VXUS at a loss now would be a wash sale
    SecurityFactory(
        firm=world.firm,
        symbol="IXUS",
        asset_class=world.classes["intl_equity"],
        substitute_group="msci_acwi_ex_us",
        price=Decimal("60"),
    )
    LotFactory(
        account=Account.objects.get(name="Joint brokerage"),
        security=world.securities["VXUS"],
        quantity=Decimal("100"),
        cost_basis=Decimal("8000"),
        acquired_on=date(2025, 1, 2),
    )
    roth = AccountFactory(
        household=world.household,
        name="Roth",
        account_type="roth_ira",
        owner=world.household.people.first(),
    )
    LotFactory(
        account=roth,
        security=world.securities["VXUS"],
        quantity=Decimal("1"),
        cost_basis=Decimal("60"),
        acquired_on=timezone.localdate() - timedelta(days=12),
    )
    # then: no loss a harvest could not realise is shown
    assert "Losses to harvest" not in client_as("owner").get("/").text


@pytest.fixture
def extra_flags() -> Iterator[None]:
    def provider(households: Any, as_of: date) -> dict[int, list[Flag]]:
        return {h.pk: [Flag("alert", "Out of band")] for h in households if "Smith" in h.name}

    register_flag_provider(provider)
    yield
    dashboard._flag_providers.remove(provider)


@pytest.mark.usefixtures("extra_flags")
def test_other_apps_add_flags_through_the_registry(world: World, client_as: Any) -> None:
    html = client_as("owner").get("/").text
    assert '<span class="flag flag-alert">Out of band</span>' in html


def test_search_finds_households_by_name_or_person(world: World, client_as: Any) -> None:
    client = client_as("admin")
    assert rows_of(client.get("/?q=jones").text) == ["Jones Family"]
    assert rows_of(client.get("/?q=ann").text) == ["Smith Family"]  # Ann Smith lives there
    empty = client.get("/?q=nobody").text
    assert "No household matches “nobody”." in empty


def test_search_through_htmx_returns_only_the_table(world: World, client_as: Any) -> None:
    response = client_as("admin").get("/?q=smith", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert rows_of(response.text) == ["Smith Family"]
    assert "HX-Request" in response["Vary"]


def test_dashboard_is_paginated_and_sortable(world: World, client_as: Any) -> None:
    for n in range(30):
        household = HouseholdFactory(firm=world.firm, name=f"Family {n:02d}")
        AccountFactory(household=household, cash=Decimal(1000 + n))
    client = client_as("admin")
    first = client.get("/").text
    assert len(rows_of(first)) == 25
    assert "Page 1 of 2" in first
    second = client.get("/?page=2").text
    assert len(rows_of(second)) == 32 - 25
    richest = rows_of(client.get("/?sort=-value").text)
    assert richest[:2] == ["Smith Family", "Jones Family"]
    assert rows_of(client.get("/?page=999").text) == rows_of(second)  # last page, not a 404


def test_household_page_shows_the_summary(world: World, client_as: Any) -> None:
    html = client_as("owner").get(f"/households/{world.household.pk}/").text
    assert "$64,600.00" in html
    assert "$6,000.00" in html
    # Unrealised: short-term -1,000 (VXUS), long-term +8,600 (VTI +10,000, BND -1,400),
    # each with a sign and a class, so colour is never the only cue.
    assert '<p class="stat-value num loss">-$1,000.00</p>' in html
    assert '<p class="stat-value num gain">+$8,600.00</p>' in html
    # The donut: a titled SVG, one path per class, and the table that says the same.
    assert '<svg class="donut" viewBox="0 0 100 100" role="img"' in html
    assert html.count('<path d="M') == 4
    # Described for screen readers: the total, then each class, largest first.
    assert '<title id="donut-household-allocation-title">Household allocation</title>' in html
    assert (
        '<desc id="donut-household-allocation-desc">$64,600.00 in all: US equity 38.7% '
        "($25,000.00), US bonds 33.4% ($21,600.00), International equity 18.6% ($12,000.00), "
        "Cash 9.3% ($6,000.00).</desc>"
    ) in html
    assert '<caption class="visually-hidden">Household allocation by asset class</caption>' in html
    # Per-account bars, linked to the accounts.
    assert html.count('<svg class="bar"') == 2
    assert f'href="/accounts/{Account.objects.get(name="Ann IRA").pk}/"' in html
    # The policies app fills this in through htmx.
    assert f'hx-get="/households/{world.household.pk}/panels/"' in html
    assert 'id="policy-panels"' in html
    assert "Edit household" in html


def test_client_sees_no_edit_links(world: World, client_as: Any) -> None:
    client = client_as("client")
    for url in ("/portal/", f"/households/{world.household.pk}/"):
        html = client.get(url).text
        assert "$64,600.00" in html
        assert "/edit/" not in html
        assert "/new/" not in html


def test_account_page_lists_lots_with_terms(world: World, client_as: Any) -> None:
    account = Account.objects.get(name="Joint brokerage")
    html = client_as("teammate").get(f"/accounts/{account.pk}/").text
    assert "$42,000.00" in html  # 25,000 + 12,000 + 5,000 cash
    assert '<span class="tag tag-long">Long</span>' in html
    assert '<span class="tag tag-short">Short</span>' in html
    # VXUS bought 2026-06-01 turns long-term on 2027-06-02.
    assert "long on Jun 2, 2027" in html
    assert "$150.00" in html  # VTI unit cost: 15,000 / 100


def test_lot_page(world: World, client_as: Any) -> None:
    lot = Lot.objects.get(security=world.securities["VTI"], account__household=world.household)
    html = client_as("operations").get(f"/lots/{lot.pk}/").text
    assert "$25,000.00" in html
    assert "+$10,000.00" in html
    assert "+66.7% on cost" in html  # 10,000 / 15,000
    assert "Long-term" in html


def test_archiving_an_account_asks_first_then_hides_it(world: World, client_as: Any) -> None:
    account = Account.objects.get(name="Joint brokerage")
    client = client_as("owner")
    confirm = client.get(f"/accounts/{account.pk}/delete/").text
    assert "Its 2 lots and 0 transactions leave with it" in confirm
    assert Account.objects.filter(pk=account.pk).exists()
    response = client.post(f"/accounts/{account.pk}/delete/")
    assert response["Location"] == f"/households/{world.household.pk}/"
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not Lot.objects.filter(account_id=account.pk).exists()
    # Kept, with its lots: archived, not deleted.
    assert Account.all_objects.get(pk=account.pk).archived_by == world.user("owner")
    assert Lot.all_objects.filter(account_id=account.pk).count() == 2


def test_household_page_of_an_empty_household(world: World, client_as: Any) -> None:
    household = Household.objects.create(
        firm=world.firm, name="Empty Nest", primary_advisor=world.user("owner")
    )
    html = client_as("owner").get(f"/households/{household.pk}/").text
    assert "No holdings yet." in html
    assert "No accounts yet." in html
