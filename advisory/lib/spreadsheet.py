"""Tables out as CSV or XLSX, with cells a spreadsheet would run as a formula neutralised.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading ``'`` (OWASP's CSV-injection advice), in CSV and XLSX alike;
numbers (``Decimal``, ``int``) and dates are written as values, never as text
that could start a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
type Cell = str | Decimal | int | date | None


def safe_text(text: str) -> str:
    """``=1+1`` -> ``'=1+1``; anything else unchanged."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, int)):
        return str(value)
    return safe_text(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 CSV (with the byte-order mark Excel needs to read UTF-8), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str) -> bytes:
    """One sheet: the header, then the rows; text cells neutralised, numbers as numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([safe_text(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
