"""Checking the rows of an import file against the book: every error of every row.

A row is a :class:`CheckedRow`; ``lot_of``, ``cash_of`` and ``transaction_of``
parse one row of their kind into what is written, or leave its errors on the row;
``check_prices`` checks a chunk of price rows at once. Accounts are looked up among
those the user may change (``households_for(user, write=True)``) and symbols among
the firm's securities, in bulk (``accounts_numbered``, ``accounts_identified``,
``securities_named``): the queries do not grow with the rows. An id or number
outside the user's reach is "unknown", exactly like one that does not exist. What
is checked across rows (duplicates, the book) is the streamed import's own module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.db.models.functions import Upper

from advisory.engine.money import ZERO
from advisory.validators import MAX_MONEY, MAX_PRICE, MAX_SHARES, validate_plain_text
from portfolios.access import households_for
from portfolios.imports.files import (
    CellError,
    Record,
    RowError,
    parse_date,
    parse_decimal,
    parse_id,
)
from portfolios.models import (
    Account,
    PricePoint,
    Security,
    Transaction,
    TransactionKind,
    amount_sign_error,
)
from portfolios.selectors import security_list

LOOKUP_CHUNK = 2000  # ids per IN (...) list, well under SQLite's variable limit
SECURITY_KINDS = frozenset({TransactionKind.BUY, TransactionKind.SELL, TransactionKind.REINVEST})
UNKNOWN_ACCOUNT = "Unknown account: none with this id that you may change."
UNKNOWN_NUMBER = "Unknown account number: none that you may change."
DESCRIPTION_MAX = 200
NUL_IN_CELL = "NUL characters are not allowed."


class CheckedRow:
    """One record's cells, parsed one by one; each bad cell becomes an error of the row."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.errors: list[RowError] = []

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.record.row, column, message))

    def text(self, column: str) -> str:
        return self.record.cells.get(column, "")

    def parsed[V](
        self, column: str, parse: Callable[[str], V], *, required: bool = True
    ) -> V | None:
        text = self.text(column)
        if "\x00" in text:
            self.error(column, NUL_IN_CELL)
            return None
        if not text:
            if required:
                self.error(column, "Required.")
            return None
        try:
            return parse(text)
        except CellError as bad:
            self.error(column, str(bad))
            return None

    def account_by_number(self, accounts: dict[str, Account]) -> Account | None:
        number = self.text("account_number")
        if not number:
            self.error("account_number", "Required.")
            return None
        found = accounts.get(number)
        if found is None:
            self.error("account_number", UNKNOWN_NUMBER)
        return found

    def account(self, accounts: dict[int, Account]) -> Account | None:
        account_id = self.parsed("account", parse_id)
        if account_id is None:
            return None
        if account_id not in accounts:
            self.error("account", UNKNOWN_ACCOUNT)
        return accounts.get(account_id)

    def security(
        self, securities: dict[str, Security], *, required: bool = True
    ) -> Security | None:
        symbol = self.text("symbol")
        if "\x00" in symbol:
            self.error("symbol", NUL_IN_CELL)
            return None
        if not symbol:
            if required:
                self.error("symbol", "Required.")
            return None
        found = securities.get(symbol.upper())
        if found is None:
            self.errors.append(
                RowError(
                    self.record.row,
                    "symbol",
                    f"Unknown symbol “{symbol[:20]}”: no security of your firm.",
                    value=symbol.upper()[:20],
                )
            )
        return found


def _duplicate(seen: dict[tuple[Any, ...], int], key: tuple[Any, ...], row: int) -> int | None:
    """The earlier row with the same key, or None (and remember this one)."""
    earlier = seen.setdefault(key, row)
    return earlier if earlier != row else None


LotCells = tuple[Account, Security, Decimal, Decimal, date]


def lot_of(
    row: CheckedRow,
    account: Account | None,
    securities: dict[str, Security],
    *,
    today: date,
    menu: Set[int] = frozenset(),
) -> LotCells | None:
    """A lot's (account, security, quantity, basis, acquired), or None (the row's errors).

    ``account`` is the row's account, already looked up (its error, if any, already
    the row's); ``menu``: the classes the account may hold (empty: any).
    """
    security = row.security(securities)
    quantity = row.parsed("quantity", _shares(above=True))
    basis = row.parsed(
        "cost_basis",
        partial(parse_decimal, places=2, max_digits=16, minimum=ZERO, maximum=MAX_MONEY),
    )
    acquired = row.parsed("acquired_on", partial(parse_date, latest=today))
    if security and menu and security.asset_class_id not in menu:
        row.error(
            "symbol",
            f"{security.symbol} ({security.asset_class.name}) is not on this account's "
            "investment menu.",
        )
    if (
        row.errors
        or account is None
        or security is None
        or quantity is None
        or basis is None
        or acquired is None
    ):
        return None
    return account, security, quantity, basis, acquired


def cash_of(
    row: CheckedRow, accounts: dict[str, Account], *, today: date
) -> tuple[Account, Decimal] | None:
    """A cash row's (account by number, balance), or None (the row's errors)."""
    account = row.account_by_number(accounts)
    row.parsed("date", partial(parse_date, latest=today))
    cash = row.parsed(
        "cash", partial(parse_decimal, places=2, max_digits=16, minimum=ZERO, maximum=MAX_MONEY)
    )
    if row.errors or account is None or cash is None:
        return None
    return account, cash


def _shares(*, above: bool) -> Callable[[str], Decimal]:
    return partial(
        parse_decimal, places=6, max_digits=22, minimum=ZERO, above=above, maximum=MAX_SHARES
    )


def _money(text: str) -> Decimal:
    return parse_decimal(text, places=2, max_digits=16, maximum=MAX_MONEY)


def _kind(text: str) -> TransactionKind:
    value = text.lower()
    if value not in TransactionKind.values:
        raise CellError(f"“{text[:20]}” is not a kind; use one of {', '.join(TransactionKind)}.")
    return TransactionKind(value)


def _description(text: str) -> str:
    if len(text) > DESCRIPTION_MAX:
        raise CellError(f"At most {DESCRIPTION_MAX} characters.")
    try:
        validate_plain_text(text)
    except ValidationError as bad:
        raise CellError(bad.messages[0]) from bad
    return text


def transaction_of(
    row: CheckedRow,
    accounts: dict[int, Account],
    numbered: dict[str, Account],
    securities: dict[str, Security],
    *,
    today: date,
) -> Transaction | None:
    if "account_number" in row.record.cells:
        account = row.account_by_number(numbered)
    else:
        account = row.account(accounts)
    kind = row.parsed("kind", _kind)
    trades_security = kind in SECURITY_KINDS
    security = row.security(securities, required=trades_security)
    trade_date = row.parsed("trade_date", partial(parse_date, latest=today))
    quantity = row.parsed("quantity", _shares(above=trades_security), required=trades_security)
    amount = row.parsed("amount", _money)
    gain = row.parsed("realized_gain", _money, required=False)
    description = row.parsed("description", _description, required=False) or ""
    if gain is not None and kind is not None and kind != TransactionKind.SELL:
        row.error("realized_gain", "Only a sell realizes a gain.")
    if kind is not None and amount is not None and (sign_error := amount_sign_error(kind, amount)):
        row.error("amount", sign_error)
    if row.errors or account is None or kind is None or trade_date is None or amount is None:
        return None
    return Transaction(
        account=account,
        security=security,
        kind=kind,
        trade_date=trade_date,
        quantity=quantity if quantity is not None else ZERO,
        amount=amount,
        realized_gain=gain,  # type: ignore[misc]
        description=description,
    )


def check_prices(
    records: Sequence[Record], *, user: Any, today: date
) -> tuple[list[PricePoint], list[RowError]]:
    """The daily closes to upsert, or the errors of every row."""
    securities = _securities_by_symbol(user, records)
    seen: dict[tuple[Any, ...], int] = {}
    points: list[PricePoint] = []
    errors: list[RowError] = []
    for record in records:
        row = CheckedRow(record)
        security = row.security(securities)
        day = row.parsed("date", partial(parse_date, latest=today))
        close = row.parsed(
            "price",
            partial(
                parse_decimal, places=6, max_digits=18, minimum=ZERO, above=True, maximum=MAX_PRICE
            ),
        )
        if row.errors or security is None or day is None or close is None:
            errors.extend(row.errors)
            continue
        if (earlier := _duplicate(seen, (security.pk, day), record.row)) is not None:
            errors.append(RowError(record.row, None, f"The same symbol and date as row {earlier}."))
        else:
            points.append(PricePoint(security=security, date=day, close=close))
    return points, errors


# --- lookups in bulk --------------------------------------------------------------------------


def _chunks[V](values: Iterable[V]) -> Iterator[list[V]]:
    ordered = list(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start : start + LOOKUP_CHUNK]


def accounts_identified(user: Any, ids: Iterable[str]) -> dict[int, Account]:
    """The accounts of these ids (as the file's text) that the user may change, by id, with
    their investment menus (others absent: an id out of reach reads as unknown)."""
    parsed = set()
    for text in ids:
        try:
            parsed.add(parse_id(text))
        except CellError:
            continue
    writable = households_for(user, write=True)
    found: dict[int, Account] = {}
    for keys in _chunks(sorted(parsed)):
        accounts = Account.objects.filter(household__in=writable, pk__in=keys)
        found.update((a.pk, a) for a in accounts.prefetch_related("allowed_asset_classes"))
    return found


def menu_of(account: Account) -> frozenset[int]:
    """The classes an account may hold (empty: any), from its prefetched menu."""
    return frozenset(c.pk for c in account.allowed_asset_classes.all())


def accounts_numbered(
    user: Any, numbers: Iterable[str], *, menus: bool = False
) -> dict[str, Account]:
    """The accounts of these numbers that the user may change, by number (others absent);
    ``menus``: with their investment menus prefetched."""
    writable = households_for(user, write=True)
    found: dict[str, Account] = {}
    for keys in _chunks(sorted(set(numbers) - {""})):
        accounts = Account.objects.filter(household__in=writable, account_number__in=keys)
        if menus:
            accounts = accounts.prefetch_related("allowed_asset_classes")
        found.update((a.account_number, a) for a in accounts)
    return found


def _securities_by_symbol(user: Any, records: Sequence[Record]) -> dict[str, Security]:
    """The firm's securities named in the file, by upper-case symbol."""
    return securities_named(user, (r.cells.get("symbol", "") for r in records))


def securities_named(user: Any, symbols: Iterable[str]) -> dict[str, Security]:
    """The firm's securities of these symbols, by upper-case symbol (others absent)."""
    # A symbol with NUL is reported on its row; PostgreSQL refuses it in a query.
    wanted = {s.upper() for s in symbols if s and "\x00" not in s}
    found: dict[str, Security] = {}
    firm_securities = security_list(user=user).alias(symbol_key=Upper("symbol"))
    for keys in _chunks(sorted(wanted)):
        matching = firm_securities.filter(symbol_key__in=keys)
        found.update((s.symbol.upper(), s) for s in matching)
    return found


def price_days_in_book(points: Sequence[PricePoint]) -> set[tuple[int, date]]:
    if not points:
        return set()
    first = min(p.date for p in points)
    last = max(p.date for p in points)
    days: set[tuple[int, date]] = set()
    for ids in _chunks(sorted({p.security_id for p in points})):
        days.update(
            PricePoint.objects.filter(
                security_id__in=ids, date__gte=first, date__lte=last
            ).values_list("security_id", "date")
        )
    return days


def repriced_securities(points: Sequence[PricePoint]) -> list[Security]:
    """Securities whose newest price is in the file, with that price set as their last price."""
    newest: dict[int, PricePoint] = {}
    for point in points:
        if point.security_id not in newest or point.date > newest[point.security_id].date:
            newest[point.security_id] = point
    latest_in_book: dict[int, date] = {}
    for ids in _chunks(sorted(newest)):
        latest_in_book.update(
            PricePoint.objects.filter(security_id__in=ids)
            .values("security_id")
            .annotate(latest=Max("date"))
            .values_list("security_id", "latest")
        )
    repriced = []
    for security_id, point in newest.items():
        security = point.security
        known = [d for d in (latest_in_book.get(security_id), security.price_date) if d]
        if not known or point.date >= max(known):
            security.price = point.close
            security.price_date = point.date
            repriced.append(security)
    return repriced
