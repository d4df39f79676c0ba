"""A cash balances file, streamed: each account's balance, set where it differs.

Read ``settings.IMPORT_CHUNK_ROWS`` rows at a time, accounts looked up by number a
chunk at a time; of a good row only its account and balance are kept (one per
account: a second row of the same account is refused, naming the first), so what
is held grows with the accounts, not the rows. The differences from the book are
the report's changes (the first ``CHANGES_KEPT`` lines; the counts are all of them).
Only when no row has an error is anything written: the households are locked and
the balances set, ``WRITE_BATCH`` at a time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

from portfolios.imports.checks import CheckedRow, cash_of
from portfolios.imports.files import Layout, Record, RowError
from portfolios.imports.kinds import CHANGES_KEPT, WRITE_BATCH, ImportKind, ImportReport
from portfolios.imports.streams import Lookups, StreamScan
from portfolios.models import Account


@dataclass
class CashScan(StreamScan):
    kind = ImportKind.CASH
    symbols = False
    balances: dict[int, tuple[int, Decimal]] = field(default_factory=dict)  # id -> (row, cash)

    def check(self, records: list[Record], lookups: Lookups, today: date) -> None:
        for record in records:
            row = CheckedRow(record)
            found = cash_of(row, lookups.by_number, today=today)
            if found is None:
                self.refuse(row)
                continue
            account, cash = found
            earlier, _ = self.balances.setdefault(account.pk, (record.row, cash))
            if earlier != record.row:
                self.errors.extend(
                    [RowError(record.row, None, f"The same account as row {earlier}.")]
                )


def cash_stream(
    *, user: Any, upload: IO[bytes] | bytes, dry_run: bool, today: date, layout: Layout | None
) -> ImportReport:
    """Check and (unless a dry run or any error) set each account's cash to the file's."""
    report = ImportReport(kind=ImportKind.CASH, dry_run=dry_run)
    scan, lookups = CashScan(), Lookups(user)
    if (failed := scan.first_pass(report, upload, layout, lookups, today)) is not None:
        return failed
    accounts = lookups.accounts()
    moved = [
        (accounts[pk], cash)
        for pk, (_, cash) in sorted(scan.balances.items(), key=lambda item: item[1][0])
        if accounts[pk].cash != cash
    ]
    report = dataclasses.replace(
        report,
        rows_read=scan.rows_read,
        updated=len(moved),
        unchanged=len(scan.balances) - len(moved),
        changes=tuple(
            {
                "action": "changed",
                "account": account.name,
                "cash": str(account.cash),
                "new_cash": str(cash),
                "difference": str(cash - account.cash),
            }
            for account, cash in moved[:CHANGES_KEPT]
        ),
    )
    if report.written:
        lookups.lock_households(pk for pk in scan.balances)
        for account, cash in moved:
            account.cash = cash
        Account.objects.bulk_update([a for a, _ in moved], ("cash",), batch_size=WRITE_BATCH)
    return report
