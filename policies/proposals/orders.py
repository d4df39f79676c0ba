"""The order file for the custodian: one row per trade, sales with their lots named.

Columns: ``account``, ``account_number`` (masked: ``****1234``),
``custodian``, ``symbol``, ``side``, ``quantity``, ``estimated_amount``
(``quantity * price`` at the proposal's prices) and ``lot_instructions``:
for a sale, specific identification of every lot it relieves, e.g.
``VTI lot 123 acquired 2021-03-04 qty 10`` (several joined by ``; ``); empty
for a buy. Sales come before buys within an account, as they fund them.
Cells that a spreadsheet would read as a formula are quoted with ``'``.
"""

from __future__ import annotations

import csv
import io

from advisory.lib.format import plain_number
from advisory.lib.spreadsheet import safe_text
from policies.proposals.models import Proposal, ProposalStatus, ProposalTrade, TradeSide

HEADER = (
    "account",
    "account_number",
    "custodian",
    "symbol",
    "side",
    "quantity",
    "estimated_amount",
    "lot_instructions",
)
# Only an approved proposal goes to the custodian (an executed one keeps its order file);
# a draft, superseded, rejected, pending or failed proposal has no orders.
ORDERABLE = (ProposalStatus.APPROVED, ProposalStatus.EXECUTED)


def masked_number(last4: str) -> str:
    """``****1234``: ASCII, as custodians' upload tools expect; empty when unknown."""
    return f"****{last4}" if last4 else ""


def _safe(text: str) -> str:
    return safe_text(text)


def lot_instructions(trade: ProposalTrade) -> str:
    """Which lots a sale relieves (specific identification), in the custodian's words."""
    return "; ".join(
        f"{trade.security.symbol} lot {relief.lot_number} acquired "
        f"{relief.acquired_on.isoformat()} qty {plain_number(relief.quantity)}"
        for relief in trade.lots.all()
    )


def orders_csv(proposal: Proposal) -> str:
    """The proposal's orders as CSV text (header first); trades and lots should be prefetched."""
    rows = sorted(
        proposal.trades.all(),
        key=lambda t: (t.account.name, t.account_id, t.side != TradeSide.SELL, t.position),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for trade in rows:
        writer.writerow(
            (
                _safe(trade.account.name),
                masked_number(trade.account.number_last4),
                _safe(trade.account.custodian),
                _safe(trade.security.symbol),
                trade.side,
                plain_number(trade.quantity),
                f"{trade.amount:.2f}",
                _safe(lot_instructions(trade)) if trade.side == TradeSide.SELL else "",
            )
        )
    return out.getvalue()
