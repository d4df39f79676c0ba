"""Demo proposals: a few drafts waiting in the approval queue (``seed_proposals``).

For each demo firm, the first households (by id) that the nightly scan found
out of band or due for review get a tax-aware rebalance to their IPS, computed
as of the seed's day and requested by their primary advisor, so the queue and
the proposal pages have something real to show. Idempotent: a firm whose
households already have a proposal gets none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from policies.models import DriftSnapshot
from policies.proposals.models import Proposal
from policies.proposals.request import ProposalRequest
from policies.proposals.services import proposal_create
from portfolios.models import Household

DRAFTS_PER_FIRM = 2


def seed_proposals(*, households: Iterable[Household], as_of: date) -> int:
    """Draft proposals for households that need a rebalance; how many were created."""
    by_firm: dict[int, list[Household]] = {}
    for household in sorted(households, key=lambda h: h.pk):
        by_firm.setdefault(household.firm_id, []).append(household)
    created = 0
    for firm_households in by_firm.values():
        if Proposal.objects.filter(household__in=firm_households).exists():
            continue
        due = set(
            DriftSnapshot.objects.filter(
                household__in=firm_households, computed_on=as_of, needs_rebalance=True
            ).values_list("household_id", flat=True)
        )
        chosen = [h for h in firm_households if h.pk in due][:DRAFTS_PER_FIRM]
        for household in chosen:
            proposal_create(
                household=household,
                user=household.primary_advisor,
                request=ProposalRequest(as_of=as_of),
                compute_now=True,  # the seed is already out of any request
            )
            created += 1
    return created
