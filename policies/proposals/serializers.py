"""JSON for proposals and implementation plans (docs/API.md "proposals").

Money, quantities, prices and gains are decimal strings (money 2 places,
shares and prices 6); gains are signed (a loss is negative). The request
serializers check shapes and ranges; ids that are not the household's
accounts or the firm's securities are checked by
``request.proposal_request_errors`` and reported under their field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from advisory.engine.money import ZERO
from advisory.engine.rebalance.tranches import MAX_MONTHS, MIN_MONTHS
from advisory.engine.rebalance.types import Location, RebalanceMode
from advisory.validators import validate_planning_date
from policies.proposals.models import ProposalKind, RunSelection
from policies.proposals.request import ProposalRequest, proposal_request_errors
from portfolios.filters import MAX_ID
from portfolios.models import Security


def money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def shares_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=22, decimal_places=6, **kwargs)


# --- requests ----------------------------------------------------------------------------------


class CashFlowSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="Account id (of this household).")
    amount = money_field(help_text="Dollars arriving (positive) or leaving (negative).")


def _ids(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, **kwargs
    )


class ProposalRequestSerializer(serializers.Serializer):
    """What to propose. Every field is optional; the four tax fields default to the household's."""

    kind = serializers.ChoiceField(
        choices=[ProposalKind.REBALANCE.value, ProposalKind.HARVEST.value],
        default=ProposalKind.REBALANCE.value,
        help_text="rebalance: to the IPS; harvest: sell taxable lots at a loss past the "
        "thresholds and buy a substitute in the same class.",
    )
    mode = serializers.ChoiceField(
        choices=[m.value for m in RebalanceMode],
        default=RebalanceMode.TARGET.value,
        help_text="target: end at the targets; band: end within half of each band.",
    )
    location = serializers.ChoiceField(
        choices=[loc.value for loc in Location],
        default=Location.HOUSEHOLD.value,
        help_text="household: only household totals; plan: every account at its saved "
        "asset-location plan.",
    )
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Default today.",
        validators=[validate_planning_date],
    )
    cash_flows = CashFlowSerializer(many=True, required=False, default=list)
    allow_short_term = serializers.BooleanField(
        required=False, help_text="Default: the firm's proposal default."
    )
    gain_budget = money_field(
        required=False,
        allow_null=True,
        min_value=ZERO,
        help_text="Most net gain (dollars, taxable accounts) the proposal may realise.",
    )
    min_trade = money_field(
        required=False, min_value=ZERO, help_text="Default: the firm's proposal default."
    )
    whole_shares = serializers.BooleanField(
        required=False, help_text="Default: the firm's proposal default."
    )
    do_not_trade = _ids(help_text="Security ids not to sell or buy.")
    do_not_trade_accounts = _ids(help_text="Account ids to leave alone.")
    do_not_buy = _ids(help_text="Security ids not to buy.")
    buy_security = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=dict,
        help_text="Asset class code -> the security id to buy for it.",
    )
    hold_near_long_term_days = serializers.IntegerField(min_value=0, max_value=366, default=0)
    realized_st_ytd = money_field(required=False, allow_null=True)
    realized_lt_ytd = money_field(required=False, allow_null=True)
    carryforward_st = money_field(required=False, allow_null=True, min_value=ZERO)
    carryforward_lt = money_field(required=False, allow_null=True, min_value=ZERO)
    min_loss_dollars = money_field(default=ZERO, min_value=ZERO, help_text="Harvest only.")
    min_loss_percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=6,
        default=ZERO,
        min_value=ZERO,
        max_value=Decimal(1),
        help_text="Harvest only: loss as a fraction of the lot's basis (0.05 is 5%).",
    )

    def validate_cash_flows(self, flows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        errors: dict[str, Any] = {}
        for n, flow in enumerate(flows):
            if flow["account"] in seen:
                errors[str(n)] = {"account": ["Give each account once."]}
            seen.add(flow["account"])
        if errors:
            raise serializers.ValidationError(errors)
        return flows

    def to_request(self, data: dict[str, Any]) -> ProposalRequest:
        firm = (
            self.context["household"].firm if "household" in self.context else self.context["firm"]
        )
        defaults = firm.proposal_defaults
        data = {**defaults, **data}
        return ProposalRequest(
            kind=data.get("kind", ProposalKind.REBALANCE),
            as_of=data.get("as_of"),
            mode=RebalanceMode(data.get("mode", RebalanceMode.TARGET)),
            location=Location(data.get("location", Location.HOUSEHOLD)),
            cash_flows={f["account"]: f["amount"] for f in data.get("cash_flows", [])},
            allow_short_term=data["allow_short_term"],
            gain_budget=data.get("gain_budget"),
            min_trade=data["min_trade"],
            whole_shares=data["whole_shares"],
            do_not_trade=frozenset(data["do_not_trade"]),
            do_not_trade_accounts=frozenset(data["do_not_trade_accounts"]),
            do_not_buy=frozenset(data["do_not_buy"]),
            buy_security=dict(data["buy_security"]),
            hold_near_long_term_days=data["hold_near_long_term_days"],
            realized_st_ytd=data.get("realized_st_ytd"),
            realized_lt_ytd=data.get("realized_lt_ytd"),
            carryforward_st=data.get("carryforward_st"),
            carryforward_lt=data.get("carryforward_lt"),
            min_loss_dollars=data["min_loss_dollars"],
            min_loss_percent=data["min_loss_percent"],
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.to_request(attrs)
        household = self.context["household"]
        errors = proposal_request_errors(household=household, request=request)
        if errors:
            raise serializers.ValidationError(errors)
        attrs["request"] = request
        return attrs

    @property
    def proposal_request(self) -> ProposalRequest:
        request: ProposalRequest = self.validated_data["request"]
        return request


class ImplementationPlanRequestSerializer(ProposalRequestSerializer):
    """A move to the active IPS in monthly tranches; the proposal options apply to every tranche."""

    kind = None  # type: ignore[assignment]
    location = None  # type: ignore[assignment]
    cash_flows = None  # type: ignore[assignment]
    months = serializers.IntegerField(
        min_value=MIN_MONTHS, max_value=MAX_MONTHS, help_text="Number of monthly tranches (3-6)."
    )
    start = serializers.DateField(
        help_text="The first tranche falls due on this day.",
        validators=[validate_planning_date],
    )


class RebalanceRunRequestSerializer(ProposalRequestSerializer):
    """Which households a run proposes for, and the options every one of them gets."""

    kind = None  # type: ignore[assignment]
    cash_flows = None  # type: ignore[assignment]
    location = None  # type: ignore[assignment]
    buy_security = None  # type: ignore[assignment]
    do_not_trade_accounts = None  # type: ignore[assignment]
    selection = serializers.ChoiceField(
        choices=[s.value for s in RunSelection],
        help_text="needs_rebalance: out of band or due; all; model; households (a list).",
    )
    model = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    households = _ids(help_text="Household ids, with selection=households.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        firm_securities = set(
            Security.objects.filter(firm=self.context["firm"]).values_list("pk", flat=True)
        )
        for name in ("do_not_trade", "do_not_buy"):
            bad = [pk for pk in attrs.get(name, []) if pk not in firm_securities]
            if bad:
                raise serializers.ValidationError(
                    {name: [f"{pk} is not a security of this firm." for pk in bad]}
                )
        attrs["request"] = self.to_request(
            {"buy_security": {}, "do_not_trade_accounts": [], **attrs}
        )
        return attrs


class RebalanceRunSerializer(serializers.Serializer):
    """A run as ``runs.run_summary`` gives it."""

    id = serializers.IntegerField()
    status = serializers.CharField(help_text="running, done or failed")
    selection = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField(help_text="Households processed without failing.")
    failed = serializers.IntegerField()
    processed = serializers.IntegerField()
    in_band = serializers.IntegerField()
    no_trades = serializers.IntegerField()
    proposals = serializers.ListField(child=serializers.IntegerField())
    failures = serializers.ListField(child=serializers.DictField())
    summary = serializers.DictField(
        help_text="households, proposals, trades, estimated_tax, turnover, seconds"
    )


class ProposalFilterSerializer(serializers.Serializer):
    """``GET /api/v1/proposals/``'s filters: a household id (a 400 if not one); status, kind."""

    household = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.CharField(required=False, help_text="An unknown status matches nothing.")
    kind = serializers.CharField(required=False, help_text="An unknown kind matches nothing.")


class RebalanceRunListSerializer(serializers.Serializer):
    """``GET /api/v1/rebalance-runs/``: the 50 latest runs (not paginated)."""

    results = RebalanceRunSerializer(many=True)


class RebalanceRunStartedSerializer(serializers.Serializer):
    """The 202 of ``POST /api/v1/rebalance-runs/``: poll the run's id for the rest."""

    id = serializers.IntegerField()
    status = serializers.CharField(help_text="running")
    total = serializers.IntegerField(help_text="Households selected.")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- answers -----------------------------------------------------------------------------------


class LotReliefSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot_number", help_text="The lot's id.")
    quantity = shares_field()
    gain = money_field(help_text="Signed: a loss is negative.")
    term = serializers.CharField(help_text="short or long")
    acquired_on = serializers.DateField()


class ProposalTradeSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    account_name = serializers.CharField(source="account.name")
    security = serializers.IntegerField(source="security_id")
    symbol = serializers.CharField(source="security.symbol")
    side = serializers.CharField(help_text="buy or sell")
    quantity = shares_field()
    price = shares_field()
    amount = money_field(help_text="quantity * price, in cents (positive for both sides).")
    taxable = serializers.BooleanField()
    lots = LotReliefSerializer(many=True, help_text="Lots a sale relieves; empty for a buy.")


class AuditEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    detail = serializers.JSONField()

    def get_actor_name(self, event: Any) -> str:
        return event.actor.display_name if event.actor else "system"


class ProposalSerializer(serializers.Serializer):
    """A proposal: its status, trades with the lots relieved, gains, tax, drift and trail."""

    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    kind = serializers.CharField()
    status = serializers.CharField()
    as_of = serializers.DateField()
    policy = serializers.IntegerField(source="policy_id", help_text="IPS version used.")
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    computed_at = serializers.DateTimeField(allow_null=True)
    feasible = serializers.BooleanField()
    optimal = serializers.BooleanField()
    shortfall = money_field()
    trades = ProposalTradeSerializer(many=True)
    short_term_gain = money_field()
    long_term_gain = money_field()
    estimated_tax = money_field(help_text="Incremental tax with US netting; negative saves tax.")
    tax_value = money_field(help_text="Tax saved this year (the opposite of estimated_tax).")
    losses_harvested = money_field(help_text="Taxable losses realised, as a positive amount.")
    turnover = money_field()
    drift_before = serializers.JSONField()
    drift_after = serializers.JSONField()
    wash_sale_blocks = serializers.JSONField()
    binding = serializers.JSONField()
    notes = serializers.JSONField()
    cash_after = serializers.JSONField(help_text="Account id -> cash after the trades.")
    error = serializers.CharField()
    stale = serializers.BooleanField(
        source="is_stale",
        help_text="A draft or approved proposal whose household's book or IPS changed since it "
        "was computed: it can no longer be approved or executed; re-run it.",
    )
    options = serializers.JSONField(help_text="The request it was computed from.")
    approved_by = serializers.IntegerField(source="approved_by_id", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    rejected_by = serializers.IntegerField(source="rejected_by_id", allow_null=True)
    rejected_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    executed_by = serializers.IntegerField(source="executed_by_id", allow_null=True)
    executed_at = serializers.DateTimeField(allow_null=True)
    implementation_plan = serializers.IntegerField(source="implementation_plan_id", allow_null=True)
    tranche_number = serializers.IntegerField(allow_null=True)
    audit = AuditEventSerializer(source="audit_events", many=True)


class ProposalPendingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending: GET /api/v1/proposals/{id}/ until it is not")


class TrancheSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    proposal = serializers.IntegerField(source="proposal_id", allow_null=True)
    proposal_status = serializers.SerializerMethodField()
    trades = serializers.JSONField(help_text="The estimate made with the plan.")

    def get_proposal_status(self, tranche: Any) -> str | None:
        return tranche.proposal.status if tranche.proposal_id else None


class ImplementationPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    policy = serializers.IntegerField(source="policy_id")
    status = serializers.CharField()
    months = serializers.IntegerField()
    start = serializers.DateField()
    as_of = serializers.DateField()
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    feasible = serializers.BooleanField()
    short_term_gain = money_field()
    long_term_gain = money_field()
    estimated_tax = money_field()
    turnover = money_field()
    notes = serializers.JSONField()
    options = serializers.JSONField()
    tranches = TrancheSerializer(many=True)
