"""A proposal as its page and its PDF show it: trades by account, drift pairs, notes, audit.

Both ``views`` and ``pdf`` build their context here, so the
page and the client-meeting document say the same thing. Everything reads the
proposal as ``selectors.with_details`` loaded it, plus one query for
the household's accounts (an account with a cash flow and no trade still shows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from advisory.engine.drift import class_name
from advisory.engine.money import HUNDRED, ZERO
from advisory.engine.prose import long_date
from advisory.lib.charts import chart_scale, chart_x, class_color
from policies.proposals.models import (
    AuditAction,
    AuditEvent,
    Proposal,
    ProposalKind,
    ProposalLotRelief,
    ProposalStatus,
    ProposalTrade,
    TradeSide,
)
from policies.proposals.request import ProposalRequest, is_restriction_note
from portfolios.models import Account, Security

# --- trades by account -----------------------------------------------------------------------


@dataclass(frozen=True)
class TradeLine:
    """One order with the lots a sale relieves and their gain (signed; None for a buy)."""

    trade: ProposalTrade
    lots: list[ProposalLotRelief]
    gain: Decimal | None


@dataclass(frozen=True)
class AccountTrades:
    """One account's orders, in the proposal's order (sells first), and its cash."""

    account: Account
    trades: list[TradeLine]
    sold: Decimal
    bought: Decimal
    cash_flow: Decimal
    cash_after: Decimal | None

    @property
    def net_cash(self) -> Decimal:
        """Sales plus the cash flow less purchases: what the account's cash moves by."""
        return self.sold + self.cash_flow - self.bought


def proposal_request_of(proposal: Proposal) -> ProposalRequest:
    return ProposalRequest.from_json(proposal.options or {})


def trades_by_account(proposal: Proposal) -> list[AccountTrades]:
    """Accounts with a trade or a cash flow, in the household's order (one query)."""
    trades: dict[int, list[TradeLine]] = {}
    for trade in proposal.trades.all():
        lots = list(trade.lots.all())
        gain = sum((r.gain for r in lots), ZERO) if trade.side == TradeSide.SELL else None
        trades.setdefault(trade.account_id, []).append(TradeLine(trade, lots, gain))
    flows = proposal_request_of(proposal).cash_flows
    cash_after = {int(k): Decimal(v) for k, v in (proposal.cash_after or {}).items()}
    groups = []
    accounts = Account.objects.filter(household_id=proposal.household_id).order_by("name", "pk")
    for account in accounts:
        rows = trades.get(account.pk, [])
        flow = flows.get(account.pk, ZERO)
        if not rows and not flow:
            continue
        groups.append(
            AccountTrades(
                account=account,
                trades=rows,
                sold=sum((t.trade.amount for t in rows if t.trade.side == TradeSide.SELL), ZERO),
                bought=sum((t.trade.amount for t in rows if t.trade.side == TradeSide.BUY), ZERO),
                cash_flow=flow,
                cash_after=cash_after.get(account.pk),
            )
        )
    return groups


# --- drift before and after ------------------------------------------------------------------


@dataclass(frozen=True)
class DriftPair:
    """One class before and after the proposal, drawn in a 100-wide viewBox."""

    code: str
    name: str
    target: Decimal
    band: Decimal
    lower: Decimal
    upper: Decimal
    before: Decimal
    after: Decimal
    in_band_before: bool
    in_band_after: bool
    color: str
    band_x: float
    band_width: float
    target_x: float
    before_width: float
    after_width: float

    @property
    def drift_after(self) -> Decimal:
        return self.after - self.target


def _rows(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(row["asset_class"]): row for row in report.get("rows", [])}


def drift_pairs(
    before: Mapping[str, Any], after: Mapping[str, Any], class_names: Mapping[str, str]
) -> tuple[list[DriftPair], int]:
    """Paired bars on one scale (the largest weight or band edge, rounded up to 10%).

    ``before``/``after`` are the proposal's stored drift reports; the scale in percent.
    """
    rows_before, rows_after = _rows(before), _rows(after)
    codes = list(dict.fromkeys([*rows_after, *rows_before]))
    pairs_raw = []
    for code in codes:
        row = rows_after.get(code) or rows_before[code]
        target, band = Decimal(row["target"]), Decimal(row["band"])
        was = rows_before.get(code, {})
        now = rows_after.get(code, {})
        pairs_raw.append(
            (
                code,
                target,
                band,
                Decimal(was.get("current", "0")),
                Decimal(now.get("current", "0")),
                bool(was.get("in_band", True)),
                bool(now.get("in_band", True)),
            )
        )
    scale = chart_scale(
        max((float(max(t + b, w, n)) for _, t, b, w, n, _, _ in pairs_raw), default=0.1)
    )

    def x(fraction: Decimal) -> float:
        return chart_x(fraction, scale)

    pairs = []
    for code, target, band, was_w, now_w, was_in, now_in in pairs_raw:
        lower, upper = max(ZERO, target - band), min(Decimal(1), target + band)
        pairs.append(
            DriftPair(
                code=code,
                name=class_names.get(code) or class_name(code),
                target=target,
                band=band,
                lower=lower,
                upper=upper,
                before=was_w,
                after=now_w,
                in_band_before=was_in,
                in_band_after=now_in,
                color=class_color(code),
                band_x=x(lower),
                band_width=round(x(upper) - x(lower), 3),
                target_x=x(target),
                before_width=x(was_w),
                after_width=x(now_w),
            )
        )
    return pairs, round(scale * 100)


# --- wash sales, constraints, notes ----------------------------------------------------------

WASH_RULE_LABELS = {
    "recent_purchase": "Bought in the last 30 days",
    "recent_loss_sale": "Sold at a loss in the last 30 days",
    "same_proposal": "Sold at a loss in this proposal",
}


@dataclass(frozen=True)
class WashSaleNote:
    group: str
    rule: str
    reason: str
    until: date | None


def wash_sale_notes(proposal: Proposal) -> list[WashSaleNote]:
    notes = []
    for block in proposal.wash_sale_blocks or []:
        until = block.get("until")
        notes.append(
            WashSaleNote(
                group=str(block.get("substitute_group", "")).replace("_", " "),
                rule=WASH_RULE_LABELS.get(str(block.get("rule")), str(block.get("rule", ""))),
                reason=str(block.get("reason", "")),
                until=date.fromisoformat(until) if until else None,
            )
        )
    return notes


# --- restrictions applied ------------------------------------------------------------------


def _symbols(ids: frozenset[int]) -> str:
    return ", ".join(
        Security.objects.filter(pk__in=ids).order_by("symbol").values_list("symbol", flat=True)
    )


def requested_restrictions(request: ProposalRequest) -> list[str]:
    """The restrictions asked for this proposal only (beyond the record's), in words."""
    lines = []
    if request.do_not_trade_accounts:
        names = Account.objects.filter(pk__in=request.do_not_trade_accounts).order_by("name")
        lines.append("For this proposal: do not trade in " + ", ".join(a.name for a in names) + ".")
    if request.do_not_trade:
        lines.append(f"For this proposal: do not trade {_symbols(request.do_not_trade)}.")
    if request.do_not_buy:
        lines.append(f"For this proposal: do not buy {_symbols(request.do_not_buy)}.")
    return lines


# --- the audit trail -------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditLine:
    at: Any  # datetime
    who: str
    action: str
    what: str


def _request_summary(options: Mapping[str, Any]) -> str:
    request = ProposalRequest.from_json(options)
    if request.kind == ProposalKind.HARVEST:
        percent = (request.min_loss_percent * HUNDRED).normalize()
        return (
            f"losses of at least ${request.min_loss_dollars:,.2f} "
            f"and {percent:f}% of cost, as of {long_date(request.as_of)}"
        )
    parts = [
        "to the targets" if request.mode == "target" else "to within half the bands",
        "household-level" if request.location == "household" else "by the location plan",
    ]
    if request.cash_flows:
        parts.append(f"{len(request.cash_flows)} cash flow(s)")
    if not request.allow_short_term:
        parts.append("no short-term gains")
    if request.gain_budget is not None:
        parts.append(f"gain budget ${request.gain_budget:,.2f}")
    return ", ".join(parts) + (f", as of {long_date(request.as_of)}" if request.as_of else "")


def _event_text(event: AuditEvent) -> str:
    detail = event.detail or {}
    action = event.action
    if action == AuditAction.CREATED and detail.get("options"):
        return "Requested: " + _request_summary(detail["options"])
    if action == AuditAction.FAILED and detail.get("error"):
        return f"The computation failed: {detail['error']}"
    if action == AuditAction.REJECTED and detail.get("reason"):
        return f"Reason: {detail['reason']}"
    if action == AuditAction.EXECUTED:
        transactions = detail.get("transactions", 0)
        closed = len(detail.get("lots_closed", []))
        return (
            f"{transactions} transaction{'' if transactions == 1 else 's'} booked; "
            f"{closed} lot{'' if closed == 1 else 's'} closed, "
            f"{len(detail.get('lots_reduced', []))} reduced, "
            f"{detail.get('lots_opened', 0)} opened"
        )
    if action == AuditAction.TRANCHE_PROPOSED and detail.get("tranche"):
        return f"Tranche {detail['tranche']} fell due on {detail.get('due_on', '')}"
    return ""


def audit_lines(events: Sequence[AuditEvent]) -> list[AuditLine]:
    return [
        AuditLine(
            at=event.at,
            who=event.actor.display_name if event.actor else "The system",
            action=event.get_action_display(),
            what=_event_text(event),
        )
        for event in events
    ]


# --- everything the page and the PDF show ------------------------------------------------------


def proposal_figures(proposal: Proposal, class_names: Mapping[str, str]) -> dict[str, Any]:
    """The context shared by the proposal page and its PDF.

    One query beyond the proposal, and one or two more when the request itself named
    restrictions.
    """
    pairs, scale = drift_pairs(proposal.drift_before or {}, proposal.drift_after or {}, class_names)
    groups = trades_by_account(proposal)
    notes = [str(line) for line in proposal.notes or []]
    request = proposal_request_of(proposal)
    return {
        "proposal": proposal,
        "household": proposal.household,
        "is_harvest": proposal.kind == ProposalKind.HARVEST,
        "is_computed": proposal.status not in (ProposalStatus.PENDING, ProposalStatus.FAILED),
        "account_groups": groups,
        "trade_count": sum(len(g.trades) for g in groups),
        "drift_pairs": pairs,
        "drift_scale": scale,
        "out_of_band_before": sum(1 for p in pairs if not p.in_band_before),
        "out_of_band_after": sum(1 for p in pairs if not p.in_band_after),
        "wash_sales": wash_sale_notes(proposal),
        "binding": list(proposal.binding or []),
        "notes": [line for line in notes if not is_restriction_note(line)],
        "restrictions_applied": [
            *(line for line in notes if is_restriction_note(line)),
            *requested_restrictions(request),
        ],
        "audit": audit_lines(list(proposal.audit_events.all())),
        "request": request,
    }
