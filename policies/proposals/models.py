"""Rebalance and harvest proposals, their audit trail, and implementation plans.

A proposal is what ``advisory.engine`` answered for one household on one day:
trades by account with the lots each sale relieves (specific identification),
the gains, the incremental tax and the drift before and after. It moves
through ``pending`` (computed by a worker) -> ``draft`` -> ``approved`` ->
``executed``, or ends ``rejected`` (from draft or approved) or ``failed``
(the computation broke). ``book_fingerprint`` is a SHA-256 of the
household's book when the proposal was computed (cash, reserves, lots, the
year's realised gains and carry-forwards, the wash-sale window's
transactions; never prices): a proposal whose household has changed since
cannot be approved or executed.

``AuditEvent`` rows are append-only: database triggers (migration
``0003_proposals``) refuse every UPDATE and DELETE, so a household, proposal,
plan or user with audit events is kept (``PROTECT``), never deleted.

An ``ImplementationPlan`` moves a household to its IPS over 3 to 6 monthly
tranches (``ImplementationTranche``); each tranche becomes its own proposal
(kind ``tranche``) when due.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from advisory.engine.money import ZERO
from advisory.history import tracked
from portfolios.models import Account, Household, Security, money, price, quantity


class ProposalKind(models.TextChoices):
    REBALANCE = "rebalance", "Rebalance"
    HARVEST = "harvest", "Tax-loss harvest"
    TRANCHE = "tranche", "Implementation tranche"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Being computed"
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXECUTED = "executed", "Executed"
    FAILED = "failed", "Failed"
    # No trade moves the household nearer its IPS: an answer, never in the approval queue.
    NO_TRADES = "no_trades", "Nothing to do"
    # A newer proposal for the household replaced this draft; kept, never approved.
    SUPERSEDED = "superseded", "Superseded"


class ProposalAction(models.TextChoices):
    APPROVE = "approve", "approved"
    REJECT = "reject", "rejected"
    EXECUTE = "execute", "executed"


# Which statuses each action may start from: read by the services (require_status) and by
# the pages' buttons alike, so a button is never shown for an action the service refuses.
PROPOSAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalAction.APPROVE: (ProposalStatus.DRAFT,),
    ProposalAction.REJECT: (ProposalStatus.DRAFT, ProposalStatus.APPROVED),
    ProposalAction.EXECUTE: (ProposalStatus.APPROVED,),
}


def proposal_may(action: str, status: str) -> bool:
    """Whether a proposal in ``status`` may be ``action``-ed (approve, reject, execute)."""
    return status in PROPOSAL_TRANSITIONS[action]


class TradeSide(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"


class HoldingTerm(models.TextChoices):
    SHORT = "short", "Short-term"
    LONG = "long", "Long-term"


@tracked("household__firm")
class Proposal(models.Model):
    """One computed proposal and its figures (money in dollars, gains signed).

    ``short_term_gain`` and ``long_term_gain`` count taxable accounts only;
    ``estimated_tax`` is ``T(S0 + dS, L0 + dL) - T(S0, L0)`` (negative when
    the proposal lowers the year's tax) and ``tax_value`` its opposite;
    ``losses_harvested`` the taxable losses realised, as a positive amount.
    JSON fields keep decimals as strings: ``drift_before``/``drift_after``
    ``{"total_value", "needs_rebalance", "reason", "rows": [{"asset_class",
    "target", "current", "drift", "band", "in_band"}]}``; ``wash_sale_blocks``
    ``[{"substitute_group", "rule", "reason", "lot_ids", "security_ids",
    "until"}]``; ``binding`` and ``notes`` lists of sentences; ``cash_after``
    ``{account id: dollars}``; ``options`` the request (see
    ``request.ProposalRequest.to_json``).
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField(
        max_length=10, choices=ProposalKind.choices, default=ProposalKind.REBALANCE
    )
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    as_of = models.DateField(help_text="Holdings, prices and trade date of the proposal.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the schedule of an implementation plan created it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True)
    book_fingerprint = models.CharField(max_length=64, blank=True)
    policy = models.ForeignKey(
        "policies.InvestmentPolicy",  # by name: policies.models imports this module
        on_delete=models.PROTECT,
        related_name="proposals",
        help_text="The IPS version the proposal rebalances to.",
    )
    feasible = models.BooleanField(default=True)
    optimal = models.BooleanField(default=True)
    shortfall = money(default=ZERO)
    short_term_gain = money(default=ZERO)
    long_term_gain = money(default=ZERO)
    estimated_tax = money(default=ZERO)
    tax_value = money(default=ZERO)
    losses_harvested = money(default=ZERO)
    turnover = money(default=ZERO)
    drift_before = models.JSONField(default=dict, blank=True)
    drift_after = models.JSONField(default=dict, blank=True)
    wash_sale_blocks = models.JSONField(default=list, blank=True)
    binding = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    cash_after = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Why the computation failed.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    implementation_plan = models.ForeignKey(
        "policies.ImplementationPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    tranche_number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [models.Index(fields=("status", "household"))]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ProposalKind.values), name="proposal_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="tranche")
                    & Q(implementation_plan__isnull=False)
                    & Q(tranche_number__isnull=False)
                )
                | (
                    ~Q(kind="tranche")
                    & Q(implementation_plan__isnull=True)
                    & Q(tranche_number__isnull=True)
                ),
                name="proposal_tranche_has_plan",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "executed"]) | Q(approved_at__isnull=False),
                name="proposal_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="executed") | Q(executed_at__isnull=False),
                name="proposal_executed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(rejected_at__isnull=False),
                name="proposal_rejected_has_time",
            ),
            models.CheckConstraint(
                condition=Q(shortfall__gte=0) & Q(losses_harvested__gte=0) & Q(turnover__gte=0),
                name="proposal_amounts_non_negative",
            ),
            models.UniqueConstraint(
                fields=("implementation_plan", "tranche_number"),
                condition=Q(implementation_plan__isnull=False),
                name="proposal_one_per_tranche",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.pk} ({self.kind}, {self.status}) of household {self.household_id}"

    # Not stored: ``selectors.mark_stale`` sets it for the lists, pages and API that show it.
    is_stale: bool = False

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING


class OrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    RELEASED = "released", "Released"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"


class ProposalTrade(models.Model):
    """One order: shares of a security bought or sold in an account at the proposal's price.

    ``amount`` is ``quantity * price`` in cents (positive for both sides);
    ``taxable`` says whether the sale's gains count for tax.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="trades")
    position = models.PositiveIntegerField(help_text="Order in the proposal (sells first).")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=TradeSide.choices)
    quantity = quantity()
    price = price()
    amount = money()
    taxable = models.BooleanField()
    # The order desk: once the proposal is approved the trade is an order.
    order_status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    filled_quantity = models.DecimalField(max_digits=22, decimal_places=6, default=ZERO)
    filled_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("proposal", "position")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(side__in=TradeSide.values), name="proposal_trade_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(price__gte=0) & Q(amount__gte=0),
                name="proposal_trade_amounts_positive",
            ),
            models.UniqueConstraint(
                fields=("proposal", "position"), name="proposal_trade_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(filled_quantity__gte=0) & Q(filled_quantity__lte=F("quantity")),
                name="proposal_trade_filled_within_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} of {self.security_id} in {self.account_id}"


class ProposalLotRelief(models.Model):
    """Shares of one lot a sale relieves, and the gain they realise (signed, cents).

    ``lot`` becomes empty once the lot is sold out (executed) or deleted;
    ``lot_number`` keeps its id for the order file and the record.
    """

    trade = models.ForeignKey(ProposalTrade, on_delete=models.CASCADE, related_name="lots")
    lot = models.ForeignKey(
        "portfolios.Lot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lot_number = models.PositiveBigIntegerField(help_text="The lot's id when proposed.")
    quantity = quantity()
    gain = money()
    term = models.CharField(max_length=5, choices=HoldingTerm.choices)
    acquired_on = models.DateField()

    class Meta:
        ordering = ("trade", "acquired_on", "lot_number")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="lot_relief_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(term__in=HoldingTerm.values), name="lot_relief_term_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of lot {self.lot_number} ({self.term}, {self.gain})"


class AuditAction(models.TextChoices):
    CREATED = "created", "Requested"
    COMPUTED = "computed", "Computed"
    FAILED = "failed", "Computation failed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXECUTED = "executed", "Executed"
    FILLED = "filled", "Fills booked"
    PLAN_CREATED = "plan_created", "Implementation plan created"
    PLAN_CANCELLED = "plan_cancelled", "Implementation plan cancelled"
    PLAN_COMPLETED = "plan_completed", "Implementation plan completed"
    TRANCHE_PROPOSED = "tranche_proposed", "Tranche proposed"
    SUPERSEDED = "superseded", "Superseded by a newer proposal"


class AuditEvent(models.Model):
    """Who did what to a proposal or implementation plan, and when. Never changed.

    ``actor`` is empty for the system (a worker or the schedule). ``detail``
    says what: the options of a request, the figures of an execution.
    """

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="proposal_audit_events"
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    implementation_plan = models.ForeignKey(
        "policies.ImplementationPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    at = models.DateTimeField()
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("at", "id")
        indexes: ClassVar = [models.Index(fields=("household", "at"))]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_event_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} by {self.actor_id or 'system'}"


class ImplementationPlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


@tracked("household__firm")
class ImplementationPlan(models.Model):
    """A move to an IPS version spread over ``months`` monthly tranches from ``start``.

    The estimate (``short_term_gain`` ... ``turnover``, ``notes``) is the whole
    move computed on ``as_of``; each tranche's proposal is computed afresh
    when it falls due (see ``policies.proposals.plans``). ``options`` is the
    request the tranches are computed with.
    """

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="implementation_plans"
    )
    policy = models.ForeignKey(
        "policies.InvestmentPolicy", on_delete=models.PROTECT, related_name="implementation_plans"
    )
    months = models.PositiveSmallIntegerField()
    start = models.DateField(help_text="The first tranche is due on this day.")
    as_of = models.DateField(help_text="Holdings and prices of the estimate.")
    status = models.CharField(
        max_length=10,
        choices=ImplementationPlanStatus.choices,
        default=ImplementationPlanStatus.ACTIVE,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    options = models.JSONField(default=dict, blank=True)
    feasible = models.BooleanField(default=True)
    short_term_gain = money(default=ZERO)
    long_term_gain = money(default=ZERO)
    estimated_tax = money(default=ZERO)
    turnover = money(default=ZERO)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("household", "-created_at", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(months__gte=3) & Q(months__lte=6), name="implementation_plan_months"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImplementationPlanStatus.values),
                name="implementation_plan_status_valid",
            ),
            models.UniqueConstraint(
                fields=("household",),
                condition=Q(status="active"),
                name="implementation_plan_one_active_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.months} months from {self.start} ({self.status})"


class ImplementationTranche(models.Model):
    """One month of a plan: due on ``due_on``; ``proposal`` once it has been proposed.

    ``trades`` is the estimate made with the plan, as strings: ``[{"account",
    "security", "symbol", "side", "quantity", "amount"}]``.
    """

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="tranches")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    trades = models.JSONField(default=list, blank=True)
    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="tranche"
    )

    class Meta:
        ordering = ("plan", "number")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("plan", "number"), name="tranche_plan_number_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=6), name="tranche_number_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Tranche {self.number} of plan {self.plan_id}, due {self.due_on}"


class RunSelection(models.TextChoices):
    NEEDS_REBALANCE = "needs_rebalance", "Every household out of band or due"
    ALL = "all", "Every household"
    MODEL = "model", "The households following a model"
    HOUSEHOLDS = "households", "A list of households"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RunItemStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROPOSED = "proposed", "Proposal drafted"
    IN_BAND = "in_band", "In band: nothing to do"
    NO_TRADES = "no_trades", "No trades needed"
    FAILED = "failed", "Failed"


class RebalanceRun(models.Model):
    """Proposals for many households at once, each exactly as a single proposal would be.

    ``options`` is the proposal request every household gets (``ProposalRequest.to_json``);
    the households are the run's items, fixed when the run starts.
    """

    firm = models.ForeignKey("advisory.Firm", on_delete=models.CASCADE, related_name="+")
    selection = models.CharField(max_length=20, choices=RunSelection.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="rebalance_run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.selection}, {self.status})"


class RebalanceRunItem(models.Model):
    """One household of a run: the unique key (run, household) makes a retried chunk harmless."""

    run = models.ForeignKey(RebalanceRun, on_delete=models.CASCADE, related_name="items")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=RunItemStatus.choices, default=RunItemStatus.QUEUED
    )
    proposal = models.OneToOneField(
        Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="run_item"
    )
    reason = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="Who processed it.")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("run", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("run", "household"), name="run_item_one_per_household"),
            models.CheckConstraint(
                condition=Q(status__in=RunItemStatus.values), name="run_item_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id} household {self.household_id}: {self.status}"
