"""US netting in solver terms: a net-loss region and the sign cases of (S, L).

Tax with US netting
    With ``S = S0 + dS`` and ``L = L0 + dL`` (dS, dL linear in s over taxable
    lots) and ``N = S + L``, ``T(S, L)`` of docs/DOMAIN.md is not convex: a
    long-term loss is worth the ordinary rate against short-term gains, and the
    ordinary-income offset of a net loss (up to ``D``) is worth ``t_ord`` a dollar
    where a net gain costs only ``t_ltcg``. DOMAIN.md models this with three
    binaries: the signs of S and L and whether N is a net loss (``n``). Instead
    of big-M constraints the model is solved once per region (the binaries
    fixed: a complete branch on them), where T is exact and convex:

        N <= 0 (a net loss, n = 1):  tau >= t_ord N,  tau >= -t_ord D  (the bound)
        N >= 0 and S >= 0, L >= 0:  tau >= t_ord S + t_ltcg L
        N >= 0 and S >= 0, L <= 0:  tau >= t_ord (S + L)
        N >= 0 and S <= 0, L >= 0:  tau >= t_ltcg (S + L)

    (With N <= 0 both netting terms vanish whatever the signs, so the four sign
    cases collapse into one region; S <= 0 and L <= 0 lies inside it.) The
    cheapest region is the optimum. This avoids big-M leaks (a binary at the
    solver's integrality tolerance 1e-6 times M = 1e7 would hide $10 of gain),
    and cases that cannot occur are skipped from the gain ranges.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from advisory.engine.rebalance.model import Model, Row, Vector, slack


class SignCase(Enum):
    GAIN_GAIN = (1, 1)
    GAIN_LOSS = (1, -1)
    LOSS_GAIN = (-1, 1)
    LOSS_LOSS = (-1, -1)


def gain_range(model: Model, gains: Vector) -> tuple[float, float]:
    """The least and most gain the sells could realise (sell caps times gain per share)."""
    contribution = gains[model.sells] * model.high[model.sells]
    return float(contribution[contribution < 0].sum()), float(contribution[contribution > 0].sum())


def case_possible(model: Model, case: SignCase) -> bool:
    """Whether S and L can take the case's signs at all (so the case is worth a solve)."""
    problem = model.problem
    sign_s, sign_l = case.value
    for base, gains, sign in (
        (problem.s0, model.short_term, sign_s),
        (problem.l0, model.long_term, sign_l),
    ):
        least, most = gain_range(model, gains)
        if sign > 0 and base + most < 0:
            return False
        if sign < 0 and base + least > 0:
            return False
    return True


def case_rows(model: Model, case: SignCase) -> list[Row]:
    """The sign constraints of S and L, N >= 0, and the tax line of one case (module notes)."""
    problem = model.problem
    sign_s, sign_l = case.value
    rows = [
        Row(
            model.short_term,
            -problem.s0 if sign_s > 0 else -np.inf,
            np.inf if sign_s > 0 else -problem.s0,
        ),
        Row(
            model.long_term,
            -problem.l0 if sign_l > 0 else -np.inf,
            np.inf if sign_l > 0 else -problem.l0,
        ),
        # A net gain (N >= 0): a net loss is the net-loss region's (net_loss_rows).
        Row(model.short_term + model.long_term, -problem.s0 - problem.l0, np.inf),
    ]
    t_ord, t_ltcg = problem.t_ord, problem.t_ltcg
    slopes = {
        SignCase.GAIN_GAIN: (t_ord, t_ltcg),
        SignCase.GAIN_LOSS: (t_ord, t_ord),
        SignCase.LOSS_GAIN: (t_ltcg, t_ltcg),
    }.get(case)
    if slopes is not None:
        a, b = slopes
        line = -a * model.short_term - b * model.long_term
        line[model.tau] = 1.0
        rows.append(Row(line, a * problem.s0 + b * problem.l0, np.inf))
    return rows


def tax_vector(model: Model) -> Vector:
    objective = model.vector()
    objective[model.tau] = 1.0
    return objective


def net_loss_rows(model: Model) -> list[Row]:
    """The plans that end the year at a net capital loss (N <= 0), and their tax line.

    There ``T = max(t_ord N, -t_ord D)``: the bound on ``tau`` holds the second term.
    With both rates zero every plan owes nothing; one row that always holds stands
    for them all.
    """
    problem = model.problem
    net = model.short_term + model.long_term
    if problem.t_ord <= 0 and problem.t_ltcg <= 0:
        return [Row(np.zeros_like(net), -np.inf, np.inf)]
    line = -problem.t_ord * net
    line[model.tau] = 1.0
    return [
        Row(net, -np.inf, -problem.s0 - problem.l0 + slack(0.0)),
        Row(line, problem.t_ord * (problem.s0 + problem.l0), np.inf),
    ]
