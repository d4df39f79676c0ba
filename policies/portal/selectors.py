"""What the client portal reads: the plan sentence, what is coming, what waits, the documents.

Every function takes a household the caller found through ``portfolios.access``
(the client's own); nothing here widens what a client may see: documents are
the versions, reviews and proposals a client may already open by their URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from advisory.engine.money import ZERO
from advisory.engine.returns import Period
from advisory.engine.rmd import first_rmd_year
from advisory.engine.types import RMD_ACCOUNT_TYPES
from advisory.models import User
from policies.models import InvestmentPolicy, PolicyStatus
from policies.portal.words import PlanState, ProposalStage, plan_sentence
from policies.proposals.models import Proposal, ProposalKind, ProposalStatus
from policies.proposals.selectors import visible_proposals
from policies.reviews.figures import household_returns, household_rmds
from policies.reviews.models import OPEN_STATUSES, Review, ReviewKind, ReviewStatus
from policies.reviews.selectors import review_list
from policies.selectors import active_policy_get, household_drift, next_review_of
from portfolios.models import Account, Household

# An executed rebalance is news for this long; after it the mix speaks for itself.
REBALANCE_NEWS_DAYS = 45
REVIEWING = (ProposalStatus.PENDING, ProposalStatus.DRAFT)
# The returns a client reads: the quarter, the year, and since the first value.
RETURN_PERIODS = {
    Period.QTD: "This quarter",
    Period.YTD: "This year",
    Period.INCEPTION: "Since you started",
}


# --- the plan sentence ---------------------------------------------------------------------


def plan_state(*, household: Household, today: date) -> PlanState:
    """The facts the sentence needs (5 queries: the drift report's 4 and one of proposals)."""
    report = household_drift(household=household, as_of=today)
    if report is None:
        return PlanState(has_plan=False)
    recent = today - timedelta(days=REBALANCE_NEWS_DAYS)
    proposals = list(
        Proposal.objects.filter(
            household=household, kind__in=(ProposalKind.REBALANCE, ProposalKind.TRANCHE)
        )
        .filter(
            Q(status__in=(*REVIEWING, ProposalStatus.APPROVED))
            | Q(status=ProposalStatus.EXECUTED, executed_at__date__gte=recent)
        )
        .values_list("status", "executed_at")
    )
    statuses = {status for status, _ in proposals}
    stage = ProposalStage.NONE
    if ProposalStatus.APPROVED in statuses:
        stage = ProposalStage.APPROVED
    elif statuses & set(REVIEWING):
        stage = ProposalStage.REVIEWING
    executed = [at for status, at in proposals if status == ProposalStatus.EXECUTED and at]
    last_executed = max(executed, default=None)
    return PlanState(
        has_plan=True,
        has_assets=report.total_value > 0,
        out_of_band=bool(report.out_of_band),
        review_due=report.calendar_due,
        proposal=stage,
        rebalanced_on=timezone.localdate(last_executed) if last_executed else None,
    )


def plan_summary(*, household: Household, today: date) -> str:
    return plan_sentence(plan_state(household=household, today=today))


# --- what is coming -----------------------------------------------------------------------


@dataclass(frozen=True)
class RmdNotice:
    """An RMD this year: whose, from which accounts, and (when known) what is left to take."""

    person: str
    accounts: list[str]
    remaining: Decimal | None  # None until reviews-engine's figures are installed
    year: int


@dataclass(frozen=True)
class ComingUp:
    next_review: date | None
    next_review_kind: str  # "quarterly review", "annual review", "review"
    rmds: list[RmdNotice]


def _next_review(household: Household, policy: InvestmentPolicy | None, today: date) -> tuple:
    review = (
        Review.objects.filter(household=household, status__in=OPEN_STATUSES, due_on__gte=today)
        .order_by("due_on")
        .values_list("due_on", "kind")
        .first()
    )
    if review is not None:
        return review[0], ReviewKind(review[1]).label.split()[0].lower() + " review"
    on = next_review_of(policy, today) if policy is not None else None
    return on, "review"


def _rmd_amounts(household: Household, today: date) -> dict[int, Decimal] | None:
    """What remains to take this year by account id (reviews' figures); None if not computable."""
    try:
        rows = household_rmds(household=household, year=today.year, as_of=today)
    except ValueError:  # a year outside the engine's tables: say "your advisor will tell you"
        return None
    return {row.account.pk: row.rmd.remaining for row in rows}


def rmd_notices(*, household: Household, today: date) -> list[RmdNotice]:
    """Each person who must take an RMD this year from a traditional account."""
    accounts = (
        Account.objects.filter(household=household, account_type__in=RMD_ACCOUNT_TYPES)
        .exclude(owner__isnull=True)
        .exclude(owner__date_of_birth__isnull=True)
        .select_related("owner")
        .order_by("owner_id", "name")
    )
    by_owner: dict[int, list[Account]] = {}
    for account in accounts:
        owner = account.owner
        if owner and owner.date_of_birth and first_rmd_year(owner.date_of_birth) <= today.year:
            by_owner.setdefault(owner.pk, []).append(account)
    if not by_owner:
        return []
    amounts = _rmd_amounts(household, today)
    return [
        RmdNotice(
            person=due[0].owner.first_name if due[0].owner else "",
            accounts=[a.name for a in due],
            remaining=sum((amounts.get(a.pk, ZERO) for a in due), ZERO)
            if amounts is not None
            else None,
            year=today.year,
        )
        for due in by_owner.values()
    ]


def coming_up(*, household: Household, today: date) -> ComingUp:
    policy = active_policy_get(household=household)
    on, kind = _next_review(household, policy, today)
    return ComingUp(
        next_review=on, next_review_kind=kind, rmds=rmd_notices(household=household, today=today)
    )


@dataclass(frozen=True)
class ReturnLine:
    label: str
    rate: Decimal  # time-weighted, a fraction; per year when ``annualised``
    annualised: bool
    start: date


def returns_summary(*, household: Household, today: date) -> list[ReturnLine]:
    """Time-weighted returns for the quarter, the year and since inception (none without data)."""
    found = household_returns(household=household, as_of=today)
    lines = []
    for period in found.periods:
        label = RETURN_PERIODS.get(period.window.period)
        if label is not None and period.twr is not None:
            lines.append(
                ReturnLine(label, period.twr, period.window.annualised, period.window.start)
            )
    return lines


# --- waiting for the client ---------------------------------------------------------------


@dataclass(frozen=True)
class WaitingItem:
    """Something the client is asked to read and acknowledge."""

    kind: str  # ips | review
    title: str
    since: date
    read_url: str  # the page, readable on a phone
    pdf_url: str
    acknowledge_url: str


def waiting_for(*, user: User, household: Household) -> list[WaitingItem]:
    """The active IPS if this client has not acknowledged it, and reviews awaiting them."""
    items: list[WaitingItem] = []
    policy = (
        InvestmentPolicy.objects.filter(household=household, status=PolicyStatus.ACTIVE)
        .exclude(acknowledgements__user=user)
        .first()
    )
    if policy is not None:
        items.append(
            WaitingItem(
                kind="ips",
                title=f"Investment Policy Statement, version {policy.version}",
                since=policy.effective_date or timezone.localdate(),
                read_url=reverse("portal_plan"),
                pdf_url=reverse("policy_document", args=[policy.pk]),
                acknowledge_url=reverse("portal_acknowledge_ips", args=[policy.pk]),
            )
        )
    reviews = review_list(user=user, household=household.pk, status=ReviewStatus.AWAITING_CLIENT)
    items.extend(
        WaitingItem(
            kind="review",
            title=f"{review.get_kind_display()}, {review.period_start:%B %Y} to "
            f"{review.period_end:%B %Y}",
            since=(review.completed_at.date() if review.completed_at else review.period_end),
            read_url=reverse("review_detail", args=[review.pk]),
            pdf_url=reverse("review_report", args=[review.pk]),
            acknowledge_url=reverse("portal_acknowledge_review", args=[review.pk]),
        )
        for review in reviews
    )
    return items


# --- documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    kind: str  # ips | review | proposal
    title: str
    on: date
    url: str
    detail: str


def _ips_documents(household: Household) -> list[DocumentRow]:
    """Every version a client of the household acknowledged, with the first acknowledgement."""
    versions = (
        InvestmentPolicy.objects.filter(household=household, acknowledgements__isnull=False)
        .exclude(status=PolicyStatus.DRAFT)
        .prefetch_related("acknowledgements")
        .distinct()
        .order_by("-version")
    )
    rows = []
    for policy in versions:
        first = min(a.acknowledged_at for a in policy.acknowledgements.all())
        rows.append(
            DocumentRow(
                kind="ips",
                title=f"Investment Policy Statement, version {policy.version}",
                on=policy.effective_date or first.date(),
                url=reverse("policy_document", args=[policy.pk]),
                detail=f"Acknowledged {first:%B} {first.day}, {first.year}",
            )
        )
    return rows


def _review_documents(user: User, household: Household) -> list[DocumentRow]:
    rows = []
    for review in review_list(user=user, household=household.pk):
        title = "Quarterly report" if review.kind == ReviewKind.QUARTERLY else "Annual review"
        rows.append(
            DocumentRow(
                kind="review",
                title=f"{title}, {review.period_start:%B %Y} to {review.period_end:%B %Y}",
                on=review.completed_at.date() if review.completed_at else review.period_end,
                url=reverse("review_report", args=[review.pk]),
                detail="Acknowledged"
                if review.status == ReviewStatus.COMPLETED
                else "Waiting for you",
            )
        )
    return rows


def _proposal_documents(user: User, household: Household) -> list[DocumentRow]:
    proposals = visible_proposals(user).filter(household=household).order_by("-created_at")
    rows = []
    for proposal in proposals:
        executed = proposal.status == ProposalStatus.EXECUTED
        at = proposal.executed_at if executed else proposal.approved_at
        on = at.date() if at else proposal.as_of
        rows.append(
            DocumentRow(
                kind="proposal",
                title="Changes carried out" if executed else "Changes approved by your advisor",
                on=on,
                url=reverse("proposal_document", args=[proposal.pk]),
                detail="Carried out" if executed else "Approved",
            )
        )
    return rows


def portal_documents(*, user: User, household: Household) -> list[DocumentRow]:
    """The client's documents, newest first: acknowledged IPSs, review reports, proposals."""
    rows = [
        *_ips_documents(household),
        *_review_documents(user, household),
        *_proposal_documents(user, household),
    ]
    return sorted(rows, key=lambda row: row.on, reverse=True)
