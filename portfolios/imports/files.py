"""Reading an uploaded CSV or XLSX file for the book-of-record imports: no ORM, no Django.

A file is CSV (UTF-8 with or without the byte-order mark Excel writes, or the
encoding its mapping names: Latin-1, Windows-1252) or XLSX (the first sheet,
read row by row with openpyxl's read-only mode), at most ``MAX_FILE_BYTES`` and
``MAX_ROWS`` data rows. Header names are matched case-insensitively and trimmed
(``Cost Basis`` is ``cost_basis``), after a :class:`Layout`'s renaming. Rows are
numbered as a spreadsheet shows them: the header is row 1, the first data row
is row 2; blank rows are skipped but keep their number.

Every cell is read as text: numbers never pass through ``float`` on the way
from a CSV. An XLSX stores a number as the shortest decimal text of a binary
double; openpyxl hands it over as a float and its ``repr`` gives back exactly
the digits the sheet stored, which is what is parsed as ``Decimal``. A
:class:`Layout` turns a custodian's conventions into the generic ones before
the cells are checked: thousands and decimal separators, negatives in
parentheses, dates in a ``strftime`` pattern or Excel serial day numbers.

Every problem is a :class:`RowError`; a problem with the file as a whole (too
big, not text, no header, a NUL byte) stops the reading with :class:`FileRefused`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import IO, Any

from advisory.validators import EARLIEST_DATE

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_ROWS = 200_000
HEADER_ROW = 1
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
SERIAL_DAY = re.compile(r"^\d{1,7}(\.0+)?$")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's phantom 1900-02-29 included)
TOTAL_ROW = re.compile(r"^(grand\s+)?totals?\b", re.IGNORECASE)
XLSX_MAGIC = b"PK\x03\x04"
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
EXCEL_DATES = "excel"
PROGRESS_EVERY = 2000
# Told the row reached after each chunk of rows read (a queued import sets it).
progress_hook: ContextVar[Callable[[int], None] | None] = ContextVar("progress_hook", default=None)


@dataclass(frozen=True)
class Column:
    """A column of an import file, as the page and the template file describe it."""

    name: str
    description: str
    example: str
    required: bool = True  # must be in the header (its cells may still be blank when allowed)
    kind: str = "text"  # text, number or date: what a Layout normalises


@dataclass(frozen=True)
class Layout:
    """A custodian's conventions (a saved mapping); the default is the generic layout."""

    columns: Mapping[str, str] = field(default_factory=dict)  # generic name -> file header
    date_format: str = "%Y-%m-%d"
    decimal_separator: str = "."
    thousands_separator: str = ""
    negative_parentheses: bool = False
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def is_generic(self) -> bool:
        return self == Layout()


@dataclass(frozen=True)
class RowError:
    """``row`` as a spreadsheet numbers it (None: the file); ``column`` None: the whole row."""

    row: int | None
    column: str | None
    message: str
    value: str = ""  # the cell's text, when the page may offer a fix (an unknown symbol)


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

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


def header_key(name: str) -> str:
    """``" Cost Basis "`` → ``"cost_basis"``."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def read_chunks(
    upload: IO[bytes] | bytes,
    columns: Sequence[Column],
    layout: Layout | None = None,
    *,
    filename: str = "",
    size: int = PROGRESS_EVERY,
) -> Iterator[Table]:
    """The file's data rows as tables of at most ``size`` records, each with its rows' errors.

    Read lazily, one chunk at a time, so only one chunk of records is held. A header
    with errors is one table of those errors alone (the rest is still read, so a
    malformed file is refused for that first). After each chunk the progress hook is
    told the spreadsheet row reached. Raises :class:`FileRefused` when the file is too
    big, not text in its encoding, empty, malformed, holds a NUL byte or has too many rows.
    """
    layout = layout or Layout()
    rows = iter_rows(_read_limited(upload), layout, filename=filename)
    header_at, header = next(rows, (None, []))
    if header_at is None:
        raise FileRefused("The file is empty: the first row must name the columns.")
    renamed = {header_key(theirs): ours for ours, theirs in layout.columns.items() if theirs}
    names = [renamed.get(header_key(c), header_key(c)) for c in header]
    header_errors = _header_errors(names, columns, row=header_at, layout=layout)
    if header_errors:
        for _ in rows:  # a file that is also malformed is refused for that first
            pass
        yield Table(errors=header_errors)
        return
    kinds = {c.name: c.kind for c in columns}
    hook = progress_hook.get()
    part, total = Table(), 0
    for number, cells in rows:
        if total == MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows; split it into parts.")
        if error := _row_shape_error(number, cells, names):
            part.errors.append(error)
            continue
        values = {
            name: normal_cell(cells[i].strip() if i < len(cells) else "", kinds.get(name), layout)
            for i, name in enumerate(names)
        }
        part.records.append(Record(number, values))
        total += 1
        if len(part.records) == size:
            if hook is not None:
                hook(number)
            yield part
            part = Table()
    if part.records or part.errors:
        yield part


def _row_shape_error(number: int, cells: list[str], names: list[str]) -> RowError | None:
    if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
        return RowError(number, None, "This row has more cells than the header has columns.")
    if cells and TOTAL_ROW.match(cells[0].strip()):
        return RowError(number, names[0], "A total row: remove it, totals are not data.")
    return None


def iter_rows(
    data: bytes, layout: Layout, *, filename: str = ""
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows of a CSV or XLSX file as text cells, numbered from 1, the header first."""
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        yield from _xlsx_rows(data)
        return
    yield from _csv_rows(_decoded(data, layout.encoding), layout.delimiter)


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


def _decoded(data: bytes, encoding: str = "utf-8") -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused("The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise FileRefused(
            f"Row {line} holds a NUL byte: this is not a text file. Export it again as CSV.",
            row=line,
        )
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        raise FileRefused(
            f"Row {line} is not UTF-8 text. Save the file as “CSV UTF-8 (comma delimited)”, or "
            "choose a mapping whose encoding is Latin-1, and upload it again.",
            row=line,
        ) from bad


def _csv_rows(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Records numbered from 1; a quoted cell spanning lines is still one spreadsheet row."""
    # Lines cut lazily (as a text file with newline="" would: \n, \r or \r\n kept), not
    # through io.StringIO, which copies the whole text at four bytes a character.
    lines = (m.group() for m in LINE.finditer(text))
    reader = csv.reader(lines, strict=True, delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                yield number, cells
    except csv.Error as malformed:
        raise FileRefused(
            f"The file is not valid CSV near line {reader.line_num}: {malformed}."
        ) from malformed


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as bad:
        raise FileRefused("The file is not a readable XLSX workbook.") from bad
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [xlsx_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if any(c.strip() for c in cells):
                yield number, cells
    finally:
        book.close()


def xlsx_text(value: Any) -> str:
    """A cell as text: dates ISO, numbers their stored digits (``repr`` of the double)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def normal_cell(text: str, kind: str | None, layout: Layout) -> str:
    """A number or date cell in the generic form, when the layout can read it; else unchanged."""
    if not text or kind not in ("number", "date"):
        return text
    if kind == "number":
        return normal_number(text, layout)
    return normal_date(text, layout)


def normal_number(text: str, layout: Layout) -> str:
    value = text.replace("$", "").replace(" ", "")
    if layout.negative_parentheses and value.startswith("(") and value.endswith(")"):
        value = f"-{value[1:-1]}"
    if layout.thousands_separator:
        value = value.replace(layout.thousands_separator, "")
    if layout.decimal_separator != ".":
        value = value.replace(layout.decimal_separator, ".")
    return value if PLAIN_NUMBER.match(value) else text


def normal_date(text: str, layout: Layout) -> str:
    if ISO_DATE.match(text):
        return text
    if layout.date_format == EXCEL_DATES:
        return excel_serial_date(text) or text
    try:
        return datetime.strptime(text, layout.date_format).date().isoformat()  # noqa: DTZ007
    except ValueError:
        return text


def excel_serial_date(text: str) -> str | None:
    """``45658`` → ``2025-01-01``; None when ``text`` is not a whole serial day number."""
    if not SERIAL_DAY.match(text):
        return None
    day = int(text.split(".")[0])
    if not 1 <= day <= 2_958_465:  # 9999-12-31
        return None
    return (EXCEL_EPOCH + timedelta(days=day)).isoformat()


def _header_errors(
    names: list[str], columns: Sequence[Column], *, row: int, layout: Layout
) -> list[RowError]:
    known = {c.name for c in columns}
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        return [
            RowError(
                row,
                None,
                "Columns must be separated by commas, not semicolons or tabs (or choose a "
                "mapping whose separator is ;).",
            )
        ]
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in names:
        if not name:
            errors.append(RowError(row, None, "A column has no name."))
        elif name not in known:
            expected = ", ".join(c.name for c in columns if c.example or c.required)
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
        hint = ""
        if "," in text or "(" in text:
            hint = " (or choose a mapping with thousands separators or negatives in parentheses)"
        raise CellError(f"“{_clip(text)}” is not a number; write it like 1234.56{hint}.")
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
        if excel_serial_date(text):
            raise CellError(
                f"“{_clip(text)}” looks like an Excel serial date; write it as YYYY-MM-DD or "
                "choose a mapping whose date format is Excel."
            )
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
