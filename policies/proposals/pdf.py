"""The proposal for the client meeting: a short, printable PDF (WeasyPrint).

Plain HTML and CSS (``templates/policies/proposals/proposal_document.html``)
built from the same context as the proposal page (``display``), with
drift before and after drawn as inline SVG bars, so the document and the page
show the same picture. Rendered on request: a proposal is a page or two and
WeasyPrint takes about a second, so no task or stored file is needed, and the
document always shows the proposal's current status.
"""

from __future__ import annotations

from datetime import date

from django.template.loader import render_to_string

from policies.proposals.display import proposal_figures
from policies.proposals.models import Proposal
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
