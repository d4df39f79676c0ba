"""The proposal for the client meeting: a short, printable PDF (WeasyPrint).

Plain HTML and CSS (``templates/policies/proposals/proposal_document.html``)
built from the same context as the proposal page (``display``), with
drift before and after drawn as inline SVG bars, so the document and the page
show the same picture.

``proposal_pdf`` keeps the rendered file in the cache (WeasyPrint takes about
a second a document): the key is the proposal's id and a fingerprint of what
the document shows that can change after it was computed (its status and the
times of each step, the reason of a rejection, the household's name and tax
rates, the firm's, its account and asset-class names, the day it is produced
on), so a status change or a renaming renders afresh and a stale file is never
served. Entries expire after ``PROPOSAL_PDF_CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from policies.proposals.display import proposal_figures
from policies.proposals.models import Proposal
from portfolios.models import Account
from portfolios.selectors import firm_class_names


def render_proposal_html(proposal: Proposal, *, as_of: date) -> str:
    """The document as HTML; ``proposal`` loaded by ``selectors.proposal_get``.

    ``as_of`` is the day the document is produced (printed in its footer).
    """
    context = proposal_figures(proposal, firm_class_names(proposal.household.firm_id))
    symbols = sorted({t.trade.security.symbol for g in context["account_groups"] for t in g.trades})
    context.update(firm=proposal.household.firm, produced_on=as_of, symbols=symbols)
    return render_to_string("policies/proposals/proposal_document.html", context)


def render_proposal_pdf(proposal: Proposal, *, as_of: date) -> bytes:
    """The document as PDF bytes (``%PDF-...``)."""
    from weasyprint import HTML  # heavy import; only needed when a document is asked for

    return HTML(string=render_proposal_html(proposal, as_of=as_of)).write_pdf()


def _shown(proposal: Proposal, as_of: date) -> str:
    """A fingerprint of what the document shows that may change after it was computed."""
    household = proposal.household
    shown = {
        "status": proposal.status,
        "at": [
            proposal.computed_at,
            proposal.approved_at,
            proposal.rejected_at,
            proposal.executed_at,
        ],
        "reason": proposal.rejection_reason,
        "household": [household.name, household.t_ord, household.t_ltcg],
        "firm": household.firm.name,
        "accounts": list(
            Account.objects.filter(household=household).order_by("pk").values_list("pk", "name")
        ),
        "classes": firm_class_names(household.firm_id),
        "produced_on": as_of,
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


def proposal_pdf(proposal: Proposal, *, as_of: date) -> bytes:
    """The document as PDF bytes: from the cache when nothing it shows changed, else rendered."""
    key = f"proposal-pdf:{proposal.pk}:{_shown(proposal, as_of)}"
    kept = cache.get(key)
    if isinstance(kept, bytes):
        return kept
    pdf = render_proposal_pdf(proposal, as_of=as_of)
    cache.set(key, pdf, timeout=settings.PROPOSAL_PDF_CACHE_SECONDS)
    return pdf
