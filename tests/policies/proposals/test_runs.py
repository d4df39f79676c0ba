"""Rebalance runs: the right proposal (or named failure) per household, once per run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from policies.proposals.models import (
    Proposal,
    ProposalStatus,
    RebalanceRun,
    RebalanceRunItem,
    RunItemStatus,
)
from policies.proposals.request import ProposalRequest
from policies.proposals.runs import process_run_chunk, queue_run
from policies.proposals.services import proposal_create
from policies.services import PolicyDraft, TargetDraft, policy_create
from portfolios.models import AccountType, Household, Restriction, RestrictionKind
from tests.conftest import World
from tests.factories import AccountFactory, HouseholdFactory, LotFactory
from tests.policies.proposals.drifted import AS_OF, make_drifted

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/rebalance-runs/"


def _all_equity_household(world: World, name: str, *, cash_reserve: str = "0") -> Household:
    household = HouseholdFactory(firm=world.firm, name=name, primary_advisor=world.user("owner"))
    account = AccountFactory(
        household=household,
        name=f"{name} brokerage",
        account_type=AccountType.TAXABLE,
        cash=Decimal(0),
        cash_reserve=Decimal(cash_reserve),
    )
    LotFactory(
        account=account,
        security=world.securities["VTI"],
        quantity=Decimal(100),
        cost_basis=Decimal(20000),
        acquired_on=AS_OF.replace(year=2021),
    )
    return household


def _policy(world: World, household: Household, equity: str = "1") -> None:
    targets = [TargetDraft("us_equity", Decimal(equity))]
    if Decimal(equity) < 1:
        targets.append(TargetDraft("cash", 1 - Decimal(equity)))
    policy_create(
        household=household,
        author=world.user("owner"),
        draft=PolicyDraft(targets=tuple(targets), rationale="Equity and cash."),
        activate=True,
        queue_work=False,
    )


@pytest.fixture
def book(world: World) -> dict[str, Household]:
    """The owner's book in four states (Jones is another advisor's and stays out)."""
    make_drifted(world)  # Smith: us_equity at 47% against 30%: out of band
    in_band = _all_equity_household(world, "In Band")  # 100% VTI, target 100%
    _policy(world, in_band)
    no_ips = _all_equity_household(world, "No IPS")
    # Out of band (100% VTI against 50%), and $30,000 must be kept in cash that its
    # $25,000 of VTI cannot raise: the withdrawal into the reserve is infeasible.
    short = _all_equity_household(world, "Short Of Cash", cash_reserve="30000")
    _policy(world, short, equity="0.5")
    return {"out": world.household, "in_band": in_band, "no_ips": no_ips, "short": short}


def _start(api: Any, django_capture_on_commit_callbacks: Any, **body: Any) -> dict[str, Any]:
    body.setdefault("as_of", AS_OF.isoformat())
    body.setdefault("min_trade", "0")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(RUNS, body, format="json")
    assert response.status_code == 202, response.json()
    return response.json()


def test_a_run_proposes_for_the_households_that_need_it_and_names_each_failure(
    world: World, api_as: Any, book: dict[str, Household], django_capture_on_commit_callbacks: Any
) -> None:
    api = api_as("owner")

    started = _start(api, django_capture_on_commit_callbacks, selection="needs_rebalance")
    run = api.get(f"{RUNS}{started['id']}/").json()

    assert started["total"] == 4
    assert run["status"] == "done"
    smith = Proposal.objects.get(household=book["out"])
    assert run["proposals"] == [smith.pk]
    assert smith.status == ProposalStatus.DRAFT
    assert Proposal.objects.count() == 1  # nothing kept for the three others
    failures = {f["household"]: f["reason"] for f in run["failures"]}
    assert set(failures) == {book["no_ips"].pk, book["short"].pk}
    assert "no active Investment Policy Statement" in failures[book["no_ips"].pk]
    assert "nfeasible" in failures[book["short"].pk]
    assert (run["done"], run["failed"], run["in_band"]) == (2, 2, 1)
    assert run["summary"]["proposals"] == 1
    assert run["summary"]["trades"] == smith.trades.count()
    assert run["summary"]["estimated_tax"] == str(smith.estimated_tax)


def test_selection_all_proposes_for_an_in_band_household_and_finds_no_trades(
    world: World, api_as: Any, book: dict[str, Household], django_capture_on_commit_callbacks: Any
) -> None:
    started = _start(api_as("owner"), django_capture_on_commit_callbacks, selection="all")

    item = RebalanceRunItem.objects.get(run_id=started["id"], household=book["in_band"])
    assert item.status == RunItemStatus.NO_TRADES
    assert item.proposal is None


def test_a_run_requeued_after_a_worker_crash_has_one_draft_per_household(
    world: World, api_as: Any, book: dict[str, Household], settings: Any
) -> None:
    settings.REBALANCE_RUN_CHUNK_SIZE = 2
    # given a run whose chunks never ran (the worker died before acking)...
    response = api_as("owner").post(
        RUNS,
        {"selection": "households", "households": [book["out"].pk], "as_of": AS_OF.isoformat()},
        format="json",
    )
    run = RebalanceRun.objects.get(pk=response.json()["id"])
    items = list(RebalanceRunItem.objects.filter(run=run).values_list("pk", flat=True))
    # ...one worker processed the chunk, then died before acknowledging it,
    process_run_chunk(run_id=run.pk, item_ids=items)
    # when the broker hands the same chunk to another worker, and the run is queued again
    process_run_chunk(run_id=run.pk, item_ids=items)
    queue_run(run.pk)

    # then the household has one draft from the run
    assert Proposal.objects.filter(household=book["out"]).count() == 1
    run.refresh_from_db()
    assert run.status == "done"


def test_approving_a_run_approves_its_drafts_and_names_a_stale_one(
    world: World, api_as: Any, book: dict[str, Household], django_capture_on_commit_callbacks: Any
) -> None:
    extra = _all_equity_household(world, "Drifted Too")
    _policy(world, extra, equity="0.5")
    started = _start(
        api_as("owner"),
        django_capture_on_commit_callbacks,
        selection="households",
        households=[book["out"].pk, extra.pk],
    )
    stale, fresh = (Proposal.objects.get(household=h) for h in (extra, book["out"]))
    account = extra.accounts.get()
    account.cash = Decimal(10)  # the book changes after the run
    account.save()

    outsider = api_as("teammate").post(f"{RUNS}{started['id']}/approve/")

    assert outsider.status_code == 404  # a run is its starter's (and the firm admins')
    answer = api_as("owner").post(f"{RUNS}{started['id']}/approve/").json()
    assert answer["approved"] == [fresh.pk]
    assert [r["proposal"] for r in answer["refused"]] == [stale.pk]
    assert "changed" in answer["refused"][0]["reason"]


def test_four_eyes_refuses_self_approval(
    world: World, api_as: Any, book: dict[str, Household], django_capture_on_commit_callbacks: Any
) -> None:
    world.firm.four_eyes = True
    world.firm.save()
    started = _start(
        api_as("owner"),
        django_capture_on_commit_callbacks,
        selection="households",
        households=[book["out"].pk],
    )
    proposal_id = started and Proposal.objects.get(household=book["out"]).pk

    mine = api_as("owner").post(f"/api/v1/proposals/{proposal_id}/approve/")
    theirs = api_as("teammate").post(f"/api/v1/proposals/{proposal_id}/approve/")

    assert mine.status_code == 409
    assert "four eyes" in str(mine.json())
    assert theirs.status_code == 200
    assert Proposal.objects.get(pk=proposal_id).approved_by == world.user("teammate")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"selection": "households", "households": []}, "households"),
        ({"selection": "households", "households": ["JONES"]}, "households"),
        ({"selection": "everyone"}, "selection"),
        ({"selection": "all", "do_not_buy": [999999]}, "do_not_buy"),
        ({"selection": "all", "min_trade": "-5"}, "min_trade"),
    ],
)
def test_a_bad_run_request_is_a_field_error_and_starts_nothing(
    world: World, api_as: Any, body: dict[str, Any], field: str
) -> None:
    if body.get("households") == ["JONES"]:
        body["households"] = [world.other_household.pk]  # another advisor's

    response = api_as("owner").post(RUNS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not RebalanceRun.objects.exists()


def _plan_of(proposal: Proposal) -> dict[str, Any]:
    """What a proposal says: its figures, notes, and every trade with the lots it relieves."""
    trades = [
        (
            t.account_id,
            t.security_id,
            t.side,
            t.quantity,
            t.amount,
            [(r.lot_id, r.quantity, r.gain, r.term) for r in t.lots.order_by("lot_id")],
        )
        for t in proposal.trades.order_by("position")
    ]
    return {
        "trades": trades,
        "estimated_tax": proposal.estimated_tax,
        "notes": proposal.notes,
        "drift_after": proposal.drift_after,
        "cash_after": proposal.cash_after,
        "book_fingerprint": proposal.book_fingerprint,
        "policy": proposal.policy_id,
    }


def test_a_run_proposes_exactly_what_a_single_proposal_would(
    world: World, api_as: Any, book: dict[str, Household]
) -> None:
    """The chunk reads its households' rows together; each plan is still the one a
    proposal of that household alone gets (standing restrictions included)."""
    restricted = _all_equity_household(world, "Restricted")
    _policy(world, restricted, equity="0.5")
    Restriction.objects.create(
        household=restricted,
        security=world.securities["ITOT"],
        kind=RestrictionKind.DO_NOT_BUY,
        reason="ESG screen",
        created_by=world.user("owner"),
    )
    households = [book["out"], restricted, book["short"]]
    response = api_as("owner").post(
        RUNS,
        {
            "selection": "households",
            "households": [h.pk for h in households],
            "as_of": AS_OF.isoformat(),
        },
        format="json",
    )
    run = RebalanceRun.objects.get(pk=response.json()["id"])
    items = list(RebalanceRunItem.objects.filter(run=run).values_list("pk", flat=True))

    process_run_chunk(run_id=run.pk, item_ids=items)

    request = ProposalRequest.from_json(run.options)
    for household in (book["out"], restricted):
        drafted = RebalanceRunItem.objects.get(run=run, household=household).proposal
        assert drafted is not None
        from_run = _plan_of(drafted)
        alone = proposal_create(
            household=household, user=world.user("owner"), request=request, compute_now=True
        )
        assert from_run == _plan_of(alone)
        assert from_run["trades"]  # both drifted: something to compare
    assert any("ITOT" in note for note in _plan_of(alone)["notes"])  # the restriction applied
    alone_short = proposal_create(
        household=book["short"], user=world.user("owner"), request=request, compute_now=True
    )
    short_item = RebalanceRunItem.objects.get(run=run, household=book["short"])
    assert short_item.status == RunItemStatus.FAILED
    assert short_item.reason == f"Infeasible: {'; '.join(alone_short.binding)}."


def test_a_chunk_whose_rows_cannot_be_read_together_still_proposes_each_household(
    world: World, api_as: Any, book: dict[str, Household], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a row the read-ahead cannot take")

    monkeypatch.setattr("policies.proposals.runs.proposal_inputs_many", broken)
    response = api_as("owner").post(
        RUNS,
        {"selection": "all", "as_of": AS_OF.isoformat(), "min_trade": "0"},
        format="json",
    )
    run = RebalanceRun.objects.get(pk=response.json()["id"])
    items = list(RebalanceRunItem.objects.filter(run=run).values_list("pk", flat=True))

    counts = process_run_chunk(run_id=run.pk, item_ids=items)

    # each household read its own rows: the same outcomes as the first test's book
    assert counts == {"proposed": 1, "no_trades": 1, "failed": 2}
    assert RebalanceRunItem.objects.get(run=run, household=book["out"]).proposal is not None
    run.refresh_from_db()
    assert run.status == "done"
