"""Exports of the book as CSV or XLSX, scoped by ``portfolios.access`` like every list.

``export_table(kind, user=..., household_id=..., year=..., as_of=...)`` returns the
header and rows; ``export_file`` renders them (``advisory.lib.spreadsheet``: formula
cells neutralised). Account numbers are in full for those who release orders
(admins, advisors), masked (``****2345``) for everyone else. The ``lots`` and
``accounts`` exports carry the positions and cash import layouts' columns first, so
an export imports back into another firm as it is (the extra columns are ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from advisory.engine.lots import holding_term
from advisory.engine.money import CENT
from advisory.lib.spreadsheet import Cell, csv_bytes, xlsx_bytes
from portfolios.access import households_for, mask_account_number, may_see_account_numbers
from portfolios.imports.gains import realized_gains
from portfolios.models import Account, Household, Lot, Transaction

type Table = tuple[list[str], list[list[Cell]]]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _households(user: Any, household_id: int | None) -> QuerySet[Household]:
    households = households_for(user)
    return households.filter(pk=household_id) if household_id is not None else households


def _number(user: Any) -> Callable[[Account], str]:
    full = may_see_account_numbers(user)
    return lambda a: a.account_number if full else mask_account_number(a.account_number)


def households_table(user: Any, household_id: int | None, **_: Any) -> Table:
    header = [
        "id",
        "name",
        "filing_status",
        "t_ord",
        "t_ltcg",
        "realized_st_ytd",
        "realized_lt_ytd",
        "carryforward_st",
        "carryforward_lt",
    ]
    rows: list[list[Cell]] = [
        [
            h.pk,
            h.name,
            h.filing_status,
            h.t_ord,
            h.t_ltcg,
            h.realized_st_ytd,
            h.realized_lt_ytd,
            h.carryforward_st,
            h.carryforward_lt,
        ]
        for h in _households(user, household_id).order_by("name", "id")
    ]
    return header, rows


def accounts_table(user: Any, household_id: int | None, as_of: date, **_: Any) -> Table:
    number = _number(user)
    header = [
        "account_number",
        "date",
        "cash",
        "household",
        "account_name",
        "account_type",
        "custodian",
        "cash_reserve",
    ]
    accounts = Account.objects.filter(household__in=_households(user, household_id))
    rows: list[list[Cell]] = [
        [
            number(a),
            as_of,
            a.cash,
            a.household.name,
            a.name,
            a.account_type,
            a.custodian,
            a.cash_reserve,
        ]
        for a in accounts.select_related("household").order_by("household__name", "name", "id")
    ]
    return header, rows


def lots_table(user: Any, household_id: int | None, as_of: date, **_: Any) -> Table:
    number = _number(user)
    header = [
        "account_number",
        "symbol",
        "quantity",
        "cost_basis",
        "acquired_on",
        "household",
        "account_name",
        "price",
        "market_value",
        "unrealized_gain",
        "term",
        "wash_adjustment",
    ]
    lots = Lot.objects.filter(account__household__in=_households(user, household_id))
    rows: list[list[Cell]] = []
    for lot in lots.select_related("account__household", "security").order_by(
        "account__household__name", "account__name", "security__symbol", "acquired_on", "id"
    ):
        value = (lot.quantity * lot.security.price).quantize(CENT)
        rows.append(
            [
                number(lot.account),
                lot.security.symbol,
                lot.quantity,
                lot.cost_basis,
                lot.acquired_on,
                lot.account.household.name,
                lot.account.name,
                lot.security.price,
                value,
                value - lot.cost_basis,
                holding_term(lot.holding_start, as_of).value,
                lot.wash_adjustment,
            ]
        )
    return header, rows


def transactions_table(user: Any, household_id: int | None, **_: Any) -> Table:
    number = _number(user)
    header = [
        "account_number",
        "symbol",
        "kind",
        "trade_date",
        "quantity",
        "amount",
        "realized_gain",
        "wash_disallowed",
        "description",
        "household",
        "account_name",
    ]
    rows: list[list[Cell]] = [
        [
            number(t.account),
            t.security.symbol if t.security else "",
            t.kind,
            t.trade_date,
            t.quantity,
            t.amount,
            t.realized_gain,
            t.wash_disallowed,
            t.description,
            t.account.household.name,
            t.account.name,
        ]
        for t in Transaction.objects.filter(account__household__in=_households(user, household_id))
        .select_related("account__household", "security")
        .order_by("trade_date", "id")
    ]
    return header, rows


GAIN_COLUMNS = [
    "account",
    "security",
    "quantity",
    "acquired_on",
    "sold_on",
    "proceeds",
    "cost_basis",
    "adjustment_code",
    "adjustment",
    "gain",
    "term",
]


def realized_gains_table(user: Any, household_id: int | None, year: int, **_: Any) -> Table:
    rows: list[list[Cell]] = []
    for household in _households(user, household_id).order_by("name", "id"):
        report = realized_gains(household=household, year=year)
        rows.extend([household.name, *[line[c] for c in GAIN_COLUMNS]] for line in report["lines"])
    return ["household", *GAIN_COLUMNS], rows


EXPORTS: dict[str, Callable[..., Table]] = {
    "households": households_table,
    "accounts": accounts_table,
    "lots": lots_table,
    "transactions": transactions_table,
    "realized-gains": realized_gains_table,
}


def export_file(kind: str, table: Table, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of a table as CSV or XLSX."""
    header, rows = table
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return xlsx_bytes(header, rows, title=kind), FORMATS["xlsx"], f"{kind}-{stamp}.xlsx"
    return csv_bytes(header, rows), FORMATS["csv"], f"{kind}-{stamp}.csv"


def export_table(
    kind: str,
    *,
    user: Any,
    household_id: int | None = None,
    year: int | None = None,
    as_of: date | None = None,
) -> Table:
    today = as_of or timezone.localdate()
    return EXPORTS[kind](user, household_id=household_id, as_of=today, year=year or today.year)


def table_rows(table: Table) -> Sequence[dict[str, Cell]]:
    header, rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]
