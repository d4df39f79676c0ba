"""The realised-gains report of a household and tax year, and closing the year.

Each line is one lot's part of a sale (``SaleLot``): proceeds, basis, the wash-sale
adjustment (code W and the disallowed amount, added back to the gain, as Form 8949
column (g) does), the reported gain and the term. Totals by term; the year's net
applies the carry-forwards the household had coming in (``carryforward_st``/``_lt``)
and the US netting: a net loss offsets up to $3,000 of ordinary income ($1,500
married filing separately) and the rest carries forward, short-term first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from advisory.engine.money import ZERO
from portfolios.locks import lock_household
from portfolios.models import FilingStatus, Household, SaleLot

ORDINARY_OFFSET = Decimal(3000)
ORDINARY_OFFSET_SEPARATE = Decimal(1500)


def sale_lines(*, household: Household, year: int) -> list[SaleLot]:
    return list(
        SaleLot.objects.filter(
            transaction__account__household=household,
            transaction__account__account_type="taxable",
            transaction__trade_date__gte=date(year, 1, 1),
            transaction__trade_date__lte=date(year, 12, 31),
        )
        .select_related("transaction__account", "transaction__security")
        .order_by("transaction__trade_date", "transaction_id", "id")
    )


def carry_forward(
    short_term: Decimal, long_term: Decimal, *, cf_st: Decimal, cf_lt: Decimal, filing_status: str
) -> tuple[Decimal, Decimal, Decimal]:
    """(ordinary offset used, short-term and long-term losses carried to next year, positive)."""
    s = short_term - cf_st
    lt = long_term - cf_lt
    if s + lt >= 0:
        return ZERO, ZERO, ZERO
    limit = (
        ORDINARY_OFFSET_SEPARATE
        if filing_status == FilingStatus.MARRIED_SEPARATE
        else ORDINARY_OFFSET
    )
    offset = min(limit, -(s + lt))
    if s < 0 and lt < 0:  # both net losses: the offset uses short-term first (Pub. 550)
        st_left = max(ZERO, -s - offset)
        lt_left = -lt - max(ZERO, offset + s) if offset > -s else -lt
        return offset, st_left, lt_left
    if s < 0:  # short-term loss larger than the long-term gain
        return offset, -(s + lt) - offset, ZERO
    return offset, ZERO, -(s + lt) - offset


def realized_gains(*, household: Household, year: int) -> dict[str, Any]:
    """The report as plain data (the API, the page, the CSV and the PDF read this)."""
    lines = sale_lines(household=household, year=year)
    rows = []
    totals = {"short": ZERO, "long": ZERO}
    for line in lines:
        sale = line.transaction
        totals[line.term] += line.gain
        rows.append(
            {
                "account": sale.account.name,
                "security": sale.security.symbol if sale.security else "",
                "quantity": str(line.quantity),
                "acquired_on": line.acquired_on.isoformat(),
                "sold_on": sale.trade_date.isoformat(),
                "proceeds": str(line.proceeds),
                "cost_basis": str(line.cost_basis),
                "adjustment_code": line.adjustment_code,
                "adjustment": str(line.wash_disallowed),
                "gain": str(line.gain),
                "term": line.term,
            }
        )
    offset, cf_st, cf_lt = carry_forward(
        totals["short"],
        totals["long"],
        cf_st=household.carryforward_st,
        cf_lt=household.carryforward_lt,
        filing_status=household.filing_status,
    )
    return {
        "household": household.pk,
        "year": year,
        "lines": rows,
        "totals": {"short": str(totals["short"]), "long": str(totals["long"])},
        "net": str(totals["short"] + totals["long"]),
        "carried_in": {
            "short": str(household.carryforward_st),
            "long": str(household.carryforward_lt),
        },
        "ordinary_offset": str(offset),
        "carry_forward": {"short": str(cf_st), "long": str(cf_lt)},
    }


@transaction.atomic
def tax_year_close(*, household: Household, year: int) -> Household:
    """Feed the year's carry-forward into the household's fields and restart the year's totals."""
    locked = lock_household(household.pk)
    report = realized_gains(household=locked, year=year)
    locked.carryforward_st = Decimal(report["carry_forward"]["short"])
    locked.carryforward_lt = Decimal(report["carry_forward"]["long"])
    locked.realized_st_ytd = ZERO
    locked.realized_lt_ytd = ZERO
    locked.save(
        update_fields=["carryforward_st", "carryforward_lt", "realized_st_ytd", "realized_lt_ytd"]
    )
    return locked
