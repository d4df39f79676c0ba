"""The IPS, drift, questionnaire and acknowledgement endpoints."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from policies.models import InvestmentPolicy, PolicyAcknowledgement, PolicyStatus, PolicyTarget
from tests.conftest import World
from tests.policies.conftest import make_policy, payload

pytestmark = pytest.mark.django_db

API = "/api/v1"


def policy_url(world: World) -> str:
    return f"{API}/households/{world.household.pk}/policy/"


def nothing_saved() -> None:
    assert not InvestmentPolicy.objects.exists()
    assert not PolicyTarget.objects.exists()


def test_no_active_policy_is_404(world: World, api_as: Any) -> None:
    response = api_as("owner").get(policy_url(world))
    assert response.status_code == 404


def test_post_creates_an_active_version(world: World, api_as: Any) -> None:
    response = api_as("owner").post(policy_url(world), payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1
    assert body["status"] == "active"
    assert [(t["asset_class"], t["weight"]) for t in body["targets"]] == [
        ("us_equity", "0.400000"),
        ("intl_equity", "0.200000"),
        ("us_bonds", "0.350000"),
        ("cash", "0.050000"),
    ]
    assert body["abs_band"] == "0.050000"
    assert body["rel_band"] == "0.250000"
    assert body["frequency"] is None
    assert body["author"] == world.user("owner").pk
    assert body["pending_acknowledgement"] == [
        {"user": world.user("client").pk, "name": world.user("client").display_name}
    ]
    fetched = api_as("client").get(policy_url(world)).json()
    assert fetched["id"] == body["id"]


def test_post_as_draft_leaves_the_active_version(world: World, api_as: Any) -> None:
    active = make_policy(world)
    response = api_as("owner").post(policy_url(world), payload(status="draft"), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert api_as("owner").get(policy_url(world)).json()["id"] == active.pk


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {
                "targets": [
                    {"asset_class": "us_equity", "weight": "0.40"},
                    {"asset_class": "intl_equity", "weight": "0.20"},
                    {"asset_class": "us_bonds", "weight": "0.35"},
                    {"asset_class": "cash", "weight": "0.045"},
                ]
            },
            {"targets": ["Weights must sum to 100%; they sum to 99.5%."]},
        ),
        (
            {
                "targets": [
                    {"asset_class": "us_equity", "weight": "0.5"},
                    {"asset_class": "xyz", "weight": "0.5"},
                ]
            },
            {"targets": [{}, {"asset_class": ["Unknown asset class 'xyz'."]}]},
        ),
        (
            {
                "targets": [
                    {"asset_class": "us_equity", "weight": "0.5"},
                    {"asset_class": "us_equity", "weight": "0.5"},
                ]
            },
            {"targets": [{}, {"asset_class": ["US equity has more than one target."]}]},
        ),
        ({"abs_band": "-0.05"}, {"abs_band": ["Must be between 0 and 1 (a fraction, e.g. 0.05)."]}),
        ({"rel_band": "-0.25"}, {"rel_band": ["Must be between 0 and 1 (a fraction, e.g. 0.05)."]}),
        ({"rationale": ""}, {"rationale": ["This field may not be blank."]}),
        ({"rationale": "   "}, {"rationale": ["This field may not be blank."]}),
        (
            {"method": "calendar"},
            {
                "frequency": ["The calendar method needs a review frequency."],
                "anchor_date": ["The calendar method needs an anchor date."],
            },
        ),
        ({"method": "sometimes"}, {"method": ['"sometimes" is not a valid choice.']}),
    ],
)
def test_bad_input_is_a_clear_400_and_saves_nothing(
    world: World, api_as: Any, changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = api_as("owner").post(policy_url(world), payload(**changes), format="json")
    assert response.status_code == 400
    assert response.json() == expected
    nothing_saved()


def test_weights_are_decimals_never_floats(world: World, api_as: Any) -> None:
    # 0.1 + 0.2 + 0.7 is 1 in Decimal (and 0.9999999999999999 in binary floating point).
    targets = [
        {"asset_class": "us_equity", "weight": "0.1"},
        {"asset_class": "intl_equity", "weight": "0.2"},
        {"asset_class": "us_bonds", "weight": "0.7"},
    ]
    response = api_as("owner").post(policy_url(world), payload(targets=targets), format="json")
    assert response.status_code == 201


def test_a_client_may_not_write_and_nothing_is_saved(world: World, api_as: Any) -> None:
    response = api_as("client").post(policy_url(world), payload(), format="json")
    assert response.status_code == 403
    nothing_saved()


def test_operations_may_not_write_a_policy(world: World, api_as: Any) -> None:
    response = api_as("operations").post(policy_url(world), payload(), format="json")
    assert response.status_code == 403
    nothing_saved()


def test_idempotency_key_creates_one_version(world: World, api_as: Any) -> None:
    api = api_as("owner")
    first = api.post(policy_url(world), payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(policy_url(world), payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert InvestmentPolicy.objects.count() == 1


def test_versions_newest_first(world: World, api_as: Any) -> None:
    make_policy(world)
    make_policy(world, rationale="Second.")
    make_policy(world, activate=False, rationale="Third, a draft.")
    response = api_as("owner").get(f"{API}/households/{world.household.pk}/policies/")
    body = response.json()
    assert body["count"] == 3
    assert [(p["version"], p["status"]) for p in body["results"]] == [
        (3, "draft"),
        (2, "active"),
        (1, "superseded"),
    ]


def test_drift_endpoint_hand_checked(world: World, api_as: Any) -> None:
    make_policy(world)
    response = api_as("client").get(f"{API}/households/{world.household.pk}/drift/")
    assert response.status_code == 200
    body = response.json()
    # Values: VTI 100 x 250 = 25,000; VXUS 200 x 60 = 12,000; BND 300 x 72 = 21,600;
    # cash 5,000 + 1,000 = 6,000; V = 64,600.
    assert body["total_value"] == "64600.00"
    rows = {row["asset_class"]: row for row in body["classes"]}
    # us_equity 25,000 / 64,600 = 0.386997; band min(0.05, 0.25 x 0.40 = 0.10) = 0.05
    assert rows["us_equity"] == {
        "asset_class": "us_equity",
        "target": "0.400000",
        "current": "0.386997",
        "drift": "-0.013003",
        "band": "0.050000",
        "lower": "0.350000",
        "upper": "0.450000",
        "in_band": True,
    }
    # cash 6,000 / 64,600 = 0.092879; band min(0.05, 0.25 x 0.05) = 0.0125; drift 0.042879
    assert rows["cash"]["current"] == "0.092879"
    assert rows["cash"]["band"] == "0.012500"
    assert rows["cash"]["in_band"] is False
    assert body["needs_rebalance"] is True
    # 0.042879 - 0.0125 = 0.030379: 3.0 points above the band
    assert body["reason"] == "Cash is 3.0 pp above its band"


def test_ips_cash_reserve_comes_out_of_free_cash(world: World, api_as: Any) -> None:
    make_policy(world, cash_reserve=Decimal("3000"))
    body = api_as("owner").get(f"{API}/households/{world.household.pk}/drift/").json()
    # cash 6,000 - 3,000 = 3,000 of V = 61,600: 0.048701, drift -0.001299 within 0.0125
    rows = {row["asset_class"]: row for row in body["classes"]}
    assert body["total_value"] == "61600.00"
    assert rows["cash"]["current"] == "0.048701"
    assert rows["us_equity"]["current"] == "0.405844"  # 25,000 / 61,600
    assert body["needs_rebalance"] is False
    assert body["reason"] == "within bands"


def test_drift_without_a_policy_is_404(world: World, api_as: Any) -> None:
    assert api_as("owner").get(f"{API}/households/{world.household.pk}/drift/").status_code == 404


def test_activate_a_draft(world: World, api_as: Any) -> None:
    old = make_policy(world)
    waiting = make_policy(world, activate=False, rationale="Next.")
    response = api_as("teammate").post(f"{API}/policies/{waiting.pk}/activate/")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    old.refresh_from_db()
    assert old.status == PolicyStatus.SUPERSEDED
    again = api_as("teammate").post(f"{API}/policies/{waiting.pk}/activate/")
    assert again.status_code == 409


def test_active_versions_have_no_patch_and_refuse_put_and_delete(world: World, api_as: Any) -> None:
    active = make_policy(world)
    api = api_as("owner")
    url = f"{API}/policies/{active.pk}/"
    assert api.patch(url, {"rationale": "x"}, format="json").status_code == 405
    assert api.put(url, payload(rationale="Changed."), format="json").status_code == 409
    assert api.delete(url).status_code == 409
    active.refresh_from_db()
    assert active.rationale == "Initial policy after the discovery meeting."


def test_put_and_delete_a_draft(world: World, api_as: Any) -> None:
    waiting = make_policy(world, activate=False)
    api = api_as("owner")
    url = f"{API}/policies/{waiting.pk}/"
    targets = [{"asset_class": "us_equity", "weight": "1"}]
    response = api.put(url, payload(targets=targets, rationale="All equity."), format="json")
    assert response.status_code == 200
    assert response.json()["targets"][0]["weight"] == "1.000000"
    assert api.delete(url).status_code == 204
    assert not InvestmentPolicy.objects.exists()


def test_client_acknowledges_the_active_version(world: World, api_as: Any) -> None:
    active = make_policy(world)
    url = f"{API}/policies/{active.pk}/acknowledge/"
    first = api_as("client").post(url)
    assert first.status_code == 201
    assert first.json()["user"] == world.user("client").pk
    assert api_as("client").post(url).status_code == 200
    body = api_as("owner").get(policy_url(world)).json()
    assert [a["user"] for a in body["acknowledgements"]] == [world.user("client").pk]
    assert body["pending_acknowledgement"] == []


def test_an_advisor_cannot_acknowledge_for_the_client(world: World, api_as: Any) -> None:
    active = make_policy(world)
    assert api_as("owner").post(f"{API}/policies/{active.pk}/acknowledge/").status_code == 403
    assert not PolicyAcknowledgement.objects.exists()


def test_acknowledging_a_superseded_version_is_409_and_a_draft_404(
    world: World, api_as: Any
) -> None:
    old = make_policy(world)
    make_policy(world, rationale="Current.")
    waiting = make_policy(world, activate=False)
    assert api_as("client").post(f"{API}/policies/{old.pk}/acknowledge/").status_code == 409
    assert api_as("client").post(f"{API}/policies/{waiting.pk}/acknowledge/").status_code == 404
    assert not PolicyAcknowledgement.objects.exists()


def test_diff_of_two_versions(world: World, api_as: Any) -> None:
    a = make_policy(world)
    b = make_policy(
        world,
        rationale="More bonds.",
        abs_band=Decimal("0.04"),
        targets=a_targets(("us_equity", "0.35"), ("intl_equity", "0.20"), ("us_bonds", "0.45")),
    )
    response = api_as("client").get(f"{API}/policies/diff/?a={a.pk}&b={b.pk}")
    assert response.status_code == 200
    body = response.json()
    targets = {row["asset_class"]: (row["a"], row["b"], row["changed"]) for row in body["targets"]}
    assert targets == {
        "us_equity": ("0.400000", "0.350000", True),
        "intl_equity": ("0.200000", "0.200000", False),
        "us_bonds": ("0.350000", "0.450000", True),
        "cash": ("0.050000", None, True),
    }
    changed = {row["field"] for row in body["fields"] if row["changed"]}
    assert changed == {"status", "abs_band", "rationale"}


def test_diff_across_households_is_400_and_outsiders_404(world: World, api_as: Any) -> None:
    from policies.services import policy_create
    from tests.policies.conftest import draft

    a = make_policy(world)
    other = policy_create(
        household=world.other_household, author=None, draft=draft(), queue_work=False
    )
    assert api_as("admin").get(f"{API}/policies/diff/?a={a.pk}&b={other.pk}").status_code == 400
    assert api_as("owner").get(f"{API}/policies/diff/?a={a.pk}&b={other.pk}").status_code == 404
    assert api_as("owner").get(f"{API}/policies/diff/?a={a.pk}").status_code == 400


def a_targets(*pairs: tuple[str, str]) -> tuple[Any, ...]:
    from policies.services import TargetDraft

    return tuple(TargetDraft(code, Decimal(weight)) for code, weight in pairs)


def test_document_is_202_while_rendering_then_the_pdf(
    world: World, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    active = make_policy(world)
    url = f"{API}/policies/{active.pk}/document.pdf"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        pending = api_as("client").get(url)
    assert pending.status_code == 202
    assert pending.json()["status"] == "pending"
    for callback in queued:  # the worker's turn: Celery is eager in tests
        callback()
    ready = api_as("client").get(url)
    assert ready.status_code == 200
    assert ready["Content-Type"] == "application/pdf"
    assert b"".join(ready.streaming_content).startswith(b"%PDF")


def test_risk_questionnaire_lists_both_categories(world: World, api_as: Any) -> None:
    body = api_as("client").get(f"{API}/risk-questionnaire/").json()
    categories = {q["category"] for q in body["questions"]}
    assert categories == {"capacity", "tolerance"}
    assert all(len(q["choices"]) == 4 for q in body["questions"])


ANSWERS = {
    "net_worth": "50_to_75",
    "liquidity": "6_to_12",
    "income_stability": "stable",
    "horizon": "8_to_15",
    "obligations": "moderate",  # capacity 1+2+2+2+1 = 8/15 -> 53
    "decline_reaction": "hold",
    "largest_tolerable_loss": "20_to_30",
    "return_or_safety": "mostly_growth",  # tolerance 2+2+2 = 6/9 -> 67
}


def test_risk_profile_scores_and_suggests_without_saving(world: World, api_as: Any) -> None:
    url = f"{API}/households/{world.household.pk}/risk-profile/"
    response = api_as("owner").post(url, {"answers": ANSWERS, "age": 55}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["capacity"], body["tolerance"]) == (53, 67)
    assert body["governing_profile"] == "moderate"
    # moderate starts at 6% crypto, less 0.75 point per full decade over 30 (2): 4.5%
    assert body["suggested"]["crypto"] == "0.0450"
    weights = [Decimal(t["weight"]) for t in body["suggested"]["targets"]]
    assert sum(weights) == 1
    assert "crypto_large" in body["missing_classes"]
    assert body["saved"] is False
    nothing_saved()


def test_risk_profile_uses_the_eldest_persons_age(world: World, api_as: Any) -> None:
    # Ann Smith, born 1962-04-02, is 64 in late 2026; unanswered question -> 400.
    url = f"{API}/households/{world.household.pk}/risk-profile/"
    ok = api_as("owner").post(url, {"answers": ANSWERS}, format="json")
    assert ok.status_code == 200
    assert ok.json()["age"] >= 63
    bad = api_as("owner").post(url, {"answers": {"horizon": "over_15"}}, format="json")
    assert bad.status_code == 400
    assert "answers" in bad.json()
    assert api_as("client").post(url, {"answers": ANSWERS}, format="json").status_code == 403


def test_policy_json_round_trips_through_the_schema(world: World, api_as: Any) -> None:
    make_policy(world)
    response = api_as("owner").get(policy_url(world))
    assert json.loads(response.content)["crypto_sleeve"] == {"weight": "0", "split": {}}


def test_clients_do_not_see_drafts(world: World, api_as: Any) -> None:
    make_policy(world)
    waiting = make_policy(world, activate=False, rationale="Working copy.")
    listed = api_as("client").get(f"{API}/households/{world.household.pk}/policies/").json()
    assert [p["status"] for p in listed["results"]] == ["active"]
    assert api_as("client").get(f"{API}/policies/{waiting.pk}/").status_code == 404
    assert api_as("operations").get(f"{API}/policies/{waiting.pk}/").status_code == 200


def test_version_list_queries_do_not_grow_with_versions(world: World, api_as: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as("owner")
    url = f"{API}/households/{world.household.pk}/policies/"
    make_policy(world)
    with CaptureQueriesContext(connection) as few:
        api.get(url)
    for n in range(4):
        make_policy(world, rationale=f"Version {n + 2}.")
    with CaptureQueriesContext(connection) as many:
        assert api.get(url).json()["count"] == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_drift_endpoint_queries_are_few(
    world: World, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    make_policy(world)
    api = api_as("owner")
    with django_assert_max_num_queries(12):
        assert api.get(f"{API}/households/{world.household.pk}/drift/").status_code == 200
