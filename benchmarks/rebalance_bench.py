"""Tax-aware rebalancing: how long it takes, and how much tax it saves over the naive way.

``run`` times ``plan_rebalance`` on one household of 10 accounts, 60
securities and 3,000 lots (median of a few runs), fractional and whole shares
(the aim: whole shares within 1 s, with the proven gap to the fractional
optimum), whole against fractional shares over ten seeded households each of
126 and of 150 lots, then compares, over 50
seeded random households, the incremental tax of our proposals with the naive
rebalance (each account to the targets on its own, FIFO lots): total tax
both ways and the percent saved. Both end at the targets (no menus in the
comparison, so the naive plan is one the optimiser could have chosen). Each of
those households is also planned blind to the $3,000 ordinary-income offset
(``RebalanceOptions(ordinary_offset=False)``): the share whose trades differ is
how often the offset changes the advice.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from advisory.engine.rebalance import naive_rebalance, plan_rebalance
from advisory.engine.rebalance.types import RebalanceOptions, RebalancePlan
from advisory.engine.types import (
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    SecurityInfo,
    TaxProfile,
    TransactionInfo,
)

AS_OF = date(2025, 9, 30)
CLASSES = (
    "us_equity",
    "intl_equity",
    "us_bonds",
    "muni_bonds",
    "real_estate",
    "commodities",
    "crypto_large",
)
ACCOUNT_TYPES = (
    "taxable",
    "traditional_ira",
    "roth_ira",
    "taxable",
    "traditional_401k",
    "taxable",
    "hsa",
    "roth_ira",
    "traditional_ira",
    "taxable",
)
LARGE = (10, 60, 3000)  # accounts, securities, lots
SMALL = (4, 21, 150)
HOUSEHOLDS = 50
# Whole shares: the households of 126 and 150 lots, ten seeds each.
WHOLE_SHARE_SIZES = {"126_lots": (6, 30, 126), "150_lots": SMALL}
WHOLE_SHARE_SEEDS = range(2000, 2010)
WHOLE_SHARES_AIM_SECONDS = 1.0  # the 3,000-lot household (issue 11)


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _securities(rng: random.Random, count: int) -> dict[int, SecurityInfo]:
    """Securities spread over the classes, two to a substitute group (like VOO and IVV)."""
    securities = {}
    for i in range(count):
        code = CLASSES[i % len(CLASSES)]
        rank = i // len(CLASSES)
        security_id = 100 + i
        securities[security_id] = SecurityInfo(
            id=security_id,
            symbol=f"S{security_id}",
            asset_class=code,
            substitute_group=f"{code}-{rank // 2}",
            price=_money(rng.uniform(20, 400)),
        )
    return securities


def _accounts(rng: random.Random, count: int, menus: bool) -> tuple[AccountInfo, ...]:
    accounts = []
    for i in range(count):
        kind = ACCOUNT_TYPES[i % len(ACCOUNT_TYPES)]
        menu = frozenset(CLASSES[:3]) if menus and kind == "traditional_401k" else frozenset()
        accounts.append(
            AccountInfo(
                id=i + 1,
                name=f"{kind} {i + 1}",
                account_type=kind,
                cash=_money(rng.uniform(0, 20000)),
                cash_reserve=_money(rng.choice((0, 0, 500, 1000))),
                allowed_classes=menu,
            )
        )
    return tuple(accounts)


def _lots(
    rng: random.Random,
    count: int,
    accounts: tuple[AccountInfo, ...],
    securities: dict[int, SecurityInfo],
) -> tuple[LotInfo, ...]:
    lots = []
    for lot_id in range(1, count + 1):
        account = rng.choice(accounts)
        choices = [s for s in securities.values() if account.allows(s.asset_class)]
        security = rng.choice(choices)
        quantity = Decimal(rng.randint(1, 400))
        # basis / price ~ lognormal: median 0.74, about one lot in nine at a loss
        basis = security.price * quantity * Decimal(f"{rng.lognormvariate(-0.3, 0.25):.4f}")
        acquired = AS_OF - timedelta(days=rng.randint(1, 3000))
        lots.append(
            LotInfo(
                lot_id, account.id, security.id, quantity, basis.quantize(Decimal("0.01")), acquired
            )
        )
    return tuple(lots)


def _recent(rng: random.Random, lots: tuple[LotInfo, ...]) -> tuple[TransactionInfo, ...]:
    picks = rng.sample(lots, k=min(4, len(lots)))
    recent = [
        TransactionInfo(
            lot.account_id,
            lot.security_id,
            "reinvest",
            AS_OF - timedelta(days=rng.randint(1, 29)),
            Decimal(1),
        )
        for lot in picks[:2]
    ]
    recent += [
        TransactionInfo(
            lot.account_id,
            lot.security_id,
            "sell",
            AS_OF - timedelta(days=rng.randint(1, 29)),
            Decimal(5),
            realized_gain=Decimal("-250"),
        )
        for lot in picks[2:]
    ]
    return tuple(recent)


def random_household(
    seed: int, *, accounts: int, securities: int, lots: int, menus: bool = True
) -> tuple[HouseholdSnapshot, PolicyTargets]:
    """A seeded household with gains, losses, recent trades and an IPS it has drifted from."""
    rng = random.Random(seed)
    chosen = _securities(rng, securities)
    people = _accounts(rng, accounts, menus)
    holdings = _lots(rng, lots, people, chosen)
    tax = TaxProfile(
        t_ord=Decimal("0.42"),
        t_ltcg=Decimal("0.238"),
        realized_st_ytd=_money(rng.uniform(0, 20000)),
        realized_lt_ytd=_money(rng.uniform(0, 60000)),
        carryforward_lt=_money(rng.choice((0, 0, rng.uniform(0, 50000)))),
    )
    snapshot = HouseholdSnapshot(
        1, AS_OF, people, chosen, holdings, recent_transactions=_recent(rng, holdings), tax=tax
    )
    weights = [rng.uniform(0.5, 3) for _ in CLASSES]
    total = sum(weights)
    targets = {
        code: Decimal(f"{0.97 * w / total:.4f}") for code, w in zip(CLASSES, weights, strict=True)
    }
    targets["cash"] = Decimal(1) - sum(targets.values(), Decimal(0))
    return snapshot, PolicyTargets(targets=targets)


def _timed(
    snapshot: HouseholdSnapshot, policy: PolicyTargets, options: RebalanceOptions, repeats: int
) -> tuple[RebalancePlan, list[float]]:
    seconds = []
    plan = plan_rebalance(snapshot, policy, options=options)
    for _ in range(repeats):
        started = time.perf_counter()
        plan = plan_rebalance(snapshot, policy, options=options)
        seconds.append(time.perf_counter() - started)
    return plan, seconds


def _gap(plan: RebalancePlan) -> dict[str, object]:
    gap = plan.whole_share_gap
    if gap is None:
        return {}
    return {
        "fractional_tax_after": str(gap.fractional_tax_after),
        "tax_gap": str(gap.tax_gap),
        "relative_gap": None if gap.relative_gap is None else f"{gap.relative_gap:.6f}",
        "shortfall_gap": str(gap.shortfall_gap),
        "repair_width": gap.repair_width,
    }


def _time_large(repeats: int = 3) -> dict[str, object]:
    """The large household, fractional shares (the default) and whole shares."""
    accounts, securities, lots = LARGE
    snapshot, policy = random_household(7, accounts=accounts, securities=securities, lots=lots)
    plan, seconds = _timed(snapshot, policy, RebalanceOptions(), repeats)
    whole, whole_seconds = _timed(snapshot, policy, RebalanceOptions(whole_shares=True), repeats)
    naive = naive_rebalance(snapshot, policy)
    median, whole_median = statistics.median(seconds), statistics.median(whole_seconds)
    return {
        "household": f"{accounts} accounts, {securities} securities, {lots} lots",
        "engine_seconds_median": round(median, 3),
        "engine_seconds_max": round(max(seconds), 3),
        "feasible": plan.feasible,
        "optimal": plan.optimal,
        "trades": len(plan.trades),
        "estimated_tax": str(plan.estimated_tax),
        "naive_estimated_tax": str(naive.estimated_tax),
        "whole_shares_engine_seconds": round(whole_median, 3),
        "whole_shares_engine_seconds_max": round(max(whole_seconds), 3),
        "whole_shares_over_fractional": round(whole_median / median, 2),
        "whole_shares_aim_seconds": WHOLE_SHARES_AIM_SECONDS,
        "whole_shares_optimal": whole.optimal,
        "whole_shares_feasible": whole.feasible,
        "whole_shares_estimated_tax": str(whole.estimated_tax),
        "whole_shares_gap": _gap(whole),
    }


def _time_whole_shares(
    size: tuple[int, int, int], seeds: range, *, menus: bool = True
) -> dict[str, object]:
    """Whole against fractional shares over seeded households of one size (one run each)."""
    accounts, securities, lots = size
    fractional, whole, gaps, widths = [], [], [], []
    missed = 0
    for seed in seeds:
        snapshot, policy = random_household(
            seed, accounts=accounts, securities=securities, lots=lots, menus=menus
        )
        _, seconds = _timed(snapshot, policy, RebalanceOptions(), 1)
        plan, whole_seconds = _timed(snapshot, policy, RebalanceOptions(whole_shares=True), 1)
        fractional.append(seconds[0])
        whole.append(whole_seconds[0])
        gap = plan.whole_share_gap
        if gap is not None and gap.tax_gap is not None:
            gaps.append(gap.tax_gap)
        missed += gap is not None and gap.tax_gap is None
        widths.append(
            "full program" if gap is None or gap.repair_width is None else str(gap.repair_width)
        )
    return {
        "households": len(seeds),
        "household": f"{accounts} accounts, {securities} securities, {lots} lots, target mode",
        "fractional_seconds_median": round(statistics.median(fractional), 3),
        "fractional_seconds_max": round(max(fractional), 3),
        "whole_shares_seconds_median": round(statistics.median(whole), 3),
        "whole_shares_seconds_max": round(max(whole), 3),
        "tax_gap_median": str(statistics.median(gaps)) if gaps else None,
        "tax_gap_max": str(max(gaps)) if gaps else None,
        "whole_shares_further_outside_the_mode": missed,
        "repair_widths": {w: widths.count(w) for w in sorted(set(widths))},
    }


def _orders(plan: RebalancePlan) -> set[tuple[int, int, str, Decimal]]:
    return {(t.account_id, t.security_id, t.side.value, t.quantity) for t in plan.trades}


def _compare(households: int = HOUSEHOLDS) -> dict[str, object]:
    accounts, securities, lots = SMALL
    ours_total = naive_total = Decimal(0)
    cheaper = equal = offset_changed = 0
    for seed in range(households):
        snapshot, policy = random_household(
            1000 + seed, accounts=accounts, securities=securities, lots=lots, menus=False
        )
        ours = plan_rebalance(snapshot, policy, options=RebalanceOptions())
        blind = plan_rebalance(snapshot, policy, options=RebalanceOptions(ordinary_offset=False))
        offset_changed += _orders(ours) != _orders(blind)
        naive = naive_rebalance(snapshot, policy)
        ours_total += ours.estimated_tax
        naive_total += naive.estimated_tax
        cheaper += ours.estimated_tax < naive.estimated_tax - Decimal("0.01")
        equal += abs(ours.estimated_tax - naive.estimated_tax) <= Decimal("0.01")
    saved = naive_total - ours_total
    # Over 100% when our losses also pay back tax on gains realised earlier in the year.
    percent = (100 * saved / naive_total) if naive_total > 0 else Decimal(0)
    return {
        "households": households,
        "household": f"{accounts} accounts, {securities} securities, {lots} lots, target mode",
        "ours_total_tax": str(ours_total),
        "naive_total_tax": str(naive_total),
        "saved": str(saved),
        "percent_saved": f"{percent:.1f}",
        "ours_cheaper": cheaper,
        "equal": equal,
        "offset_changed_plan": offset_changed,
        "offset_changed_share_percent": f"{100 * offset_changed / households:.1f}",
    }


def run() -> dict[str, object]:
    """Engine time on the large household and the 50-household tax comparison."""
    started = time.perf_counter()
    figures: dict[str, object] = {"large": _time_large(), "comparison": _compare()}
    figures["whole_shares"] = {
        name: _time_whole_shares(size, WHOLE_SHARE_SEEDS)
        for name, size in WHOLE_SHARE_SIZES.items()
    }
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
