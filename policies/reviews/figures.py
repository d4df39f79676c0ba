"""The review figures of a household: RMDs, contribution room, stress, correlations, returns.

Selectors: each reads the rows it needs in a constant number of queries,
turns them into the engine's inputs and returns the engine's answer with the
names a page or the API shows. Access is the caller's job (``household_for``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from advisory.engine.correlation import CorrelationReport, correlation_monitor
from advisory.engine.history import BookChange, ValueHistory, value_history, value_on
from advisory.engine.money import ZERO
from advisory.engine.returns import (
    PeriodReturn,
    benchmark_growth,
    growth_index,
    period_returns,
    period_windows,
)
from advisory.engine.rmd import AccountRmd, account_rmd
from advisory.engine.stress import ClassExposure, StressResult, stress_tests
from advisory.engine.tax_tables import LIMIT_GROUPS, ContributionRoom, contribution_room
from advisory.engine.types import CASH_CLASS, RMD_ACCOUNT_TYPES
from policies.selectors import active_policies_bulk, household_values_bulk
from portfolios.models import (
    Account,
    AssetClass,
    Household,
    Lot,
    Person,
    PricePoint,
    Security,
    Transaction,
    TransactionKind,
)

PriceSeries = dict[int, list[tuple[date, Decimal]]]


@dataclass(frozen=True)
class RmdRow:
    account: Account
    person: Person
    rmd: AccountRmd
    custodian_figure: bool  # the prior year-end value is the custodian's, not computed


@dataclass(frozen=True)
class RoomRow:
    person: Person
    group: str  # 401k, ira, hsa
    room: ContributionRoom
    age_known: bool  # without a birth date no catch-up is assumed


@dataclass(frozen=True)
class CorrelationRow:
    asset_class: AssetClass
    report: CorrelationReport


@dataclass(frozen=True)
class HouseholdReturns:
    periods: tuple[PeriodReturn, ...]
    growth: tuple[tuple[date, Decimal], ...]  # growth of $1, flows removed
    benchmark: tuple[tuple[date, Decimal], ...]
    inception: date | None


def _prices(security_ids: set[int], until: date) -> PriceSeries:
    series: PriceSeries = defaultdict(list)
    rows = (
        PricePoint.objects.filter(security_id__in=security_ids, date__lte=until)
        .order_by("security_id", "date")
        .values_list("security_id", "date", "close")
    )
    for security_id, day, close in rows:
        series[security_id].append((day, close))
    return dict(series)


def _book_changes(transactions: list[Transaction], lots: list[Lot]) -> dict[int, list[BookChange]]:
    """Transactions as book changes per account, plus lots no buy accounts for (in kind)."""
    changes: dict[int, list[BookChange]] = defaultdict(list)
    bought: dict[tuple[int, int, date], Decimal] = defaultdict(lambda: ZERO)
    for t in transactions:
        quantity = ZERO
        if t.kind in (TransactionKind.BUY, TransactionKind.REINVEST):
            quantity = t.quantity
            bought[(t.account_id, t.security_id or 0, t.trade_date)] += t.quantity
        elif t.kind == TransactionKind.SELL:
            quantity = -t.quantity
        external = (
            t.amount if t.kind in (TransactionKind.DEPOSIT, TransactionKind.WITHDRAWAL) else ZERO
        )
        changes[t.account_id].append(
            BookChange(t.trade_date, t.security_id, quantity, t.amount, external)
        )
    for lot in lots:
        key = (lot.account_id, lot.security_id, lot.acquired_on)
        covered = min(lot.quantity, bought[key])
        bought[key] -= covered
        if lot.quantity > covered:
            changes[lot.account_id].append(
                BookChange(
                    lot.acquired_on, lot.security_id, lot.quantity - covered, ZERO, in_kind=True
                )
            )
    return changes


def _histories(
    household: Household, as_of: date
) -> tuple[list[Account], dict[int, ValueHistory], ValueHistory]:
    """Each account's value history and the household's, on the priced days (4 queries)."""
    accounts = list(Account.objects.filter(household=household).select_related("owner"))
    lots = list(Lot.objects.filter(account__household=household).order_by())
    transactions = list(
        Transaction.objects.filter(account__household=household, trade_date__lte=as_of).order_by()
    )
    security_ids = {lot.security_id for lot in lots} | {
        t.security_id for t in transactions if t.security_id
    }
    prices = _prices(security_ids, as_of)
    changes = _book_changes(transactions, lots)
    starts = [c.day for cs in changes.values() for c in cs]
    inception = min(starts) if starts else as_of
    days = sorted({d for series in prices.values() for d, _ in series if d >= inception} | {as_of})
    holdings: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for lot in lots:
        holdings[lot.account_id][lot.security_id] += lot.quantity
    per_account = {
        a.pk: value_history(holdings[a.pk], a.cash, changes.get(a.pk, []), prices, days)
        for a in accounts
    }
    all_holdings: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account_holdings in holdings.values():
        for sid, qty in account_holdings.items():
            all_holdings[sid] += qty
    everything = [c for cs in changes.values() for c in cs]
    total_cash = sum((a.cash for a in accounts), ZERO)
    return accounts, per_account, value_history(all_holdings, total_cash, everything, prices, days)


def household_rmds(*, household: Household, year: int, as_of: date) -> list[RmdRow]:
    """RMDs of the household's traditional accounts for ``year``, per owner.

    Prior year-end balance: the custodian's figure when the account has one for
    31 December of ``year - 1``, else the rebuilt value history at that day.
    ``ValueError`` for a year outside the tables (the engine names it).
    """
    year_end = date(year - 1, 12, 31)
    accounts, histories, _ = _histories(household, min(as_of, date(year, 12, 31)))
    distributed: dict[int, Decimal] = {
        account_id: -(total or ZERO)
        for account_id, total in Transaction.objects.filter(
            account__household=household,
            kind=TransactionKind.WITHDRAWAL,
            trade_date__year=year,
        )
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    }
    rows = []
    for account in accounts:
        if account.account_type not in RMD_ACCOUNT_TYPES or account.owner is None:
            continue
        custodian = (
            account.prior_year_end_value is not None and account.prior_year_end_date == year_end
        )
        if custodian:
            balance = account.prior_year_end_value or ZERO
        else:
            balance = max(ZERO, value_on(histories[account.pk], year_end) or ZERO)
        rmd = account_rmd(
            account.account_type,
            account.owner.date_of_birth,
            balance,
            year,
            max(ZERO, distributed.get(account.pk, ZERO)),
        )
        if rmd is not None:
            rows.append(RmdRow(account, account.owner, rmd, custodian))
    return rows


def household_contribution_room(*, household: Household, year: int) -> list[RoomRow]:
    """Room per person and limit group (401(k), IRA, HSA) from the year's deposits.

    Both 401(k)s share one limit, both IRAs another; HSAs are taken as
    self-only coverage. Joint accounts (no owner) are left out. ``ValueError``
    for a year not in the table.
    """
    accounts = list(
        Account.objects.filter(household=household, owner__isnull=False)
        .exclude(account_type="taxable")
        .select_related("owner")
    )
    deposits = dict(
        Transaction.objects.filter(
            account__in=accounts, kind=TransactionKind.DEPOSIT, trade_date__year=year
        )
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    contributed: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    people: dict[int, Person] = {}
    for account in accounts:
        assert account.owner is not None  # noqa: S101 (filtered above)
        group = LIMIT_GROUPS[account.account_type]
        people[account.owner.pk] = account.owner
        contributed[(account.owner.pk, group)] += deposits.get(account.pk) or ZERO
    rows = []
    for (person_id, group), amount in sorted(contributed.items()):
        person = people[person_id]
        born = person.date_of_birth
        age = year - born.year if born else 0
        rows.append(
            RoomRow(person, group, contribution_room(group, year, age, amount), born is not None)
        )
    return rows


def household_stress(
    *,
    household: Household,
    shocks: Mapping[str, Decimal] | None = None,
    rate_shock: Decimal | None = None,
    as_of: date,
) -> tuple[StressResult, ...]:
    """The default scenarios and the advisor's on today's values per class (3 queries).

    ``as_of`` is accepted for the packet's sake; values are today's book.
    """
    del as_of
    values = household_values_bulk([household.pk]).get(household.pk, {})
    durations = dict(
        AssetClass.objects.filter(firm_id=household.firm_id).values_list("code", "duration")
    )
    exposures = [
        ClassExposure(code, value, durations.get(code, ZERO))
        for code, value in sorted(values.items())
        if value
    ]
    return stress_tests(exposures, shocks, rate_shock)


def _class_indices(
    household: Household, as_of: date
) -> tuple[dict[str, AssetClass], dict[str, list[tuple[date, Decimal]]]]:
    """Each class's index: its primary security (lowest id with prices), 3 queries."""
    classes = {c.code: c for c in AssetClass.objects.filter(firm_id=household.firm_id)}
    primaries: dict[str, int] = {}
    for code, security_id in (
        Security.objects.filter(firm_id=household.firm_id, prices__isnull=False)
        .order_by("asset_class__code", "id")
        .values_list("asset_class__code", "id")
        .distinct()
    ):
        primaries.setdefault(code, security_id)
    prices = _prices(set(primaries.values()), as_of)
    return classes, {code: prices.get(sid, []) for code, sid in primaries.items()}


def household_correlations(*, household: Household, as_of: date) -> list[CorrelationRow]:
    """The correlation monitor for the classes the household holds or targets."""
    classes, indices = _class_indices(household, as_of)
    values = household_values_bulk([household.pk]).get(household.pk, {})
    row = active_policies_bulk([household.pk]).get(household.pk)
    relevant = {code for code, value in values.items() if value} | set(
        row.targets.targets if row else ()
    )
    relevant |= {"us_equity"}
    reports = correlation_monitor(
        {code: series for code, series in indices.items() if code in relevant}, as_of
    )
    return [CorrelationRow(classes[r.code], r) for r in reports if r.code in classes]


def household_returns(
    *, household: Household, as_of: date, since: date | None = None
) -> HouseholdReturns:
    """TWR, MWR and the IPS benchmark for the review periods ending ``as_of``."""
    _, _, history = _histories(household, as_of)
    first = next((n for n, v in enumerate(history.values) if v.value != 0), None)
    values = list(history.values[first:]) if first is not None else []
    if not values:
        return HouseholdReturns((), (), (), None)
    inception = values[0].day
    windows = period_windows(as_of, inception, since)
    row = active_policies_bulk([household.pk]).get(household.pk)
    benchmark: tuple = ()
    if row is not None and row.targets.targets:
        _, indices = _class_indices(household, as_of)
        targets = dict(row.targets.targets)
        benchmark = benchmark_growth(
            targets, {c: s for c, s in indices.items() if c != CASH_CLASS}, inception, as_of
        )
    periods = period_returns(values, history.flows, windows, benchmark)
    growth = growth_index(values, history.flows)
    return HouseholdReturns(
        periods,
        tuple((g.day, g.value) for g in growth),
        tuple((b.day, b.value) for b in benchmark),
        inception,
    )
