"""The client's plan page: their IPS in plain words, and the acknowledgement from it.

Expected words are written by hand from the world's IPS (``FAR``: US stocks 70%,
international 10%, bonds 15%, cash 5%; threshold method; 20 years; not scored).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from policies.models import PolicyAcknowledgement
from policies.portal.words import NO_PLAN
from tests.conftest import World
from tests.policies.portal.conftest import FAR, plan

pytestmark = pytest.mark.django_db

PLAN = "/portal/plan/"


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_plan_in_plain_words(world: World, client_as: Any) -> None:
    plan(world, FAR)
    text = text_of(client_as("client").get(PLAN))

    # The target mix by kind, largest first, in the firm's names and whole percentages.
    mix = re.findall(r"(US equity|US bonds|International equity|Cash) (\d+%)", text)
    assert mix == [
        ("US equity", "70%"),
        ("US bonds", "15%"),
        ("International equity", "10%"),
        ("Cash", "5%"),
    ]
    assert (
        "Your advisor rebalances whenever part of your mix moves well away from its target."
    ) in text
    assert "Your advisor set the level of risk in this plan with you." in text
    assert "It is built for the next 20 years." in text
    assert "Agreed at the discovery meeting." in text
    assert "Please read your plan, then let your advisor know you have received it." in text
    # No band arithmetic, no internal codes.
    for jargon in ("band", "Band", "us_equity", "intl_equity", "us_bonds", "threshold", "±"):
        assert jargon not in text


def test_the_ips_page_a_client_opens_is_the_plain_plan(world: World, client_as: Any) -> None:
    plan(world, FAR)
    text = text_of(client_as("client").get(f"/households/{world.household.pk}/policy/"))
    assert "Your target mix" in text
    assert "Targets and bands" not in text
    assert "band" not in text
    # The advisor still reads the full statement there.
    advisor = text_of(client_as("owner").get(f"/households/{world.household.pk}/policy/"))
    assert "Targets and bands" in advisor


def test_acknowledging_from_the_plan_page_records_the_time(world: World, client_as: Any) -> None:
    policy = plan(world, FAR)
    client = client_as("client")
    html = client.get(PLAN).content.decode()
    assert f'action="/portal/acknowledge/ips/{policy.pk}/"' in html
    assert 'name="from" value="plan"' in html

    before = timezone.now()
    response = client.post(f"/portal/acknowledge/ips/{policy.pk}/", {"from": "plan"})

    assert response.status_code == 302
    assert response["Location"] == PLAN
    recorded = PolicyAcknowledgement.objects.get(policy=policy, user=world.user("client"))
    assert before <= recorded.acknowledged_at <= timezone.now()
    local = timezone.localtime(recorded.acknowledged_at)
    day = f"{local:%B} {local.day}, {local.year}"
    after = text_of(client.get(PLAN))
    assert f"You acknowledged this plan on {day} at {local:%H:%M}." in after
    assert "I have read my plan: acknowledge" not in after


def test_a_partial_percentage_keeps_one_decimal(world: World, client_as: Any) -> None:
    plan(
        world,
        {
            "us_equity": Decimal("0.425"),
            "intl_equity": Decimal("0.175"),
            "us_bonds": Decimal("0.35"),
            "cash": Decimal("0.05"),
        },
    )
    text = text_of(client_as("client").get(PLAN))
    assert "US equity 42.5%" in text
    assert "International equity 17.5%" in text
    assert "US bonds 35%" in text


def test_no_plan_yet(world: World, client_as: Any) -> None:
    text = text_of(client_as("client").get(PLAN))
    assert NO_PLAN in text
    assert "acknowledge" not in text


def test_each_client_reads_only_their_own_plan(world: World, client_as: Any) -> None:
    plan(world, FAR)
    other = client_as("other_client")
    assert NO_PLAN in text_of(other.get(PLAN))  # the Jones household has none
    assert other.get(f"/households/{world.household.pk}/policy/").status_code == 404


def test_staff_have_no_plan_page_and_visitors_sign_in(
    world: World, client_as: Any, client: Any
) -> None:
    anonymous = client.get(PLAN)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    response = client_as("owner").get(PLAN)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_portal_names_the_plan_in_its_navigation(world: World, client_as: Any) -> None:
    plan(world, FAR)
    html = client_as("client").get("/portal/").content.decode()
    assert '<a href="/portal/plan/">Your plan</a>' in html
    assert 'href="/portal/plan/">Read your plan</a>' in html
    current = client_as("client").get(PLAN).content.decode()
    assert '<a href="/portal/plan/" aria-current="page">Your plan</a>' in current
