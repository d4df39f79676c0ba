"""Stress test: what a shock per class and a rate shock would do to today's values.

A scenario gives each class a shock (a fraction of its value: ``-0.50`` halves
it) and optionally a rate shock ``delta_rate`` (a fraction: ``0.02`` is rates up
2 percentage points). A class with duration ``D`` years moves by
``-D * delta_rate`` on top of its own shock (a 6-year bond class falls 12% for
+2 points). A class never loses more than its value. The impact is the
signed change in dollars (a loss is negative) and ``impact_pct`` the change
as a fraction of the portfolio's value.

Defaults (docs/DOMAIN.md): crypto -50%, equities -30%, rates +2 points, each
its own scenario; the advisor's own shocks make one more. A class is crypto
when its code starts with ``crypto`` and an equity class when its code ends with
``equity`` (the default classes us_equity and intl_equity); a firm that names
its classes otherwise sets its shocks by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from advisory.engine.money import ONE, ZERO, to_cents

DEFAULT_CRYPTO_SHOCK = Decimal("-0.50")
DEFAULT_EQUITY_SHOCK = Decimal("-0.30")
DEFAULT_RATE_SHOCK = Decimal("0.02")
PCT_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class ClassExposure:
    code: str
    value: Decimal  # dollars held today, >= 0
    duration: Decimal = ZERO  # years; bonds > 0, else 0


@dataclass(frozen=True)
class StressScenario:
    name: str
    shocks: Mapping[str, Decimal] = field(default_factory=dict)  # class code -> fraction
    rate_shock: Decimal | None = None  # fraction: 0.02 = +2 points


@dataclass(frozen=True)
class ClassImpact:
    code: str
    value: Decimal
    shock: Decimal  # the class's total move as a fraction (own shock plus the rate's)
    impact: Decimal  # dollars, signed


@dataclass(frozen=True)
class StressResult:
    name: str
    value: Decimal  # the portfolio today, dollars
    impact: Decimal  # dollars, signed (a loss is negative)
    impact_pct: Decimal  # fraction of the portfolio, signed
    by_class: tuple[ClassImpact, ...]  # classes the scenario moves


def is_crypto(code: str) -> bool:
    return code.startswith("crypto")


def is_equity(code: str) -> bool:
    return code.endswith("equity")


def validate_shock(code: str, shock: Decimal) -> None:
    """A class shock must be a fraction of at least -1 (a class cannot lose more than all)."""
    if not shock.is_finite() or shock < -ONE:
        raise ValueError(f"the shock for {code} must be a fraction of at least -1, got {shock}")


def class_shock(exposure: ClassExposure, scenario: StressScenario) -> Decimal:
    """The class's move as a fraction: its own shock less duration times the rate shock."""
    move = scenario.shocks.get(exposure.code, ZERO)
    if scenario.rate_shock is not None:
        move -= exposure.duration * scenario.rate_shock
    return max(-ONE, move)


def stress_test(exposures: Sequence[ClassExposure], scenario: StressScenario) -> StressResult:
    """Apply one scenario to today's values (see the module notes for the arithmetic)."""
    for code, shock in scenario.shocks.items():
        validate_shock(code, shock)
    total = sum((e.value for e in exposures), ZERO)
    by_class = []
    for exposure in exposures:
        shock = class_shock(exposure, scenario)
        if shock != 0:
            impact = to_cents(exposure.value * shock)
            by_class.append(ClassImpact(exposure.code, exposure.value, shock, impact))
    impact = sum((c.impact for c in by_class), ZERO)
    pct = (impact / total).quantize(PCT_PLACES) if total > 0 else ZERO
    return StressResult(scenario.name, total, impact, pct, tuple(by_class))


def default_scenarios(
    codes: Sequence[str],
    shocks: Mapping[str, Decimal] | None = None,
    rate_shock: Decimal | None = None,
) -> tuple[StressScenario, ...]:
    """Crypto -50%, equities -30%, rates +2 points; then the advisor's, when given.

    The advisor's scenario holds their own class shocks and their rate shock
    together (named "Advisor's scenario").
    """
    scenarios = [
        StressScenario("Crypto -50%", {c: DEFAULT_CRYPTO_SHOCK for c in codes if is_crypto(c)}),
        StressScenario("Equities -30%", {c: DEFAULT_EQUITY_SHOCK for c in codes if is_equity(c)}),
        StressScenario("Rates +2 points", rate_shock=DEFAULT_RATE_SHOCK),
    ]
    if shocks or rate_shock is not None:
        scenarios.append(StressScenario("Advisor's scenario", dict(shocks or {}), rate_shock))
    return tuple(scenarios)


def stress_tests(
    exposures: Sequence[ClassExposure],
    shocks: Mapping[str, Decimal] | None = None,
    rate_shock: Decimal | None = None,
) -> tuple[StressResult, ...]:
    """The default scenarios and the advisor's own on the household's classes."""
    codes = [e.code for e in exposures]
    return tuple(stress_test(exposures, s) for s in default_scenarios(codes, shocks, rate_shock))
