"""What can be imported: the kinds, their columns and layouts, the report of a file, who may."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from portfolios.access import Capability, can_edit_securities, has_capability
from portfolios.imports.files import (
    Column,
    RowError,
)

WRITE_BATCH = 1000
ERRORS_KEPT = 1000  # a streamed import keeps the first errors by row, and counts the rest
CHANGES_KEPT = 1000  # and the first lines of what it changes (the counts are all of them)


class ImportKind(StrEnum):
    LOTS = "lots"
    POSITIONS = "positions"
    TRANSACTIONS = "transactions"
    CASH = "cash"
    PRICES = "prices"

    @property
    def label(self) -> str:
        return self.value.title()


_ACCOUNT = Column(
    "account", "The account's id: the number in its page's address (/accounts/42/).", "42"
)
_NUMBER = Column("account_number", "The custodian's account number, in full.", "8812345")
COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.POSITIONS: (
        _NUMBER,
        Column("symbol", "A security of your firm.", "VTI"),
        Column("quantity", "Shares, more than 0, up to 6 decimal places.", "10.5", kind="number"),
        Column(
            "cost_basis",
            "What the whole lot cost, in dollars (0 or more).",
            "2450.75",
            kind="number",
        ),
        Column("acquired_on", "Acquisition date, not in the future.", "2024-06-14", kind="date"),
        *(
            Column(name, "Ignored (the lots export carries it).", "", required=False)
            for name in (
                "household",
                "account_name",
                "price",
                "market_value",
                "unrealized_gain",
                "term",
                "wash_adjustment",
            )
        ),
    ),
    ImportKind.CASH: (
        _NUMBER,
        Column("date", "The day of the balance, not in the future.", "2024-06-14", kind="date"),
        Column("cash", "The account's cash balance (0 or more).", "1520.00", kind="number"),
        *(
            Column(name, "Ignored (the accounts export carries it).", "", required=False)
            for name in ("household", "account_name", "account_type", "custodian", "cash_reserve")
        ),
    ),
    ImportKind.LOTS: (
        Column(
            _ACCOUNT.name, _ACCOUNT.description + " Or give account_number.", "42", required=False
        ),
        Column(_NUMBER.name, _NUMBER.description + " Or give account.", "", required=False),
        Column("symbol", "A security of your firm.", "VTI"),
        Column("quantity", "Shares, more than 0, up to 6 decimal places.", "10.5", kind="number"),
        Column(
            "cost_basis",
            "What the whole lot cost, in dollars (0 or more).",
            "2450.75",
            kind="number",
        ),
        Column(
            "acquired_on",
            "Acquisition date, YYYY-MM-DD, not in the future.",
            "2024-06-14",
            kind="date",
        ),
    ),
    ImportKind.TRANSACTIONS: (
        Column(_ACCOUNT.name, "The account's id (or give account_number).", "42", required=False),
        Column(_NUMBER.name, _NUMBER.description + " Or give account.", "8812345", required=False),
        Column("symbol", "Required for buy, sell and reinvest; blank for cash.", "VTI"),
        Column("kind", "buy, sell, deposit, withdrawal, dividend, reinvest or fee.", "sell"),
        Column("trade_date", "YYYY-MM-DD, not in the future.", "2024-06-14", kind="date"),
        Column(
            "quantity",
            "Shares (more than 0 for buy, sell, reinvest); blank is 0.",
            "5",
            kind="number",
        ),
        Column(
            "amount",
            "Signed effect on cash: buys, withdrawals, fees and reinvestments negative; "
            "sells, deposits and dividends positive.",
            "1250.00",
            kind="number",
        ),
        Column(
            "realized_gain",
            "Sells only, signed. Optional.",
            "310.25",
            required=False,
            kind="number",
        ),
        Column("description", "Up to 200 characters. Optional.", "Trim", required=False),
    ),
    ImportKind.PRICES: (
        Column("symbol", "A security of your firm.", "VTI"),
        Column(
            "date",
            "The day of the closing price, YYYY-MM-DD, not in the future.",
            "2024-06-14",
            kind="date",
        ),
        Column(
            "price",
            "Closing price per share, more than 0, up to 6 decimals.",
            "250.31",
            kind="number",
        ),
    ),
}
NOTES: dict[ImportKind, str] = {
    ImportKind.POSITIONS: (
        "The custodian's positions: every open lot of each account in the file. It is "
        "reconciled against the book: a row matches a lot by account, security and acquisition "
        "date (several that day: by basis per share, then in order); a matched lot whose "
        "quantity or basis differs is changed; a lot of an account in the file that no row "
        "matches is closed. The same file twice changes nothing."
    ),
    ImportKind.CASH: "Each account's cash balance; the differences are shown before they apply.",
    ImportKind.LOTS: (
        "Each row creates a tax lot. A lot identical to one already in the account is "
        "refused, so the same file cannot be imported twice. An account with an investment "
        "menu (a 401(k)) takes only securities of the classes on its menu."
    ),
    ImportKind.TRANSACTIONS: (
        "Transactions are kept as history, or, when you choose to apply them, move the book: "
        "buys create lots, sells relieve lots first-in first-out with the realised gain and "
        "wash sales, deposits and withdrawals move cash."
    ),
    ImportKind.PRICES: (
        "Daily closing prices. A price for a day the security already has replaces it. "
        "A security's newest price also becomes its last price, which values every holding."
    ),
}
NOUNS = {
    ImportKind.POSITIONS: "lot",
    ImportKind.LOTS: "lot",
    ImportKind.TRANSACTIONS: "transaction",
    ImportKind.CASH: "cash balance",
    ImportKind.PRICES: "price",
}


@dataclass(frozen=True)
class ImportReport:
    """What an import read, and created and updated (or, on a dry run, would have)."""

    kind: ImportKind
    dry_run: bool
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    securities_repriced: int = 0
    closed: int = 0
    unchanged: int = 0
    changes: tuple[dict[str, str], ...] = ()  # what reconciliation adds, changes or closes
    errors: tuple[RowError, ...] = ()
    record_id: int | None = None
    securities_created: tuple[str, ...] = ()
    file_refused: bool = False  # the file could not be read at all (its one error says why)
    error_count: int = 0  # all the errors, when ``errors`` keeps only the first of them
    symbols_unknown: tuple[str, ...] = ()  # every unknown symbol, when errors were left off

    @property
    def error_total(self) -> int:
        return max(self.error_count, len(self.errors))

    @property
    def unknown_symbols(self) -> list[str]:
        """Symbols the file names that the firm has no security for (offered for creation)."""
        kept = {e.value for e in self.errors if e.column == "symbol" and e.value}
        return sorted(kept | set(self.symbols_unknown))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def file_errors(self) -> list[str]:
        return [e.message for e in self.errors if e.row is None or self.file_refused]

    @property
    def row_errors(self) -> list[RowError]:
        return [] if self.file_refused else [e for e in self.errors if e.row is not None]

    def summary(self) -> str:
        if not self.ok:
            count = self.error_total
            return f"{count} error{'s' if count != 1 else ''}; nothing was imported."
        noun = NOUNS[self.kind]
        verb = "would be " if self.dry_run else ""
        parts = [f"{_count(self.created, noun)} {verb}created"]
        if self.updated:
            parts.append(f"{self.updated} {verb}{'changed' if self.changes else 'updated'}")
        if self.closed:
            parts.append(f"{self.closed} {verb}closed")
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.securities_repriced:
            parts.append(f"{_count(self.securities_repriced, 'last price')} {verb}updated")
        done = "checked" if self.dry_run else "imported"
        tail = " Nothing was written." if self.dry_run else ""
        return f"{_count(self.rows_read, 'row')} {done}: {', '.join(parts)}.{tail}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"


def may_import(user: Any, kind: ImportKind) -> bool:
    if kind == ImportKind.PRICES:
        return can_edit_securities(user)
    return has_capability(user, Capability.EDIT_BOOK)


def import_kinds_for(user: Any) -> list[ImportKind]:
    return [kind for kind in ImportKind if may_import(user, kind)]


def template_rows(kind: ImportKind) -> list[list[str]]:
    """The header and one example row, for the downloadable template."""
    columns = [c for c in COLUMNS[kind] if c.example]  # not the columns an import ignores
    return [[c.name for c in columns], [c.example for c in columns]]
