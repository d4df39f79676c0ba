"""The IPS document: HTML with the policy's content, printed to PDF by WeasyPrint."""

from __future__ import annotations

import pytest

from policies.models import DocumentStatus
from policies.pdf import render_policy_html
from policies.services import policy_acknowledge
from policies.tasks import render_ips_document
from tests.conftest import World
from tests.policies.conftest import make_policy, pdf_strings

pytestmark = pytest.mark.django_db


def test_document_html_has_targets_bands_method_risk_rationale_and_acknowledgement(
    world: World,
) -> None:
    policy = make_policy(
        world,
        questionnaire_answers={
            "net_worth": "50_to_75",
            "liquidity": "6_to_12",
            "income_stability": "stable",
            "horizon": "8_to_15",
            "obligations": "moderate",
            "decline_reaction": "hold",
            "largest_tolerable_loss": "20_to_30",
            "return_or_safety": "mostly_growth",
        },
    )
    policy_acknowledge(policy=policy, user=world.user("client"))
    html = render_policy_html(policy)
    assert "Investment Policy Statement: Smith Family" in html
    assert "<svg" in html
    assert "<path" in html
    assert "40.00%" in html
    assert "US equity" in html
    assert "35.00% \u2013 45.00%" in html  # its band: 40% ± min(5, 25% x 40 = 10) points
    assert "Threshold" in html
    assert "53/100 (moderate)" in html
    assert "67/100 (moderate)" in html
    assert "Initial policy after the discovery meeting." in html
    assert world.user("client").display_name in html
    assert "Acknowledged by" in html


def test_render_task_stores_a_pdf_naming_the_household(world: World) -> None:
    policy = make_policy(world)
    assert render_ips_document.delay(policy.pk).get() == DocumentStatus.READY
    policy.refresh_from_db()
    assert policy.document_status == DocumentStatus.READY
    with policy.document.open("rb") as stored:
        pdf = stored.read()
    assert pdf.startswith(b"%PDF")
    assert b"Smith Family" in pdf_strings(pdf)


def test_page_serves_the_rendered_pdf(world: World, client_as: object) -> None:
    policy = make_policy(world)
    render_ips_document.delay(policy.pk).get()
    response = client_as("client").get(f"/policies/{policy.pk}/document.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
