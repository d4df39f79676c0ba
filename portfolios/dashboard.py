"""The advisor dashboard's rows: value, allocation and flags for a page of households.

A page costs a fixed number of queries whatever its size: one for the lots
(summed by household and asset class in the database), one for the accounts,
plus one per registered flag provider. Other apps add flags without this
module knowing them (the book of record must not import ``policies``)::

    from portfolios.dashboard import Flag, register_flag_provider

    @register_flag_provider
    def drift_flags(households, as_of):  # -> {household_id: [Flag, ...]}
        ...

Cards above the households table come the same way: a card provider takes the user
and the date and returns a ``DashboardCard`` (its template and context) or None when
it has nothing to show; a provider reads what it shows in a query or two, scoped by
``portfolios.access``::

    @register_card_provider
    def model_change_card(user, as_of):  # -> DashboardCard | None
        ...
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import DecimalField, F, QuerySet, Sum

from advisory.engine.money import CENT, ZERO
from advisory.engine.rebalance import harvest_loss_total
from advisory.engine.rmd import first_rmd_year
from advisory.engine.types import CASH_CLASS, RMD_ACCOUNT_TYPES
from advisory.lib.format import money, money_compact
from portfolios.models import Account, Household, Lot
from portfolios.snapshots import household_snapshots

if TYPE_CHECKING:
    from advisory.models import User

IDLE_CASH_SHARE = Decimal("0.05")  # cash above reserves worth flagging, share of the household
# Unrealised losses in taxable accounts worth a look: at least this many dollars and this
# share of the household (a $900 loss is noise on $4M, not on $60K).
HARVEST_LOSS_MINIMUM = Decimal("1000")
HARVEST_LOSS_SHARE = Decimal("0.005")


@dataclass(frozen=True)
class Flag:
    """Something on a household an advisor should look at. ``level``: alert, warn or info."""

    level: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class DashboardSlice:
    code: str
    name: str
    value: Decimal
    weight: Decimal


@dataclass
class DashboardRow:
    household: Household
    total_value: Decimal = ZERO
    account_count: int = 0
    allocation: list[DashboardSlice] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


FlagProvider = Callable[[Sequence[Household], date], Mapping[int, list[Flag]]]
_flag_providers: list[FlagProvider] = []


def register_flag_provider(provider: FlagProvider) -> FlagProvider:
    """Add a source of dashboard flags (one query for the whole page, please)."""
    if provider not in _flag_providers:
        _flag_providers.append(provider)
    return provider


@dataclass(frozen=True)
class DashboardCard:
    """A card another app puts on the dashboard: the template to include, and its context."""

    template: str
    context: Mapping[str, Any]


CardProvider = Callable[["User", date], DashboardCard | None]
_card_providers: list[CardProvider] = []


def register_card_provider(provider: CardProvider) -> CardProvider:
    """Add a source of a dashboard card (scoped to what the user may see, please)."""
    if provider not in _card_providers:
        _card_providers.append(provider)
    return provider


def dashboard_cards(user: User, *, as_of: date) -> list[DashboardCard]:
    """The registered providers' cards for ``user``, in registration order; none empty."""
    cards = (provider(user, as_of) for provider in _card_providers)
    return [card for card in cards if card is not None]


def _market_value() -> Any:
    return F("quantity") * F("security__price")


def _lot_values(household_ids: list[int]) -> Any:
    amount = DecimalField(max_digits=24, decimal_places=2)
    return (
        Lot.objects.filter(account__household_id__in=household_ids)
        .values(
            "account__household_id",
            "security__asset_class__code",
            "security__asset_class__name",
            "security__asset_class__sort_order",
        )
        .annotate(value=Sum(_market_value(), output_field=amount))
        .order_by()
    )


def _allocation(
    values: dict[tuple[int, str, str], Decimal], total: Decimal
) -> list[DashboardSlice]:
    return [
        DashboardSlice(code, name, value, value / total if total else ZERO)
        for (_, code, name), value in sorted(values.items())
        if value > 0
    ]


def dashboard_rows(households: Sequence[Household], *, as_of: date) -> list[DashboardRow]:
    """Rows for ``households`` (a page, already access-checked) valued at current prices."""
    rows = {h.pk: DashboardRow(h) for h in households}
    ids = list(rows)
    by_class: dict[int, dict[tuple[int, str, str], Decimal]] = defaultdict(dict)
    # What a harvest proposal would realise today: wash sales, substitutes and all.
    snapshots = household_snapshots(households=households, as_of=as_of)
    losses = {pk: -harvest_loss_total(snapshot) for pk, snapshot in snapshots.items()}
    for found in _lot_values(ids):
        household_id = found["account__household_id"]
        key = (
            found["security__asset_class__sort_order"],
            found["security__asset_class__code"],
            found["security__asset_class__name"],
        )
        by_class[household_id][key] = (found["value"] or ZERO).quantize(CENT)
    idle: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rmd_due: dict[int, int] = {}
    for account in Account.objects.filter(household_id__in=ids).values(
        "household_id", "account_type", "cash", "cash_reserve", "owner__date_of_birth"
    ):
        household_id = account["household_id"]
        rows[household_id].account_count += 1
        if account["cash"]:
            cash_key = (9999, CASH_CLASS, "Cash")
            by_class[household_id][cash_key] = (
                by_class[household_id].get(cash_key, ZERO) + (account["cash"])
            )
        idle[household_id] += max(ZERO, account["cash"] - account["cash_reserve"])
        born = account["owner__date_of_birth"]
        if (
            account["account_type"] in RMD_ACCOUNT_TYPES
            and born
            and first_rmd_year(born) <= as_of.year
        ):
            rmd_due[household_id] = as_of.year
    for household_id, row in rows.items():
        row.total_value = sum(by_class[household_id].values(), ZERO)
        row.allocation = _allocation(_merge_cash(by_class[household_id]), row.total_value)
        row.flags = _book_flags(
            row, idle[household_id], losses[household_id], rmd_due.get(household_id)
        )
    for provider in _flag_providers:
        for household_id, flags in provider(households, as_of).items():
            if household_id in rows:
                rows[household_id].flags.extend(flags)
    return [rows[h.pk] for h in households]


def _merge_cash(values: dict[tuple[int, str, str], Decimal]) -> dict[tuple[int, str, str], Decimal]:
    # A firm's own "cash" class (money-market funds) and account cash are one slice.
    merged = dict(values)
    free_cash = merged.pop((9999, CASH_CLASS, "Cash"), ZERO)
    if not free_cash:
        return merged
    for key in merged:
        if key[1] == CASH_CLASS:
            merged[key] += free_cash
            return merged
    merged[(9999, CASH_CLASS, "Cash")] = free_cash
    return merged


def _book_flags(
    row: DashboardRow, idle_cash: Decimal, loss: Decimal, rmd_year: int | None
) -> list[Flag]:
    flags = []
    if row.household.primary_advisor_id is None:
        flags.append(Flag("warn", "No primary advisor", "Assign one on the household's edit page."))
    if row.account_count == 0:
        flags.append(Flag("info", "No accounts"))
    if row.total_value and idle_cash / row.total_value > IDLE_CASH_SHARE:
        share = (idle_cash / row.total_value * 100).quantize(Decimal("0.1"))
        flags.append(Flag("warn", f"Idle cash {share}%", "Cash above reserves, uninvested."))
    if -loss >= max(HARVEST_LOSS_MINIMUM, row.total_value * HARVEST_LOSS_SHARE):
        flags.append(
            Flag(
                "info",
                f"Losses to harvest {money_compact(-loss)}",
                f"A harvest proposal would realise {money(-loss)} of losses today.",
            )
        )
    if rmd_year is not None:
        flags.append(
            Flag(
                "info",
                f"RMD {rmd_year}",
                "An owner of a traditional account takes an RMD this year.",
            )
        )
    return flags


def book_totals(households: QuerySet[Household]) -> Decimal:
    """Value of every account of ``households`` at current prices (2 queries)."""
    securities = Lot.objects.filter(account__household__in=households).aggregate(
        value=Sum(_market_value(), output_field=DecimalField(max_digits=24, decimal_places=2))
    )["value"]
    cash = Account.objects.filter(household__in=households).aggregate(value=Sum("cash"))["value"]
    return ((securities or ZERO) + (cash or ZERO)).quantize(CENT)
