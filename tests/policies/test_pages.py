"""The IPS pages: editor with live validation, history and diff, questionnaire, drift, panels."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from policies.models import InvestmentPolicy, PolicyAcknowledgement, PolicyStatus
from tests.conftest import World
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db


def editor_post(**changes: str) -> dict[str, str]:
    data = {
        "weight_us_equity": "40",
        "weight_intl_equity": "20",
        "weight_us_bonds": "35",
        "weight_cash": "5",
        "abs_band": "5",
        "rel_band": "25",
        "method": "threshold",
        "frequency": "",
        "anchor_date": "",
        "horizon_years": "20",
        "cash_reserve": "0",
        "effective_date": "",
        "rationale": "First IPS.",
        "questionnaire_answers": "",
        "action": "activate",
    }
    data.update(changes)
    return data


def test_editor_creates_an_active_version(world: World, client_as: Any) -> None:
    url = f"/households/{world.household.pk}/policy/new/"
    response = client_as("owner").post(url, editor_post())
    assert response.status_code == 302
    policy = InvestmentPolicy.objects.get()
    assert policy.status == PolicyStatus.ACTIVE
    weights = {t.asset_class.code: str(t.weight) for t in policy.targets.all()}
    assert weights == {
        "us_equity": "0.400000",
        "intl_equity": "0.200000",
        "us_bonds": "0.350000",
        "cash": "0.050000",
    }
    assert str(policy.abs_band) == "0.050000"
    assert str(policy.rel_band) == "0.250000"


def test_editor_saves_a_draft(world: World, client_as: Any) -> None:
    url = f"/households/{world.household.pk}/policy/new/"
    client_as("owner").post(url, editor_post(action="draft"))
    assert InvestmentPolicy.objects.get().status == PolicyStatus.DRAFT


def test_editor_refuses_a_bad_sum_and_saves_nothing(world: World, client_as: Any) -> None:
    url = f"/households/{world.household.pk}/policy/new/"
    response = client_as("owner").post(url, editor_post(weight_cash="4.5", rationale=""))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Weights must sum to 100%; they sum to 99.5%." in text
    assert "Document what changed and why." in text
    assert not InvestmentPolicy.objects.exists()


def test_editor_starts_from_the_active_version(world: World, client_as: Any) -> None:
    make_policy(world)
    response = client_as("owner").get(f"/households/{world.household.pk}/policy/new/")
    text = response.content.decode()
    assert re.search(r'name="weight_us_equity"[^>]*value="40"', text)


def test_editing_a_draft_updates_it(world: World, client_as: Any) -> None:
    waiting = make_policy(world, activate=False)
    url = f"/households/{world.household.pk}/policy/new/?draft={waiting.pk}"
    page = client_as("owner").get(url)
    assert "Edit draft version 1" in page.content.decode()
    client_as("owner").post(url, editor_post(action="draft", rationale="Edited draft."))
    waiting.refresh_from_db()
    assert waiting.rationale == "Edited draft."
    assert waiting.status == PolicyStatus.DRAFT
    assert InvestmentPolicy.objects.count() == 1


def test_live_validation_shows_the_sum_and_the_bands(world: World, client_as: Any) -> None:
    url = f"/households/{world.household.pk}/policy/validate/"
    response = client_as("owner").post(url, editor_post(weight_cash="4.5"), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "99.5%" in text
    assert "0.5 points left to allocate" in text
    assert "Weights must sum to 100%; they sum to 99.5%." in text
    # 5/25 rule on a 4.5% target: min(5, 0.25 x 4.5 = 1.125) points
    assert "± 1.13 pp" in text  # the band, in percentage points with 2 places
    ok = client_as("owner").post(url, editor_post(), HTTP_HX_REQUEST="true").content.decode()
    assert "Exactly 100%." in ok
    assert "Ready to save." in ok


def test_live_validation_flags_a_negative_band(world: World, client_as: Any) -> None:
    url = f"/households/{world.household.pk}/policy/validate/"
    text = client_as("owner").post(url, editor_post(abs_band="-1")).content.decode()
    assert "Must be between 0 and 100" in text


def test_detail_shows_targets_and_who_has_not_acknowledged(world: World, client_as: Any) -> None:
    make_policy(world)
    text = client_as("owner").get(f"/households/{world.household.pk}/policy/").content.decode()
    assert "<svg" in text
    assert "Targets and bands" in text
    assert "Not yet acknowledged by:" in text
    assert world.user("client").display_name in text


def test_client_acknowledges_from_the_page(world: World, client_as: Any) -> None:
    active = make_policy(world)
    client = client_as("client")
    page = client.get(f"/households/{world.household.pk}/policy/").content.decode()
    assert "I have read my plan: acknowledge" in page  # the client's plain plan page
    response = client.post(f"/policies/{active.pk}/acknowledge/")
    assert response.status_code == 302
    ack = PolicyAcknowledgement.objects.get()
    assert (ack.policy_id, ack.user_id) == (active.pk, world.user("client").pk)
    after = client.get(f"/households/{world.household.pk}/policy/").content.decode()
    assert "You acknowledged this plan on" in after


def test_history_and_diff(world: World, client_as: Any) -> None:
    first = make_policy(world)
    second = make_policy(world, rationale="Lower the cash target.")
    history = client_as("client").get(f"/households/{world.household.pk}/policy/history/")
    text = history.content.decode()
    assert "Lower the cash target." in text
    assert "Superseded" in text
    diff = client_as("client").get(
        f"/households/{world.household.pk}/policy/diff/?a={first.pk}&b={second.pk}"
    )
    text = diff.content.decode()
    assert "Version 1 and version 2" in text
    assert "Lower the cash target." in text
    assert "changed" in text


def test_diff_of_another_households_version_is_404(world: World, client_as: Any) -> None:
    from policies.services import policy_create
    from tests.policies.conftest import draft

    mine = make_policy(world)
    theirs = policy_create(
        household=world.other_household, author=None, draft=draft(), queue_work=False
    )
    url = f"/households/{world.household.pk}/policy/diff/?a={mine.pk}&b={theirs.pk}"
    assert client_as("admin").get(url).status_code == 404


def test_questionnaire_suggests_and_prefills_the_editor(world: World, client_as: Any) -> None:
    answers = {
        "net_worth": "50_to_75",
        "liquidity": "6_to_12",
        "income_stability": "stable",
        "horizon": "8_to_15",
        "obligations": "moderate",
        "decline_reaction": "hold",
        "largest_tolerable_loss": "20_to_30",
        "return_or_safety": "mostly_growth",
    }
    url = f"/households/{world.household.pk}/risk/"
    response = client_as("owner").post(url, {**answers, "age": "55"})
    text = response.content.decode()
    assert "Suggested allocation: moderate" in text
    assert "the lower governs" in text
    editor = re.search(r'href="(/households/\d+/policy/new/\?[^"]+)"', text)
    assert editor is not None
    query = parse_qs(urlparse(editor.group(1).replace("&amp;", "&")).query)
    assert "weight_us_equity" in query
    assert "weight_crypto_large" not in query
    page = client_as("owner").get(editor.group(1).replace("&amp;", "&")).content.decode()
    value = query["weight_us_equity"][0]
    assert re.search(rf'name="weight_us_equity"[^>]*value="{re.escape(value)}"', page)
    assert "questionnaire_answers" in page


def test_drift_page_and_panels_draw_bars(world: World, client_as: Any) -> None:
    make_policy(world)
    drift = client_as("client").get(f"/households/{world.household.pk}/drift/").content.decode()
    assert 'class="drift-bar"' in drift
    assert "out of band" in drift
    assert "Cash is 3.0 pp above its band" in drift
    panels = client_as("owner").get(f"/households/{world.household.pk}/panels/").content.decode()
    assert 'class="drift-bar"' in panels
    assert "Investment Policy Statement" in panels
    assert "Rebalance:" in panels


def test_panels_without_a_policy_invite_the_advisor(world: World, client_as: Any) -> None:
    text = client_as("owner").get(f"/households/{world.household.pk}/panels/").content.decode()
    assert "No active IPS." in text
    assert "Write the IPS" in text
    text = client_as("client").get(f"/households/{world.household.pk}/panels/").content.decode()
    assert "No active IPS." in text
    assert "Write the IPS" not in text
