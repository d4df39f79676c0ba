"""What an advisor asks a proposal for, and the check of its ids against the household.

``ProposalRequest`` is the one input of ``services.proposal_create``
(the API's serializer and the pages' forms both build it); it is stored on
the proposal as JSON (``to_json``) so a worker or a tranche can compute it
later (``from_json``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from advisory.engine.money import CENT, ZERO
from advisory.engine.rebalance.types import (
    HarvestOptions,
    Location,
    RebalanceMode,
    RebalanceOptions,
)
from advisory.lib.format import long_date, money
from policies.proposals.models import ProposalKind
from portfolios.models import (
    Account,
    AssetClass,
    Household,
    Lot,
    Restriction,
    RestrictionKind,
    Security,
)

REQUESTABLE_KINDS = (ProposalKind.REBALANCE, ProposalKind.HARVEST)
TAX_OVERRIDES = ("realized_st_ytd", "realized_lt_ytd", "carryforward_st", "carryforward_lt")


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class ProposalRequest:
    """What the advisor asked for (docs/API.md "proposals"); ``as_of`` None means today.

    ``cash_flows``: account id -> dollars arriving (positive) or leaving
    (negative) with the proposal; executing it books them as deposits and
    withdrawals. The four tax fields override the household's when set.
    ``min_loss_dollars`` and ``min_loss_percent`` (a fraction) are for
    ``kind="harvest"``; a harvest ignores mode, location, cash flows, the
    gain budget and the minimum trade.
    """

    kind: str = ProposalKind.REBALANCE
    as_of: date | None = None
    mode: RebalanceMode = RebalanceMode.TARGET
    location: Location = Location.HOUSEHOLD
    cash_flows: Mapping[int, Decimal] = field(default_factory=dict)
    allow_short_term: bool = True
    gain_budget: Decimal | None = None
    min_trade: Decimal = ZERO
    whole_shares: bool = False
    do_not_trade: frozenset[int] = frozenset()
    do_not_trade_accounts: frozenset[int] = frozenset()
    do_not_buy: frozenset[int] = frozenset()
    buy_security: Mapping[str, int] = field(default_factory=dict)
    # class -> the fallbacks after the primary, in order: the model's buy list, set when
    # the proposal is computed (``with_buy_lists``), never stored with the request
    substitutes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    hold_near_long_term_days: int = 0
    realized_st_ytd: Decimal | None = None
    realized_lt_ytd: Decimal | None = None
    carryforward_st: Decimal | None = None
    carryforward_lt: Decimal | None = None
    min_loss_dollars: Decimal = ZERO
    min_loss_percent: Decimal = ZERO

    @property
    def integer_solve(self) -> bool:
        """Whether the engine solves a mixed-integer program (its time not bounded small).

        Whole shares and a minimum trade (the firm's default is $100) make the solve
        mixed-integer: 1 to 3 s for a 150-lot demo household with a minimum trade,
        up to a minute or more with whole shares. A harvest has no minimum trade.
        """
        return self.whole_shares or (self.kind != ProposalKind.HARVEST and self.min_trade > 0)

    def to_json(self) -> dict[str, Any]:
        """The request as the API takes it: decimals as strings, ids sorted."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "kind": str(self.kind),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "mode": str(self.mode),
            "location": str(self.location),
            "cash_flows": [
                {"account": a, "amount": str(v)} for a, v in sorted(self.cash_flows.items())
            ],
            "allow_short_term": self.allow_short_term,
            "gain_budget": text(self.gain_budget),
            "min_trade": str(self.min_trade),
            "whole_shares": self.whole_shares,
            "do_not_trade": sorted(self.do_not_trade),
            "do_not_trade_accounts": sorted(self.do_not_trade_accounts),
            "do_not_buy": sorted(self.do_not_buy),
            "buy_security": dict(sorted(self.buy_security.items())),
            "hold_near_long_term_days": self.hold_near_long_term_days,
            **{name: text(getattr(self, name)) for name in TAX_OVERRIDES},
            "min_loss_dollars": str(self.min_loss_dollars),
            "min_loss_percent": str(self.min_loss_percent),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProposalRequest:
        """The inverse of ``to_json`` (missing keys take the defaults)."""
        as_of = data.get("as_of")
        return cls(
            kind=data.get("kind", ProposalKind.REBALANCE),
            as_of=date.fromisoformat(as_of) if as_of else None,
            mode=RebalanceMode(data.get("mode", RebalanceMode.TARGET)),
            location=Location(data.get("location", Location.HOUSEHOLD)),
            cash_flows={
                int(f["account"]): Decimal(str(f["amount"])) for f in data.get("cash_flows", [])
            },
            allow_short_term=bool(data.get("allow_short_term", True)),
            gain_budget=_decimal_or_none(data.get("gain_budget")),
            min_trade=Decimal(str(data.get("min_trade", "0"))),
            whole_shares=bool(data.get("whole_shares", False)),
            do_not_trade=frozenset(int(i) for i in data.get("do_not_trade", [])),
            do_not_trade_accounts=frozenset(int(i) for i in data.get("do_not_trade_accounts", [])),
            do_not_buy=frozenset(int(i) for i in data.get("do_not_buy", [])),
            buy_security={str(k): int(v) for k, v in data.get("buy_security", {}).items()},
            substitutes={},
            hold_near_long_term_days=int(data.get("hold_near_long_term_days", 0)),
            **{name: _decimal_or_none(data.get(name)) for name in TAX_OVERRIDES},
            min_loss_dollars=Decimal(str(data.get("min_loss_dollars", "0"))),
            min_loss_percent=Decimal(str(data.get("min_loss_percent", "0"))),
        )

    def rebalance_options(
        self, plan_targets: Mapping[tuple[int, str], Decimal] | None = None
    ) -> RebalanceOptions:
        return RebalanceOptions(
            mode=self.mode,
            location=self.location,
            plan_targets=plan_targets,
            allow_short_term=self.allow_short_term,
            gain_budget=self.gain_budget,
            min_trade=self.min_trade,
            whole_shares=self.whole_shares,
            do_not_trade_securities=self.do_not_trade,
            do_not_trade_accounts=self.do_not_trade_accounts,
            do_not_buy=self.do_not_buy,
            buy_security=dict(self.buy_security),
            substitutes=dict(self.substitutes),
            hold_near_long_term_days=self.hold_near_long_term_days,
        )

    def harvest_options(self) -> HarvestOptions:
        return HarvestOptions(
            min_loss_dollars=self.min_loss_dollars,
            min_loss_percent=self.min_loss_percent,
            whole_shares=self.whole_shares,
            do_not_trade_securities=self.do_not_trade,
            do_not_trade_accounts=self.do_not_trade_accounts,
            do_not_buy=self.do_not_buy,
            buy_security=dict(self.buy_security),
            substitutes=dict(self.substitutes),
        )


def with_buy_lists(
    request: ProposalRequest, buy_lists: Mapping[str, tuple[int, ...]]
) -> ProposalRequest:
    """The request buying from the model's buy lists (class -> ids, preferred first).

    A class the request names a security for keeps it as the primary, the list after
    it; else the preferred security is the primary and its substitutes follow in order.
    The engine skips any that is do-not-buy, do-not-trade or wash-blocked, in order.
    """
    if not buy_lists:
        return request
    primary = dict(request.buy_security)
    substitutes = dict(request.substitutes)
    for code, ids in buy_lists.items():
        first = primary.setdefault(code, ids[0])
        substitutes[code] = tuple(i for i in ids if i != first)
    return replace(request, buy_security=primary, substitutes=substitutes)


@dataclass(frozen=True)
class StandingRestrictions:
    """The household's restrictions on the record, as engine ids, and the sentences that say so.

    ``accounts``: not traded (restricted or held away); ``held_away`` is a subset of it.
    """

    do_not_trade: frozenset[int] = frozenset()
    do_not_buy: frozenset[int] = frozenset()
    accounts: frozenset[int] = frozenset()
    held_away: frozenset[int] = frozenset()
    notes: tuple[str, ...] = ()


STANDING_NOTE = "Standing restriction: "
HELD_AWAY_NOTE = " is held away: valued and counted, never traded."


def is_restriction_note(line: str) -> bool:
    """Whether a proposal's note is one ``standing_restrictions`` wrote (listed apart)."""
    return line.startswith(STANDING_NOTE) or line.endswith(HELD_AWAY_NOTE)


def standing_restrictions(household: Household | int) -> StandingRestrictions:
    """What the record forbids for every proposal of the household (two queries)."""
    household_id = household if isinstance(household, int) else household.pk
    return standing_restrictions_many([household_id])[household_id]


def standing_restrictions_many(household_ids: Collection[int]) -> dict[int, StandingRestrictions]:
    """``standing_restrictions`` of many households (two queries however many)."""
    rows_of: dict[int, list[Restriction]] = {pk: [] for pk in household_ids}
    for row in Restriction.objects.filter(household_id__in=rows_of).select_related(
        "account", "security"
    ):
        rows_of[row.household_id].append(row)
    held_away_of: dict[int, dict[int, str]] = {pk: {} for pk in household_ids}
    for household_id, pk, name in Account.objects.filter(
        household_id__in=rows_of, held_away=True
    ).values_list("household_id", "pk", "name"):
        held_away_of[household_id][pk] = name
    return {pk: _standing(rows_of[pk], held_away_of[pk]) for pk in rows_of}


def _standing(rows: list[Restriction], held_away: dict[int, str]) -> StandingRestrictions:
    do_not_trade: set[int] = set()
    do_not_buy: set[int] = set()
    accounts: set[int] = set(held_away)
    notes = [f"{name}{HELD_AWAY_NOTE}" for name in held_away.values()]
    for row in rows:
        if row.account is not None:
            accounts.add(row.account.pk)
            notes.append(f"{STANDING_NOTE}do not trade in {row.account.name} ({row.reason}).")
        elif row.security is not None:
            target = do_not_trade if row.kind == RestrictionKind.DO_NOT_TRADE else do_not_buy
            target.add(row.security.pk)
            notes.append(
                f"{STANDING_NOTE}{row.get_kind_display().lower()} "
                f"{row.security.symbol} ({row.reason})."
            )
    return StandingRestrictions(
        do_not_trade=frozenset(do_not_trade),
        do_not_buy=frozenset(do_not_buy),
        accounts=frozenset(accounts),
        held_away=frozenset(held_away),
        notes=tuple(notes),
    )


def with_standing_restrictions(
    request: ProposalRequest, standing: StandingRestrictions
) -> ProposalRequest:
    """The request with the record's restrictions added to its own (never removed)."""
    return replace(
        request,
        do_not_trade=request.do_not_trade | standing.do_not_trade,
        do_not_buy=request.do_not_buy | standing.do_not_buy,
        do_not_trade_accounts=request.do_not_trade_accounts | standing.accounts,
    )


def _unknown(ids: frozenset[int], known: set[int]) -> list[int]:
    return sorted(i for i in ids if i not in known)


@dataclass(frozen=True)
class RequestFacts:
    """What ``proposal_request_errors`` checks a request against, read for one household.

    ``newest_lot``: the latest acquisition date of its lots; ``newest_price``: the
    latest price date of the securities it holds (None without lots or dates).
    """

    accounts: frozenset[int]
    held_away: frozenset[int]
    securities: Mapping[int, str]  # the firm's securities: id -> class code
    classes: frozenset[str]  # the firm's class codes
    newest_lot: date | None
    newest_price: date | None


def request_facts_many(households: Sequence[Household]) -> dict[int, RequestFacts]:
    """``RequestFacts`` of many households (four queries however many)."""
    ids = [h.pk for h in households]
    firm_ids = {h.firm_id for h in households}
    accounts: dict[int, set[int]] = {pk: set() for pk in ids}
    held_away: dict[int, set[int]] = {pk: set() for pk in ids}
    for household_id, pk, away in Account.objects.filter(household_id__in=ids).values_list(
        "household_id", "pk", "held_away"
    ):
        accounts[household_id].add(pk)
        if away:
            held_away[household_id].add(pk)
    securities: dict[int, dict[int, str]] = {firm: {} for firm in firm_ids}
    for firm_id, pk, code in Security.objects.filter(firm_id__in=firm_ids).values_list(
        "firm_id", "pk", "asset_class__code"
    ):
        securities[firm_id][pk] = code
    classes: dict[int, set[str]] = {firm: set() for firm in firm_ids}
    for firm_id, code in AssetClass.objects.filter(firm_id__in=firm_ids).values_list(
        "firm_id", "code"
    ):
        classes[firm_id].add(code)
    newest = {
        household_id: (lot, price)
        for household_id, lot, price in Lot.objects.filter(account__household_id__in=ids)
        .order_by()
        .values_list("account__household_id")
        .annotate(lot=Max("acquired_on"), price=Max("security__price_date"))
    }
    return {
        h.pk: RequestFacts(
            accounts=frozenset(accounts[h.pk]),
            held_away=frozenset(held_away[h.pk]),
            securities=securities[h.firm_id],
            classes=frozenset(classes[h.firm_id]),
            newest_lot=newest.get(h.pk, (None, None))[0],
            newest_price=newest.get(h.pk, (None, None))[1],
        )
        for h in households
    }


def proposal_request_errors(
    *, household: Household, request: ProposalRequest, facts: RequestFacts | None = None
) -> dict[str, Any]:
    """Field messages for ids that are not the household's accounts or the firm's securities.

    Shapes follow DRF: ``{"cash_flows": {"1": {"account": [...]}}}`` (by position),
    ``{"do_not_buy": ["99 is not ..."]}``, ``{"buy_security": {"us_equity": [...]}}``.
    Four queries, or none past ``facts`` (``request_facts_many``, read already) but one
    for a withdrawal.
    """
    errors: dict[str, Any] = {}
    if facts is None:
        facts = request_facts_many([household])[household.pk]
    accounts, securities, classes, held_away = (
        facts.accounts,
        facts.securities,
        facts.classes,
        facts.held_away,
    )
    flow_errors = {
        str(n): {"account": [f"{account} is not an account of this household."]}
        for n, account in enumerate(request.cash_flows)
        if account not in accounts
    }
    flow_errors.update(
        {
            str(n): {"account": [f"{account} is held away: money does not move there."]}
            for n, account in enumerate(request.cash_flows)
            if account in held_away
        }
    )
    if flow_errors:
        errors["cash_flows"] = flow_errors
    for name, ids, known, noun in (
        ("do_not_trade", request.do_not_trade, securities, "a security of this firm"),
        ("do_not_buy", request.do_not_buy, securities, "a security of this firm"),
        (
            "do_not_trade_accounts",
            request.do_not_trade_accounts,
            accounts,
            "an account of this household",
        ),
    ):
        bad = _unknown(ids, set(known))
        if bad:
            errors[name] = [f"{i} is not {noun}." for i in bad]
    buy_errors = {}
    for code, security_id in request.buy_security.items():
        if code not in classes:
            buy_errors[code] = [f"{code!r} is not an asset class of this firm."]
        elif securities.get(security_id) != code:
            buy_errors[code] = [f"{security_id} is not a security of this firm in {code}."]
    if buy_errors:
        errors["buy_security"] = buy_errors
    if request.kind not in REQUESTABLE_KINDS:
        errors["kind"] = [f"Choose one of: {', '.join(REQUESTABLE_KINDS)}."]
    as_of_errors = _as_of_errors(facts, request.as_of or timezone.localdate())
    if as_of_errors:
        errors["as_of"] = as_of_errors
    if not flow_errors and request.kind != ProposalKind.HARVEST:
        unpaid = _unpayable_withdrawals(household, request)
        if unpaid:
            errors["cash_flows"] = unpaid
    return errors


def _as_of_errors(facts: RequestFacts, as_of: date) -> list[str]:
    """docs/DOMAIN.md: a proposal prices the household on ``as_of``, so never the future,
    and never a day before one of its lots was bought or its prices were set (that would
    price the past with later prices, and call a young lot long-term or an old one young)."""
    today = timezone.localdate()
    if as_of > today:
        return [f"The proposal date {long_date(as_of)} is after today ({long_date(today)})."]
    newest_lot = facts.newest_lot
    if newest_lot is not None and as_of < newest_lot:
        return [
            f"The household holds a lot bought on {long_date(newest_lot)}: a proposal "
            f"cannot be dated before it ({long_date(as_of)})."
        ]
    priced = facts.newest_price
    if priced is not None and as_of < priced:
        return [
            f"The household's prices are of {long_date(priced)}: a proposal dated "
            f"{long_date(as_of)} would price that day with later prices."
        ]
    return []


def _unpayable_withdrawals(household: Household, request: ProposalRequest) -> dict[str, Any]:
    """Withdrawals more than the account's free cash and all it holds could pay (one query).

    The engine would answer "infeasible"; refusing here keeps such a request from ever
    becoming a draft that leaves cash below the reserve.
    """
    leaving = {a: -amount for a, amount in request.cash_flows.items() if amount < 0}
    if not leaving:
        return {}
    value = ExpressionWrapper(
        F("lots__quantity") * F("lots__security__price"),
        output_field=DecimalField(max_digits=24, decimal_places=6),
    )
    accounts = Account.objects.filter(pk__in=leaving, household=household).annotate(
        # A join through the relation: the live filter of Lot.objects does not apply here.
        held=Coalesce(
            Sum(value, filter=Q(lots__archived_at__isnull=True)),
            Value(ZERO),
            output_field=DecimalField(),
        )
    )
    errors: dict[str, Any] = {}
    position = {account: n for n, account in enumerate(request.cash_flows)}
    for account in accounts:
        sellable = ZERO if account.pk in request.do_not_trade_accounts else account.held
        payable = max(ZERO, account.cash - account.cash_reserve + sellable).quantize(CENT)
        if leaving[account.pk] > payable:
            errors[str(position[account.pk])] = {
                "amount": [
                    f"{account.name} can pay at most {money(payable)} (its cash above the "
                    f"reserve and all it holds), not {money(leaving[account.pk])}."
                ]
            }
    return errors
