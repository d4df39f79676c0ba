"""Household reads that pages and the engine share, in a constant number of queries.

``household_summary`` feeds the household page and the client portal (values,
holdings by class and by account, unrealised gains by term, allocation);
``household_snapshot`` builds the engine's ``HouseholdSnapshot``. Both load the
same rows: the accounts with their menus, the lots with security and class, the
firm's asset classes and (for the snapshot) the last 30 days' transactions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch

from advisory.engine.drift import class_name
from advisory.engine.lots import is_long_term
from advisory.engine.money import CENT, ZERO
from advisory.engine.types import (
    CASH_CLASS,
    AccountInfo,
    AssetClassAssumptions,
    HouseholdSnapshot,
    LotInfo,
    SecurityInfo,
    TaxProfile,
    TransactionInfo,
)
from advisory.engine.wash_sales import WASH_SALE_WINDOW_DAYS
from portfolios.models import Account, AssetClass, Household, Lot, Transaction

# The snapshot carries the transactions the wash-sale rule looks back on.
WASH_SALE_LOOKBACK_DAYS = WASH_SALE_WINDOW_DAYS


@dataclass(frozen=True)
class HoldingRow:
    """One lot valued on the summary date."""

    lot: Lot
    market_value: Decimal
    unrealized_gain: Decimal
    long_term: bool

    @property
    def asset_class(self) -> AssetClass:
        return self.lot.security.asset_class


@dataclass(frozen=True)
class ClassSlice:
    code: str
    name: str
    value: Decimal
    weight: Decimal  # fraction of the total, 0 when the total is 0


@dataclass
class AccountSummary:
    account: Account
    holdings: list[HoldingRow] = field(default_factory=list)
    securities_value: Decimal = ZERO
    unrealized_st: Decimal = ZERO
    unrealized_lt: Decimal = ZERO
    allocation: list[ClassSlice] = field(default_factory=list)

    @property
    def market_value(self) -> Decimal:
        return self.securities_value + self.account.cash


@dataclass
class HouseholdSummary:
    household: Household
    as_of: date
    accounts: list[AccountSummary]
    allocation: list[ClassSlice]
    total_value: Decimal
    cash_total: Decimal
    unrealized_st: Decimal
    unrealized_lt: Decimal
    holdings_by_class: list[tuple[ClassSlice, list[HoldingRow]]]


def _accounts_with_lots(household: Household) -> list[Account]:
    lots = Lot.objects.select_related("security__asset_class").order_by(
        "security__symbol", "acquired_on", "id"
    )
    return list(
        Account.objects.filter(household=household)
        .select_related("owner")
        .prefetch_related(Prefetch("lots", queryset=lots), "allowed_asset_classes")
        .order_by("name", "id")
    )


def _slices(values: dict[str, Decimal], classes: dict[str, AssetClass]) -> list[ClassSlice]:
    total = sum(values.values(), ZERO)
    order = {code: (cls.sort_order, code) for code, cls in classes.items()}
    rows = []
    for code in sorted(values, key=lambda c: order.get(c, (9999, c))):
        name = classes[code].name if code in classes else class_name(code)
        weight = values[code] / total if total else ZERO
        rows.append(ClassSlice(code, name, values[code].quantize(CENT), weight))
    return rows


def household_summary(*, household: Household, as_of: date) -> HouseholdSummary:
    """Values, holdings and unrealised gains of a household on ``as_of`` (4 queries)."""
    accounts = _accounts_with_lots(household)
    classes = {c.code: c for c in AssetClass.objects.filter(firm_id=household.firm_id)}
    household_values: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_class: dict[str, list[HoldingRow]] = defaultdict(list)
    summaries = []
    for account in accounts:
        summary = AccountSummary(account)
        account_values: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for lot in account.lots.all():
            value = lot.quantity * lot.security.price
            row = HoldingRow(
                lot, value, value - lot.cost_basis, is_long_term(lot.acquired_on, as_of)
            )
            summary.holdings.append(row)
            summary.securities_value += value
            if row.long_term:
                summary.unrealized_lt += row.unrealized_gain
            else:
                summary.unrealized_st += row.unrealized_gain
            account_values[row.asset_class.code] += value
            by_class[row.asset_class.code].append(row)
        if account.cash:
            account_values[CASH_CLASS] += account.cash
        for code, value in account_values.items():
            household_values[code] += value
        summary.allocation = _slices(dict(account_values), classes)
        summaries.append(summary)
    allocation = _slices(dict(household_values), classes)
    return HouseholdSummary(
        household=household,
        as_of=as_of,
        accounts=summaries,
        allocation=allocation,
        total_value=sum((s.market_value for s in summaries), ZERO),
        cash_total=sum((s.account.cash for s in summaries), ZERO),
        unrealized_st=sum((s.unrealized_st for s in summaries), ZERO),
        unrealized_lt=sum((s.unrealized_lt for s in summaries), ZERO),
        holdings_by_class=[(s, by_class.get(s.code, [])) for s in allocation],
    )


def assumptions_of(asset_class: AssetClass) -> AssetClassAssumptions:
    return AssetClassAssumptions(
        code=asset_class.code,
        expected_return=asset_class.expected_return,
        volatility=asset_class.volatility,
        income_yield=asset_class.income_yield,
        qualified_ratio=asset_class.qualified_ratio,
        turnover=asset_class.turnover,
        tax_exempt=asset_class.tax_exempt,
    )


def tax_profile_of(household: Household) -> TaxProfile:
    return TaxProfile(
        filing_status=household.filing_status,
        t_ord=household.t_ord,
        t_ltcg=household.t_ltcg,
        t_ret=household.t_ret,
        realized_st_ytd=household.realized_st_ytd,
        realized_lt_ytd=household.realized_lt_ytd,
        carryforward_st=household.carryforward_st,
        carryforward_lt=household.carryforward_lt,
    )


def household_snapshot(*, household: Household, as_of: date) -> HouseholdSnapshot:
    """The engine's view of a household on ``as_of`` (6 queries, whatever its size).

    Securities are the household's holdings plus every security of the firm
    (rebalancing may buy what the household does not hold yet).
    """
    return household_snapshots(households=[household], as_of=as_of)[household.pk]


def household_snapshots(
    *, households: Sequence[Household], as_of: date
) -> dict[int, HouseholdSnapshot]:
    """``household_snapshot`` for many households at once (6 queries however many).

    Accounts, their menus and lots are read as values, not model instances: a run
    reads ~150 lots a household, and the engine wants only these columns.
    """
    ids = [h.pk for h in households]
    accounts: dict[int, list[AccountInfo]] = {pk: [] for pk in ids}
    rows = list(
        Account.objects.filter(household_id__in=ids)
        .order_by("name", "id")
        .values_list(
            "household_id", "id", "name", "account_type", "cash", "cash_reserve",
            "owner__date_of_birth",
        )
    )  # fmt: skip
    account_ids = [row[1] for row in rows]
    menus: dict[int, set[str]] = defaultdict(set)
    for account_id, code in Account.allowed_asset_classes.through.objects.filter(
        account_id__in=account_ids
    ).values_list("account_id", "assetclass__code"):
        menus[account_id].add(code)
    lots_of: dict[int, list[LotInfo]] = defaultdict(list)
    for lot_id, account_id, security_id, quantity, basis, acquired_on in (
        Lot.objects.filter(account_id__in=account_ids)
        .order_by("security__symbol", "acquired_on", "id")
        .values_list("id", "account_id", "security_id", "quantity", "cost_basis", "acquired_on")
    ):
        lots_of[account_id].append(
            LotInfo(lot_id, account_id, security_id, quantity, basis, acquired_on)
        )
    for household_id, account_id, name, kind, cash, reserve, born in rows:
        accounts[household_id].append(
            AccountInfo(
                id=account_id,
                name=name,
                account_type=kind,
                cash=cash,
                cash_reserve=reserve,
                allowed_classes=frozenset(menus.get(account_id, ())),
                owner_birth_date=born,
            )
        )
    securities: dict[int, dict[int, SecurityInfo]] = {}
    assumptions: dict[int, dict[str, AssetClassAssumptions]] = {}
    firm_ids = {h.firm_id for h in households}
    classes = AssetClass.objects.filter(firm_id__in=firm_ids).prefetch_related("securities")
    for asset_class in classes:
        firm = asset_class.firm_id
        assumptions.setdefault(firm, {})[asset_class.code] = assumptions_of(asset_class)
        for security in asset_class.securities.all():
            securities.setdefault(firm, {})[security.id] = SecurityInfo(
                security.id,
                security.symbol,
                asset_class.code,
                security.substitute_group,
                security.price,
            )
    recent = _recent_transactions(ids, as_of)
    return {
        h.pk: HouseholdSnapshot(
            household_id=h.pk,
            as_of=as_of,
            accounts=tuple(accounts[h.pk]),
            securities=securities.get(h.firm_id, {}),
            lots=tuple(lot for a in accounts[h.pk] for lot in lots_of.get(a.id, ())),
            asset_classes=assumptions.get(h.firm_id, {}),
            recent_transactions=tuple(recent[h.pk]),
            tax=tax_profile_of(h),
        )
        for h in households
    }


def _recent_transactions(ids: list[int], as_of: date) -> dict[int, list[TransactionInfo]]:
    """Each household's transactions of the wash-sale look-back before ``as_of`` (one query)."""
    recent: dict[int, list[TransactionInfo]] = {pk: [] for pk in ids}
    for t in (
        Transaction.objects.filter(
            account__household_id__in=ids,
            trade_date__gte=as_of - timedelta(days=WASH_SALE_LOOKBACK_DAYS),
            trade_date__lte=as_of,
        )
        .select_related("account")
        .only("account__household_id", *TRANSACTION_FIELDS)
        .order_by("trade_date", "id")
    ):
        recent[t.account.household_id].append(
            TransactionInfo(
                t.account_id,
                t.security_id,
                t.kind,
                t.trade_date,
                t.quantity,
                t.amount,
                t.realized_gain,
            )
        )
    return recent


TRANSACTION_FIELDS = (
    "account_id",
    "security_id",
    "kind",
    "trade_date",
    "quantity",
    "amount",
    "realized_gain",
)
