"""The IPS document: the active version as a clean, printable PDF (WeasyPrint).

The page is ordinary HTML and CSS (``templates/policies/ips_document.html``)
with the targets drawn as an inline SVG donut, so the PDF and the web page show
the same picture and tests can read the HTML.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from advisory.lib.charts import donut_arcs
from policies.models import InvestmentPolicy
from policies.selectors import (
    acknowledgement_status,
    next_review_of,
    policy_get_for_document,
    questionnaire_rows,
    risk_profile_of,
    target_rows,
)


def policy_document_context(policy: InvestmentPolicy, *, as_of: date) -> dict[str, Any]:
    """Everything the document shows (the version loaded with its details)."""
    rows = target_rows(policy=policy)
    return {
        "policy": policy,
        "household": policy.household,
        "firm": policy.household.firm,
        "targets": rows,
        "arcs": donut_arcs(rows),
        "crypto": policy.crypto_sleeve,
        "risk": risk_profile_of(policy),
        "answers": questionnaire_rows(policy.questionnaire_answers or {}),
        "acknowledgements": acknowledgement_status(policy=policy),
        "next_review": next_review_of(policy, as_of),
        "as_of": as_of,
    }


def render_policy_html(policy: InvestmentPolicy, *, as_of: date | None = None) -> str:
    """The document as HTML (what the PDF is printed from)."""
    loaded = policy_get_for_document(pk=policy.pk)
    context = policy_document_context(loaded, as_of=as_of or timezone.localdate())
    return render_to_string("policies/ips_document.html", context)


def render_policy_pdf(policy: InvestmentPolicy, *, as_of: date | None = None) -> bytes:
    """The document as PDF bytes (``%PDF-...``)."""
    from weasyprint import HTML  # heavy import; only the worker needs it

    return HTML(string=render_policy_html(policy, as_of=as_of)).write_pdf()
