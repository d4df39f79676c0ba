"""The proposal's PDF for the client meeting: WeasyPrint, rendered on request."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from policies.proposals.models import Proposal, TradeSide
from policies.proposals.pdf import render_proposal_html, render_proposal_pdf
from policies.proposals.selectors import proposal_get
from policies.proposals.services import ProposalRequest, proposal_approve, proposal_create
from policies.services import TargetDraft
from tests.conftest import World
from tests.factories import LotFactory
from tests.policies.conftest import make_policy, pdf_strings

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 26)


@pytest.fixture
def proposal(world: World) -> Proposal:
    # VTI overweight (30% target) with a loss lot: a sale with lots relieved, bonds bought.
    LotFactory(
        account=world.household.accounts.get(name="Joint brokerage"),
        security=world.securities["VTI"],
        quantity=Decimal("40"),
        cost_basis=Decimal("12000.00"),
        acquired_on=date(2025, 1, 10),
    )
    targets = {"us_equity": "0.30", "intl_equity": "0.20", "us_bonds": "0.45", "cash": "0.05"}
    make_policy(world, targets=tuple(TargetDraft(c, Decimal(w)) for c, w in targets.items()))
    created = proposal_create(
        household=world.household, user=world.user("owner"), request=ProposalRequest(as_of=AS_OF)
    )
    return proposal_get(user=world.user("owner"), pk=created.pk)


def test_the_html_has_the_summary_trades_lots_drift_and_notes(
    world: World, proposal: Proposal
) -> None:
    html = render_proposal_html(proposal, as_of=AS_OF)
    assert "Rebalance proposal for Smith Family" in html
    assert "Acme Advisors" in html
    assert "As of 26 November 2026" in html
    assert "Estimated tax" in html
    assert "Long-term gain" in html
    assert "Joint brokerage" in html
    sale = proposal.trades.get(side=TradeSide.SELL)
    assert f"Sell <strong>{sale.security.symbol}</strong>" in html
    assert "from shares bought Jan 10, 2025" in html  # the loss lot, relieved
    assert "Allocation before and after" in html
    assert html.count("<svg") == len(proposal.drift_after["rows"])
    assert "Document produced 26 November 2026" in html
    for line in proposal.notes:
        assert line in html


def test_the_pdf_names_the_household_and_a_traded_symbol(world: World, proposal: Proposal) -> None:
    pdf = render_proposal_pdf(proposal, as_of=AS_OF)
    assert pdf.startswith(b"%PDF")
    text = pdf_strings(pdf)
    assert b"Smith Family" in text
    symbol = proposal.trades.get(side=TradeSide.SELL).security.symbol
    assert symbol.encode() in text


def test_the_page_serves_the_pdf_to_staff_and_to_the_client_once_approved(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    url = reverse("proposal_document", args=[proposal.pk])
    response = client_as("operations").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Smith Family".lower().replace(" ", "-") in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")

    assert client_as("client").get(url).status_code == 404  # a draft is not the client's yet
    proposal_approve(proposal=proposal, user=world.user("owner"))
    response = client_as("client").get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_pending_proposal_has_no_document_yet(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(status="pending")
    response = client_as("owner").get(reverse("proposal_document", args=[proposal.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])


def test_the_pdf_is_rendered_once_and_again_only_when_what_it_shows_changes(
    world: World, client_as: Any, proposal: Proposal
) -> None:
    from unittest import mock

    url = reverse("proposal_document", args=[proposal.pk])
    client = client_as("owner")
    with mock.patch(
        "policies.proposals.pdf.render_proposal_pdf", wraps=render_proposal_pdf
    ) as render:
        first = client.get(url).content
        second = client.get(url).content
        assert render.call_count == 1
        assert second == first

        proposal_approve(proposal=proposal, user=world.user("owner"))
        approved = client.get(url).content
        assert render.call_count == 2
        assert client_as("client").get(url).content == approved  # the same document, kept
        assert render.call_count == 2

        world.household.name = "Smith-Jones Family"
        world.household.save()
        renamed = client.get(url).content
        assert render.call_count == 3
        assert b"Smith-Jones Family" in pdf_strings(renamed)
