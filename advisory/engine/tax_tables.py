"""The yearly tax figures the product needs, in one place.

Sources: IRS Notice 2024-80 and Rev. Proc. 2024-25 (2025), Notice 2025-67 and
Rev. Proc. 2025-19 (2026) for contribution limits; Rev. Proc. 2024-40 (2025)
and Rev. Proc. 2025-32 (2026) for the long-term capital gains thresholds;
IRC 1411 for the NIIT (thresholds fixed by statute, not indexed); Treas. Reg.
1.401(a)(9)-9(c) (TD 9930, 2022 onward) for the Uniform Lifetime Table;
SECURE 2.0 Act section 107 for the RMD start ages.

Adding a year: add a ``TaxYearFigures`` to ``TAX_YEARS``. Asking for a year
that is not there is a ``ValueError`` naming it, never a silent reuse of
another year's figures.

Filing status codes: ``single``, ``married_joint``, ``head_of_household``,
``married_separate``; ``qualifying_surviving_spouse`` uses the joint figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from advisory.engine.money import ZERO


@dataclass(frozen=True)
class ContributionLimits:
    """Per-person annual limits in dollars."""

    deferral_401k: Decimal  # employee elective deferral, traditional and Roth 401(k) combined
    catch_up_401k: Decimal  # age 50 or over by 31 December
    catch_up_401k_60_63: Decimal  # ages 60-63 by 31 December (replaces the 50+ catch-up)
    ira: Decimal  # traditional and Roth IRA combined
    ira_catch_up: Decimal  # age 50 or over
    hsa_self: Decimal
    hsa_family: Decimal
    hsa_catch_up: Decimal  # age 55 or over


@dataclass(frozen=True)
class LtcgThresholds:
    """Taxable income where the 0% long-term rate ends and the 20% rate begins."""

    zero_rate_up_to: Decimal
    twenty_rate_above: Decimal


@dataclass(frozen=True)
class TaxYearFigures:
    year: int
    contributions: ContributionLimits
    ltcg: Mapping[str, LtcgThresholds]  # by filing status


def _ltcg(zero_up_to: str, twenty_above: str) -> LtcgThresholds:
    return LtcgThresholds(Decimal(zero_up_to), Decimal(twenty_above))


TAX_YEARS: Mapping[int, TaxYearFigures] = {
    2025: TaxYearFigures(
        year=2025,
        contributions=ContributionLimits(
            deferral_401k=Decimal("23500"),
            catch_up_401k=Decimal("7500"),
            catch_up_401k_60_63=Decimal("11250"),
            ira=Decimal("7000"),
            ira_catch_up=Decimal("1000"),
            hsa_self=Decimal("4300"),
            hsa_family=Decimal("8550"),
            hsa_catch_up=Decimal("1000"),
        ),
        ltcg={
            "single": _ltcg("48350", "533400"),
            "married_joint": _ltcg("96700", "600050"),
            "head_of_household": _ltcg("64750", "566700"),
            "married_separate": _ltcg("48350", "300000"),
        },
    ),
    2026: TaxYearFigures(
        year=2026,
        contributions=ContributionLimits(
            deferral_401k=Decimal("24500"),
            catch_up_401k=Decimal("8000"),
            catch_up_401k_60_63=Decimal("11250"),
            ira=Decimal("7500"),
            ira_catch_up=Decimal("1100"),
            hsa_self=Decimal("4400"),
            hsa_family=Decimal("8750"),
            hsa_catch_up=Decimal("1000"),
        ),
        ltcg={
            "single": _ltcg("49450", "545500"),
            "married_joint": _ltcg("98900", "613700"),
            "head_of_household": _ltcg("66200", "579600"),
            "married_separate": _ltcg("49450", "306850"),
        },
    ),
}

# Filing statuses that use another status's figures.
FILING_STATUS_ALIASES: Mapping[str, str] = {"qualifying_surviving_spouse": "married_joint"}

LTCG_RATES = (Decimal("0"), Decimal("0.15"), Decimal("0.20"))

NIIT_RATE = Decimal("0.038")
NIIT_THRESHOLDS: Mapping[str, Decimal] = {  # modified AGI, fixed by statute
    "single": Decimal("200000"),
    "head_of_household": Decimal("200000"),
    "married_joint": Decimal("250000"),
    "married_separate": Decimal("125000"),
}

# Uniform Lifetime Table (2022 onward): age reached in the year -> divisor.
# The last entry is "120 and over".
UNIFORM_LIFETIME_TABLE: Mapping[int, Decimal] = {
    age: Decimal(divisor)
    for age, divisor in {
        72: "27.4", 73: "26.5", 74: "25.5", 75: "24.6", 76: "23.7", 77: "22.9",
        78: "22.0", 79: "21.1", 80: "20.2", 81: "19.4", 82: "18.5", 83: "17.7",
        84: "16.8", 85: "16.0", 86: "15.2", 87: "14.4", 88: "13.7", 89: "12.9",
        90: "12.2", 91: "11.5", 92: "10.8", 93: "10.1", 94: "9.5", 95: "8.9",
        96: "8.4", 97: "7.8", 98: "7.3", 99: "6.8", 100: "6.4", 101: "6.0",
        102: "5.6", 103: "5.2", 104: "4.9", 105: "4.6", 106: "4.3", 107: "4.1",
        108: "3.9", 109: "3.7", 110: "3.5", 111: "3.4", 112: "3.3", 113: "3.1",
        114: "3.0", 115: "2.9", 116: "2.8", 117: "2.7", 118: "2.5", 119: "2.3",
        120: "2.0",
    }.items()
}  # fmt: skip
UNIFORM_TABLE_FIRST_YEAR = 2022

# RMD start age by birth year (SECURE 2.0): (first birth year, start age),
# latest first. Those born before 1951 started at 72 (or 70 1/2 if born before
# July 1949); in any year this product handles they are past it either way.
RMD_START_AGES: tuple[tuple[int, int], ...] = ((1960, 75), (1951, 73))
RMD_START_AGE_BEFORE_1951 = 72

ACCOUNT_TYPES_401K = frozenset({"traditional_401k", "roth_401k"})
ACCOUNT_TYPES_IRA = frozenset({"traditional_ira", "roth_ira"})
HSA_COVERAGES = frozenset({"self", "family"})


def tax_year(year: int) -> TaxYearFigures:
    """The figures for ``year``; ``ValueError`` naming the year when it is not in the table."""
    try:
        return TAX_YEARS[year]
    except KeyError:
        known = ", ".join(str(y) for y in sorted(TAX_YEARS))
        raise ValueError(f"no tax figures for {year}; the table covers {known}") from None


def _filing_status(filing_status: str) -> str:
    status = FILING_STATUS_ALIASES.get(filing_status, filing_status)
    if status not in NIIT_THRESHOLDS:
        raise ValueError(f"unknown filing status {filing_status!r}")
    return status


# Account types that share one limit: both 401(k)s share the deferral, both IRAs the IRA limit.
LIMIT_GROUPS: Mapping[str, str] = {
    "traditional_401k": "401k",
    "roth_401k": "401k",
    "traditional_ira": "ira",
    "roth_ira": "ira",
    "hsa": "hsa",
}
LIMIT_GROUP_LABELS: Mapping[str, str] = {"401k": "401(k)", "ira": "IRA", "hsa": "HSA"}
_GROUP_ACCOUNT_TYPE = {"401k": "traditional_401k", "ira": "traditional_ira", "hsa": "hsa"}


@dataclass(frozen=True)
class ContributionLimit:
    """A person's limit for one group (``401k``, ``ira``, ``hsa``) and year, in dollars."""

    group: str
    year: int
    base: Decimal  # the limit before catch-ups
    catch_up: Decimal  # the catch-up the person's age allows (0 when none)

    @property
    def total(self) -> Decimal:
        return self.base + self.catch_up


@dataclass(frozen=True)
class ContributionRoom:
    """What a person may still contribute to one group in a year (dollars, >= 0)."""

    limit: ContributionLimit
    contributed: Decimal  # the year's contributions so far (deposits), >= 0
    remaining: Decimal  # limit.total - contributed, never below 0
    over: Decimal  # contributed beyond the limit (an excess contribution), >= 0


def contribution_limit_parts(
    group: str, year: int, age: int, hsa_coverage: str = "self"
) -> ContributionLimit:
    """The base limit and the age's catch-up for a limit group (see ``contribution_limit``)."""
    account_type = _GROUP_ACCOUNT_TYPE.get(group)
    if account_type is None:
        raise ValueError(f"unknown limit group {group!r}; expected 401k, ira or hsa")
    total = contribution_limit(account_type, year, age, hsa_coverage)
    base = contribution_limit(account_type, year, 0, hsa_coverage)
    if total is None or base is None:  # only taxable accounts have no limit
        raise ValueError(f"no limit for {group}")
    return ContributionLimit(group=group, year=year, base=base, catch_up=total - base)


def contribution_room(
    group: str, year: int, age: int, contributed: Decimal, hsa_coverage: str = "self"
) -> ContributionRoom:
    """Room left for ``year`` after ``contributed`` dollars (the year's deposits).

    ``age`` is the age reached by 31 December of ``year``. An over-contribution
    shows as ``over`` with no room left (the advisor has it corrected).
    """
    if contributed < 0:
        raise ValueError(f"contributions must not be negative, got {contributed}")
    limit = contribution_limit_parts(group, year, age, hsa_coverage)
    return ContributionRoom(
        limit=limit,
        contributed=contributed,
        remaining=max(ZERO, limit.total - contributed),
        over=max(ZERO, contributed - limit.total),
    )


def contribution_limit(
    account_type: str, year: int, age: int, hsa_coverage: str = "self"
) -> Decimal | None:
    """A person's annual contribution limit in dollars, catch-ups included.

    ``age`` is the age the person reaches by 31 December of ``year`` (the IRS
    test for catch-ups). 401(k): deferral, plus the 60-63 catch-up at ages
    60-63, else the 50+ catch-up from 50. IRA: limit plus catch-up from 50.
    HSA: self-only or family limit plus catch-up from 55. The 401(k) figure is
    shared by traditional and Roth 401(k), the IRA figure by traditional and
    Roth IRA. ``None`` for a taxable account (no limit). Out of scope: employer
    contributions and the 415(c) total, Roth IRA income phase-outs, the
    Roth-only catch-up for high earners, HSA eligibility ending with Medicare.
    """
    if age < 0:
        raise ValueError(f"age must not be negative, got {age}")
    if account_type == "taxable":
        return None
    limits = tax_year(year).contributions
    if account_type in ACCOUNT_TYPES_401K:
        if 60 <= age <= 63:
            return limits.deferral_401k + limits.catch_up_401k_60_63
        return limits.deferral_401k + (limits.catch_up_401k if age >= 50 else ZERO)
    if account_type in ACCOUNT_TYPES_IRA:
        return limits.ira + (limits.ira_catch_up if age >= 50 else ZERO)
    if account_type == "hsa":
        if hsa_coverage not in HSA_COVERAGES:
            raise ValueError(f"unknown HSA coverage {hsa_coverage!r}; expected self or family")
        base = limits.hsa_family if hsa_coverage == "family" else limits.hsa_self
        return base + (limits.hsa_catch_up if age >= 55 else ZERO)
    raise ValueError(f"unknown account type {account_type!r}")


def ltcg_rate_bracket(filing_status: str, year: int, taxable_income: Decimal) -> Decimal:
    """Federal long-term gain rate (0, 0.15 or 0.20) at ``taxable_income`` dollars.

    The rate on the last dollar of gain when gains stack on top of ordinary
    income to reach ``taxable_income``: 0% up to and including the first
    threshold, 20% strictly above the second, 15% between. NIIT not included.
    """
    thresholds = tax_year(year).ltcg[_filing_status(filing_status)]
    if taxable_income <= thresholds.zero_rate_up_to:
        return LTCG_RATES[0]
    if taxable_income > thresholds.twenty_rate_above:
        return LTCG_RATES[2]
    return LTCG_RATES[1]


def niit_threshold(filing_status: str) -> Decimal:
    """Modified AGI above which the 3.8% net investment income tax applies."""
    return NIIT_THRESHOLDS[_filing_status(filing_status)]


def uniform_lifetime_divisor(age: int) -> Decimal:
    """Uniform Lifetime Table divisor for the age reached in the distribution year.

    Ages 72 to 119 as tabled, 120 and over share the last divisor (2.0);
    below 72 there is no RMD and this is a ``ValueError``.
    """
    if age < min(UNIFORM_LIFETIME_TABLE):
        raise ValueError(f"the Uniform Lifetime Table starts at 72, not {age}")
    return UNIFORM_LIFETIME_TABLE[min(age, max(UNIFORM_LIFETIME_TABLE))]
