"""Reading an uploaded CSV file for the book-of-record imports: no ORM, no Django.

A file is UTF-8 (with or without the byte-order mark Excel writes), at most
``MAX_FILE_BYTES`` and ``MAX_ROWS`` data rows. Header names are matched
case-insensitively and trimmed (``Cost Basis`` is ``cost_basis``). Rows are
numbered as a spreadsheet shows them: the header is row 1, the first data row
is row 2; blank rows are skipped but keep their number.

Every problem is a :class:`RowError`; a problem with the file as a whole (too
big, not text, no header) has ``row`` None and stops the reading.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import IO

from advisory.validators import EARLIEST_DATE

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
HEADER_ROW = 1
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Column:
    """A column of an import file, as the page and the template file describe it."""

    name: str
    description: str
    example: str
    required: bool = True  # must be in the header (its cells may still be blank when allowed)


@dataclass(frozen=True)
class RowError:
    """``row`` as a spreadsheet numbers it (None: the file); ``column`` None: the whole row."""

    row: int | None
    column: str | None
    message: str


@dataclass(frozen=True)
class Record:
    """One data row: trimmed text by column name ("" for a blank or missing cell)."""

    row: int
    cells: dict[str, str]


@dataclass
class Table:
    records: list[Record] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class FileRefused(Exception):
    """The file cannot be read at all; ``message`` says why in the user's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def header_key(name: str) -> str:
    """``" Cost Basis "`` → ``"cost_basis"``."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def read_table(upload: IO[bytes] | bytes, columns: Sequence[Column]) -> Table:
    """The file's data rows by column, or the errors of its header.

    Raises :class:`FileRefused` when the file is too big, not UTF-8 text, empty,
    malformed CSV or has too many rows.
    """
    text = _decoded(_read_limited(upload))
    rows = _csv_rows(text)
    table = Table()
    header_at = next((n for n, cells in rows if any(c.strip() for c in cells)), None)
    if header_at is None:
        raise FileRefused("The file is empty: the first row must name the columns.")
    names = [header_key(c) for c in rows[header_at - 1][1]]
    table.errors.extend(_header_errors(names, columns, row=header_at))
    if table.errors:
        return table
    for number, cells in rows[header_at:]:
        if not any(c.strip() for c in cells):
            continue
        if len(table.records) == MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows; split it into parts.")
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
            table.errors.append(
                RowError(number, None, "This row has more cells than the header has columns.")
            )
            continue
        values = {
            name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)
        }
        table.records.append(Record(number, values))
    return table


def _read_limited(upload: IO[bytes] | bytes) -> bytes:
    if isinstance(upload, bytes):
        data = upload
    else:
        if getattr(upload, "size", None) is not None and upload.size > MAX_FILE_BYTES:  # type: ignore[attr-defined]
            raise FileRefused(_too_big())
        if upload.seekable():
            upload.seek(0)
        data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(_too_big())
    return data


def _too_big() -> str:
    return f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into parts."


def _decoded(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused("The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise FileRefused(
            "The file is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” and upload it "
            "again."
        ) from bad


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """Records numbered from 1; a quoted cell spanning lines is still one spreadsheet row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(enumerate(reader, start=1))
    except csv.Error as malformed:
        raise FileRefused(
            f"The file is not valid CSV near line {reader.line_num}: {malformed}."
        ) from malformed


def _header_errors(names: list[str], columns: Sequence[Column], *, row: int) -> list[RowError]:
    known = {c.name for c in columns}
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        return [RowError(row, None, "Columns must be separated by commas, not semicolons or tabs.")]
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in names:
        if not name:
            errors.append(RowError(row, None, "A column has no name."))
        elif name not in known:
            expected = ", ".join(c.name for c in columns)
            errors.append(RowError(row, name, f"Unknown column; the columns are {expected}."))
        elif name in seen:
            errors.append(RowError(row, name, "This column appears twice."))
        seen.add(name)
    errors.extend(
        RowError(row, c.name, "This column is missing.")
        for c in columns
        if c.required and c.name not in seen
    )
    return errors


# --- cells ------------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be used; the message is shown next to the row and column."""


def parse_decimal(
    text: str,
    *,
    places: int,
    max_digits: int,
    minimum: Decimal | None = None,
    above: bool = False,
    maximum: Decimal | None = None,
) -> Decimal:
    """A plain decimal number (``1234.5``; no thousands separators, currency signs or exponents).

    At most ``places`` decimals (trailing zeros do not count) and fits the column's
    ``max_digits``; at least ``minimum`` (or more than it when ``above``).
    """
    if not PLAIN_NUMBER.match(text):
        raise CellError(f"“{_clip(text)}” is not a number; write it like 1234.56.")
    try:
        value = Decimal(text)
    except InvalidOperation as bad:  # pragma: no cover - the pattern admits only numbers
        raise CellError(f"“{_clip(text)}” is not a number.") from bad
    if abs(value) >= Decimal(10) ** (max_digits - places):
        raise CellError("This number is too large.")
    if maximum is not None and abs(value) > maximum:
        raise CellError(f"At most {maximum:,} (in absolute value).")
    step = Decimal(1).scaleb(-places)
    if value != value.quantize(step, rounding=ROUND_DOWN):
        raise CellError(f"At most {places} decimal places.")
    if minimum is not None and (value <= minimum if above else value < minimum):
        raise CellError(f"Must be {'more than' if above else 'at least'} {minimum}.")
    return value.quantize(step)


def parse_date(text: str, *, latest: date | None = None) -> date:
    """A date written ``YYYY-MM-DD``, not after ``latest`` when given."""
    if not ISO_DATE.match(text):
        raise CellError(f"“{_clip(text)}” is not a date; write it as YYYY-MM-DD.")
    try:
        day = date.fromisoformat(text)
    except ValueError as bad:
        raise CellError(f"“{text}” is not a real date.") from bad
    if latest is not None and day > latest:
        raise CellError(f"Cannot be after today ({latest.isoformat()}).")
    if day < EARLIEST_DATE:
        raise CellError("Cannot be before 1900-01-01.")
    return day


def parse_id(text: str) -> int:
    """A row id: digits only, small enough for the database."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise CellError(f"“{_clip(text)}” is not an id (a whole number).")
    return int(text)


def _clip(text: str, length: int = 40) -> str:
    return text if len(text) <= length else f"{text[: length - 1]}…"
