"""The demo data: what ``seed_demo`` writes, that it is idempotent, and its price model.

The full default demo (24 households a firm, six years of prices) is written
once for this module and rolled back at the end; each test runs inside it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import models, transaction
from django.test import override_settings

from advisory.engine.lots import is_long_term
from advisory.models import Firm, Membership, Role, User
from policies.modelportfolios.models import ModelPortfolio
from policies.modelportfolios.selectors import model_change_drafts
from policies.models import DriftSnapshot, InvestmentPolicy, PolicyStatus
from policies.proposals.models import Proposal, ProposalStatus
from portfolios.access import households_for
from portfolios.demo import DEMO_FIRMS, DEMO_PASSWORD, SeedReport, seed_demo
from portfolios.demo.market import (
    OWN_NOISE,
    TRADING_DAYS_PER_YEAR,
)
from portfolios.models import (
    Account,
    AccountType,
    AssetClass,
    ClientLink,
    Household,
    Lot,
    Person,
    PricePoint,
    Security,
    Transaction,
    TransactionKind,
)

AS_OF = date(2026, 11, 25)  # a Wednesday
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
FIRM_NAMES = ("Harbor Point Advisors", "Summit Ridge Wealth")
SNAPSHOT_MODELS: tuple[type[models.Model], ...] = (
    Firm,
    User,
    Membership,
    ClientLink,
    AssetClass,
    Security,
    PricePoint,
    Household,
    Household.team_members.through,
    Person,
    Account,
    Account.allowed_asset_classes.through,
    Lot,
    Transaction,
)


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SeedReport]:
    """The default demo, written once for the module and rolled back after it."""
    # The suite's fast hasher (conftest) is function-scoped; this fixture runs before it.
    fast_hashing = override_settings(PASSWORD_HASHERS=[FAST_HASHER])
    with django_db_blocker.unblock(), transaction.atomic():
        with fast_hashing:
            report = seed_demo(AS_OF)
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo: SeedReport, db: Any) -> SeedReport:
    return demo


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every demo model, every field."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in SNAPSHOT_MODELS
    }


def firm(name: str) -> Firm:
    return Firm.objects.get(name=name)


# --- idempotency -------------------------------------------------------------------------


def test_a_second_run_changes_nothing(seeded: SeedReport) -> None:
    before = snapshot()

    report = seed_demo(AS_OF)

    assert report.created == ()
    assert report.existing == FIRM_NAMES
    assert snapshot() == before
    assert report.counts == seeded.counts


def test_a_later_run_with_another_date_changes_nothing_either(seeded: SeedReport) -> None:
    before = snapshot()

    seed_demo(AS_OF + timedelta(days=40), households_per_firm=30, years=3)

    assert snapshot() == before


def test_the_first_run_created_both_firms(seeded: SeedReport) -> None:
    assert seeded.created == FIRM_NAMES
    assert seeded.existing == ()
    assert seeded.counts["Household"] == 48


# --- firms, users and logins -----------------------------------------------------------------


@pytest.mark.parametrize("name", FIRM_NAMES)
def test_each_firm_has_its_staff(seeded: SeedReport, name: str) -> None:
    roles = sorted(Membership.objects.filter(firm__name=name).values_list("role", flat=True))
    assert roles.count(Role.ADMIN) == 1
    assert roles.count(Role.ADVISOR) == 2
    assert roles.count(Role.OPERATIONS) == 1
    assert roles.count(Role.CLIENT) == 3


def test_the_logins_use_the_published_addresses_and_password(seeded: SeedReport) -> None:
    emails = {login.email for login in seeded.logins}
    for domain in ("harborpoint.example", "summitridge.example"):
        for local in ("admin", "advisor1", "advisor2", "ops", "client1", "client2", "client3"):
            assert f"{local}@{domain}" in emails
    assert len(seeded.logins) == 14
    assert seeded.password == DEMO_PASSWORD == "demo-advisory-2026"
    for user in User.objects.filter(email__in=emails):
        assert user.check_password(DEMO_PASSWORD)
        assert user.first_name
        assert user.is_active
        assert not user.is_staff
        assert not user.is_superuser


def test_each_client_login_sees_exactly_its_household(seeded: SeedReport) -> None:
    clients = [login for login in seeded.logins if login.role == Role.CLIENT.label]
    assert len(clients) == 6
    for login in clients:
        user = User.objects.get(email=login.email)
        link = ClientLink.objects.get(user=user)
        assert link.household.name == login.household
        assert link.household.firm.name == login.firm == user.membership.firm.name
        assert list(households_for(user)) == [link.household]
        # The client is named after the household's first person.
        assert link.household.people.filter(first_name=user.first_name).exists()


def test_staff_logins_have_no_household(seeded: SeedReport) -> None:
    staff = [login for login in seeded.logins if login.role != Role.CLIENT.label]
    assert len(staff) == 8
    assert all(login.household == "" for login in staff)


# --- households and people -------------------------------------------------------------------


@pytest.mark.parametrize("name", FIRM_NAMES)
def test_each_firm_has_24_households_shared_by_its_two_advisors(
    seeded: SeedReport, name: str
) -> None:
    households = Household.objects.filter(firm__name=name)
    advisors = set(User.objects.filter(membership__firm__name=name, membership__role=Role.ADVISOR))
    assert households.count() == 24
    assert len(set(households.values_list("name", flat=True))) == 24
    primaries = [household.primary_advisor for household in households]
    assert set(primaries) == advisors
    assert min(primaries.count(advisor) for advisor in advisors) >= 10
    with_team = [household for household in households if household.team_members.exists()]
    assert len(with_team) >= 5
    for household in with_team:
        assert set(household.team_members.all()) == advisors - {household.primary_advisor}


def test_people_are_adults_born_1950_to_1995_and_some_take_rmds(seeded: SeedReport) -> None:
    births = list(Person.objects.values_list("date_of_birth", flat=True))
    assert all(date(1950, 1, 1) <= born <= date(1995, 12, 31) for born in births if born)
    assert None not in births
    rmd_age = [born for born in births if born and AS_OF.year - born.year >= 73]
    assert len(rmd_age) >= 4
    couples = Household.objects.annotate(n=models.Count("people")).filter(n=2).count()
    assert 10 <= couples <= 38


def test_tax_profiles_are_plausible(seeded: SeedReport) -> None:
    for household in Household.objects.all():
        assert Decimal("0.10") <= household.t_ord <= Decimal("0.55")
        assert Decimal("0") <= household.t_ltcg < household.t_ord
        assert Decimal("0.10") <= household.t_ret <= household.t_ord
    assert Household.objects.filter(carryforward_lt__gt=0).count() >= 4
    assert Household.objects.exclude(realized_lt_ytd=0).exists()
    statuses = set(Household.objects.values_list("filing_status", flat=True))
    assert {"married_joint", "single"} <= statuses


def test_household_sizes_range_from_about_150k_to_about_5m(seeded: SeedReport) -> None:
    values = [household_value(household) for household in Household.objects.all()]
    assert Decimal("100000") <= min(values) <= Decimal("400000")
    assert Decimal("2500000") <= max(values) <= Decimal("6000000")


def household_value(household: Household) -> Decimal:
    lots = Lot.objects.filter(account__household=household).select_related("security")
    held = sum((lot.quantity * lot.security.price for lot in lots), Decimal("0"))
    cash = Account.objects.filter(household=household).aggregate(cash=models.Sum("cash"))
    return held + (cash["cash"] or Decimal("0"))


# --- accounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIRM_NAMES)
def test_every_firm_has_all_six_account_types(seeded: SeedReport, name: str) -> None:
    types = set(
        Account.objects.filter(household__firm__name=name).values_list("account_type", flat=True)
    )
    assert types == set(AccountType.values)


def test_many_households_mix_taxable_traditional_and_roth(seeded: SeedReport) -> None:
    mixed = 0
    for household in Household.objects.prefetch_related("accounts"):
        types = {account.account_type for account in household.accounts.all()}
        assert len(types) >= 3
        if {"taxable", "traditional_ira", "roth_ira"} <= types:
            mixed += 1
    assert mixed >= 12


def test_401k_plans_have_a_limited_menu(seeded: SeedReport) -> None:
    plans = Account.objects.filter(account_type__in=["traditional_401k", "roth_401k"])
    assert plans.exists()
    for account in plans:
        menu = set(account.allowed_asset_classes.values_list("code", flat=True))
        assert {"us_equity", "intl_equity", "us_bonds", "cash"} <= menu
        assert menu <= {"us_equity", "intl_equity", "us_bonds", "cash", "real_estate"}
        held = set(account.lots.values_list("security__asset_class__code", flat=True))
        assert held <= menu
    others = Account.objects.exclude(account_type__in=["traditional_401k", "roth_401k"])
    assert not others.filter(allowed_asset_classes__isnull=False).exists()


def test_accounts_have_custodians_numbers_and_cash(seeded: SeedReport) -> None:
    accounts = list(Account.objects.all())
    assert all(account.custodian for account in accounts)
    assert all(len(account.number_last4) == 4 for account in accounts)
    custodians = {account.custodian for account in accounts}
    assert {"Schwab", "Fidelity", "Pershing"} <= custodians
    assert all(account.cash > 0 for account in accounts)
    assert sum(1 for account in accounts if account.cash_reserve > 0) >= 10
    assert all(account.cash_reserve <= account.cash for account in accounts)


def test_municipal_bonds_are_only_held_in_taxable_accounts(seeded: SeedReport) -> None:
    munis = Lot.objects.filter(security__asset_class__code="muni_bonds")
    assert munis.exists()
    assert set(munis.values_list("account__account_type", flat=True)) == {"taxable"}


# --- securities and prices ---------------------------------------------------------------------


@pytest.mark.parametrize("name", FIRM_NAMES)
def test_each_class_has_several_securities_in_at_least_two_groups(
    seeded: SeedReport, name: str
) -> None:
    classes = AssetClass.objects.filter(firm__name=name)
    assert {c.code for c in classes} >= {"crypto_large", "crypto_balanced", "crypto_growth"}
    assert classes.count() == 10
    for asset_class in classes:
        securities = list(asset_class.securities.all())
        assert 2 <= len(securities) <= 4
        assert len({s.substitute_group for s in securities}) >= 2


def test_some_funds_are_substantially_identical(seeded: SeedReport) -> None:
    harbor = firm(FIRM_NAMES[0])
    groups = {s.symbol: s.substitute_group for s in Security.objects.filter(firm=harbor)}
    assert groups["VOO"] == groups["IVV"] == "sp500"
    assert groups["VTI"] != groups["SCHB"]
    assert groups["MUB"] == groups["VTEB"]


def test_prices_cover_at_least_three_years_of_weekdays_up_to_as_of(seeded: SeedReport) -> None:
    for security in Security.objects.all():
        dates = list(security.prices.order_by("date").values_list("date", flat=True))
        assert dates[-1] == AS_OF == security.price_date
        assert dates[0] <= AS_OF - timedelta(days=3 * 365)
        assert len(dates) >= 3 * 250
        assert all(day.weekday() < 5 for day in dates)
        assert security.prices.get(date=AS_OF).close == security.price > 0


def test_crypto_funds_are_marked_fictional(seeded: SeedReport) -> None:
    crypto = Security.objects.filter(asset_class__code__startswith="crypto")
    assert crypto.count() == 12
    assert all("(fictional)" in security.name for security in crypto)


def test_both_firms_see_the_same_market(seeded: SeedReport) -> None:
    closes = {
        name: list(
            PricePoint.objects.filter(security__firm__name=name, security__symbol="VTI")
            .order_by("date")
            .values_list("close", flat=True)
        )
        for name in FIRM_NAMES
    }
    assert closes[FIRM_NAMES[0]] == closes[FIRM_NAMES[1]]


def stored_log_returns(symbol: str) -> np.ndarray:
    closes = (
        PricePoint.objects.filter(security__firm__name=FIRM_NAMES[0], security__symbol=symbol)
        .order_by("date")
        .values_list("close", flat=True)
    )
    return np.diff(np.log(np.array([float(close) for close in closes])))


def test_stored_prices_move_like_their_classes(seeded: SeedReport) -> None:
    vti, vxus, bnd = (stored_log_returns(symbol) for symbol in ("VTI", "VXUS", "BND"))
    assert np.corrcoef(vti, vxus)[0, 1] > 0.5
    assert np.corrcoef(vti, bnd)[0, 1] < 0.5
    # VTI: class sigma 0.16, group tracking 0.010 and own noise 0.002, independent.
    expected = math.sqrt(0.16**2 + 0.010**2 + OWN_NOISE**2)
    tolerance = 4 / math.sqrt(2 * (len(vti) - 1))  # 4 standard errors of a sample std
    assert abs(vti.std(ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR) / expected - 1) < tolerance


# --- lots and transactions ----------------------------------------------------------------------


def test_lots_go_back_six_years_with_gains_losses_and_short_term(seeded: SeedReport) -> None:
    lots = list(Lot.objects.select_related("security"))
    assert min(lot.acquired_on for lot in lots) <= AS_OF - timedelta(days=5 * 365)
    at_loss = [lot for lot in lots if lot.quantity * lot.security.price < lot.cost_basis]
    short_term = [lot for lot in lots if not is_long_term(lot.acquired_on, AS_OF)]
    assert 0.15 * len(lots) <= len(at_loss) <= 0.6 * len(lots)
    assert 0.10 * len(lots) <= len(short_term) <= 0.6 * len(lots)
    assert all(lot.quantity > 0 and lot.cost_basis > 0 for lot in lots)
    assert all(lot.acquired_on <= AS_OF for lot in lots)


def test_crypto_lots_carry_fractional_quantities(seeded: SeedReport) -> None:
    crypto = Lot.objects.filter(security__asset_class__code__startswith="crypto")
    assert crypto.exists()
    assert any(lot.quantity != lot.quantity.to_integral_value() for lot in crypto)


def test_cost_basis_is_the_close_on_the_day_bought_within_a_small_spread(
    seeded: SeedReport,
) -> None:
    close_that_day = PricePoint.objects.filter(
        security=models.OuterRef("security"), date=models.OuterRef("acquired_on")
    ).values("close")
    lots = Lot.objects.filter(cost_basis__gte=100).annotate(close=models.Subquery(close_that_day))
    assert lots.count() > 1000
    for lot in lots:
        ratio = lot.cost_basis / (lot.quantity * lot.close)
        assert Decimal("0.999") <= ratio <= Decimal("1.002"), lot


def test_recent_buys_match_lots(seeded: SeedReport) -> None:
    buys = Transaction.objects.filter(kind=TransactionKind.BUY)
    lots = set(
        Lot.objects.filter(acquired_on__gte=AS_OF - timedelta(days=60)).values_list(
            "account_id", "security_id", "acquired_on", "quantity", "cost_basis"
        )
    )
    assert buys.count() >= 50
    for buy in buys:
        assert buy.trade_date >= AS_OF - timedelta(days=60)
        lot = (buy.account_id, buy.security_id, buy.trade_date, buy.quantity, -buy.amount)
        assert lot in lots, buy


def test_reinvestments_in_the_last_30_days_give_wash_sale_material(seeded: SeedReport) -> None:
    recent = Transaction.objects.filter(
        kind=TransactionKind.REINVEST, trade_date__gte=AS_OF - timedelta(days=30)
    )
    assert recent.count() >= 20
    assert set(recent.values_list("account__account_type", flat=True)) >= {
        "taxable",
        "traditional_ira",
        "roth_ira",
    }
    for reinvestment in recent[:50]:
        assert Lot.objects.filter(
            account=reinvestment.account,
            security=reinvestment.security,
            acquired_on=reinvestment.trade_date,
            quantity=reinvestment.quantity,
        ).exists()


def test_transaction_amounts_follow_the_sign_convention(seeded: SeedReport) -> None:
    negative = {"buy", "withdrawal", "fee", "reinvest"}
    kinds = set()
    for entry in Transaction.objects.all():
        kinds.add(entry.kind)
        assert entry.trade_date <= AS_OF
        assert (entry.amount < 0) == (entry.kind in negative), entry
    assert kinds == set(TransactionKind.values)


def test_sales_carry_realized_gains_and_a_harvested_loss(seeded: SeedReport) -> None:
    sales = Transaction.objects.filter(kind=TransactionKind.SELL)
    assert sales.count() >= 5
    assert not sales.filter(realized_gain__isnull=True).exists()
    assert sales.filter(realized_gain__lt=0, trade_date__gte=AS_OF - timedelta(days=30)).exists()
    assert sales.filter(realized_gain__gt=0).exists()
    assert set(sales.values_list("account__account_type", flat=True)) == {"taxable"}


def test_harvested_losses_are_not_washed_by_the_generated_data(seeded: SeedReport) -> None:
    """No purchase of the sold group in the household within 30 days of a loss sale."""
    losses = Transaction.objects.filter(kind=TransactionKind.SELL, realized_gain__lt=0)
    for sale in losses.select_related("security", "account"):
        window = (sale.trade_date - timedelta(days=30), sale.trade_date + timedelta(days=30))
        assert not Lot.objects.filter(
            account__household_id=sale.account.household_id,
            security__substitute_group=sale.security.substitute_group,
            acquired_on__range=window,
        ).exists()


def test_deposits_withdrawals_and_fees_are_recent(seeded: SeedReport) -> None:
    for kind in ("deposit", "withdrawal", "fee"):
        entries = Transaction.objects.filter(kind=kind)
        assert entries.exists()
        assert all(entry.security_id is None for entry in entries)


# --- the command ---------------------------------------------------------------------------------


def test_the_command_prints_the_counts_and_the_login_table(seeded: SeedReport) -> None:
    out = StringIO()

    call_command("seed_demo", "--as-of", AS_OF.isoformat(), stdout=out)

    text = out.getvalue()
    assert "Already present, left unchanged: Harbor Point Advisors, Summit Ridge Wealth." in text
    assert "Household 48" in text
    assert "password for all: demo-advisory-2026" in text
    for login in seeded.logins:
        assert login.email in text
    assert "client1@harborpoint.example" in text


def test_the_command_leaves_a_few_draft_proposals_once(seeded: SeedReport) -> None:
    # when: the command runs twice
    call_command("seed_demo", "--as-of", AS_OF.isoformat(), stdout=StringIO())
    drafts = list(Proposal.objects.select_related("household"))
    again = StringIO()
    call_command("seed_demo", "--as-of", AS_OF.isoformat(), stdout=again)

    # then: two drafts per firm, for households the scan found needing a rebalance,
    # requested by their primary advisor; the second run adds none
    assert len(drafts) == 2 * len(DEMO_FIRMS)
    assert Proposal.objects.count() == len(drafts)
    assert "Draft rebalance proposals: 0 created." in again.getvalue()
    for proposal in drafts:
        assert proposal.status == ProposalStatus.DRAFT
        assert proposal.as_of == AS_OF
        assert proposal.created_by_id == proposal.household.primary_advisor_id
        snapshot = DriftSnapshot.objects.get(household=proposal.household, computed_on=AS_OF)
        assert snapshot.needs_rebalance


def test_the_command_seeds_a_model_that_households_follow_once(seeded: SeedReport) -> None:
    # when: the command runs twice
    call_command("seed_demo", "--as-of", AS_OF.isoformat(), stdout=StringIO())
    again = StringIO()
    call_command("seed_demo", "--as-of", AS_OF.isoformat(), stdout=again)

    # then: one model per firm, changed once (US 45 -> 40, international 20 -> 25), with
    # a buy list of the firm's funds, each in its class
    assert "Model portfolios: 0 created" in again.getvalue()
    assert ModelPortfolio.objects.count() == len(DEMO_FIRMS)
    for name in FIRM_NAMES:
        model = ModelPortfolio.objects.get(firm__name=name)
        assert model.version == 2
        assert (model.abs_band, model.rel_band) == (Decimal("0.05"), Decimal("0.25"))
        weights = {t.asset_class.code: t.weight for t in model.targets.all()}
        assert weights == {
            "us_equity": Decimal("0.40"),
            "intl_equity": Decimal("0.25"),
            "us_bonds": Decimal("0.20"),
            "real_estate": Decimal("0.05"),
            "cash": Decimal("0.10"),
        }
        assert sum(weights.values()) == 1
        choices = list(model.buy_list.select_related("security", "asset_class"))
        assert {c.asset_class.code for c in choices} == set(weights)
        for choice in choices:
            assert choice.security.firm.name == name
            assert choice.security.asset_class == choice.asset_class
        us_equity = [c.security.symbol for c in choices if c.asset_class.code == "us_equity"]
        assert us_equity == ["VTI", "SCHB"]

        # the firm's first three households follow it: the first activated the change,
        # the other two (one with overrides) have its draft waiting on their advisor's
        # dashboard card
        first, second, third = Household.objects.filter(firm__name=name).order_by("pk")[:3]
        active = {
            p.household_id: p
            for p in InvestmentPolicy.objects.filter(model=model, status=PolicyStatus.ACTIVE)
        }
        assert set(active) == {first.pk, second.pk, third.pk}
        assert active[first.pk].model_version == 2
        assert active[second.pk].model_version == active[third.pk].model_version == 1
        overridden = {o.asset_class.code: o.weight for o in active[second.pk].overrides.all()}
        assert overridden == {"cash": Decimal("0.15"), "us_bonds": Decimal("0.15")}
        waiting = InvestmentPolicy.objects.filter(model=model, status=PolicyStatus.DRAFT)
        assert {p.household_id for p in waiting} == {second.pk, third.pk}
        # 40/25 from the change; the second keeps its 15 cash and 15 bonds (sum 100).
        second_draft = waiting.get(household=second)
        assert {t.asset_class.code: t.weight for t in second_draft.targets.all()} == {
            "us_equity": Decimal("0.40"),
            "intl_equity": Decimal("0.25"),
            "us_bonds": Decimal("0.15"),
            "real_estate": Decimal("0.05"),
            "cash": Decimal("0.15"),
        }
        advisor = second.primary_advisor
        assert advisor is not None
        assert second_draft in model_change_drafts(user=advisor)


@pytest.mark.parametrize(
    "arguments", [["--years", "0"], ["--households", "0"], ["--as-of", "25/11/2026"]]
)
def test_the_command_refuses_nonsense(seeded: SeedReport, arguments: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", *arguments, stdout=StringIO())


def test_smaller_demos_honour_their_parameters(seeded: SeedReport) -> None:
    small = dataclasses.replace(DEMO_FIRMS[0], name="Tiny Harbor", domain="tiny.example")

    report = seed_demo(AS_OF, households_per_firm=3, years=1, firms=[small])

    assert report.created == ("Tiny Harbor",)
    tiny = firm("Tiny Harbor")
    assert Household.objects.filter(firm=tiny).count() == 3
    assert {login.email for login in report.logins} >= {"client3@tiny.example", "ops@tiny.example"}
    types = set(Account.objects.filter(household__firm=tiny).values_list("account_type", flat=True))
    assert types == set(AccountType.values)  # the first life stage has every type
    first = PricePoint.objects.filter(security__firm=tiny).aggregate(first=models.Min("date"))
    assert AS_OF - timedelta(days=366) <= first["first"] <= AS_OF - timedelta(days=364)
    assert (
        Lot.objects.filter(account__household__firm=tiny).aggregate(
            oldest=models.Min("acquired_on")
        )["oldest"]
        >= first["first"]
    )
