"""The demo's cast and life stages: names, tax brackets, allocations, account structures.

Tax brackets are combined marginal rates (federal + state, plus the 3.8% NIIT
on investment income where the household is above the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TaxBracket:
    label: str
    t_ord: Decimal
    t_ltcg: Decimal
    t_ret: Decimal


def _bracket(label: str, t_ord: str, t_ltcg: str, t_ret: str) -> TaxBracket:
    return TaxBracket(label, Decimal(t_ord), Decimal(t_ltcg), Decimal(t_ret))


TAX_BRACKETS: dict[str, TaxBracket] = {
    # 12% federal + 5% state; long-term gains in the 0% federal band + 5% state
    "retired_modest": _bracket("12% federal, 5% state", "0.17", "0.05", "0.17"),
    # 22% + 5%; 15% + 5%; expects 22% in retirement
    "middle": _bracket("22% federal, 5% state", "0.27", "0.20", "0.22"),
    # Texas or Florida: 32% federal; 15% + 3.8% NIIT
    "upper_no_state": _bracket("32% federal, no state tax", "0.32", "0.188", "0.24"),
    # 32% + 5%; 15% + 3.8% + 5%
    "upper": _bracket("32% federal, 5% state", "0.37", "0.238", "0.27"),
    # 37% + 5%; 20% + 3.8% + 5%
    "top": _bracket("37% federal, 5% state", "0.42", "0.288", "0.32"),
    # California: 37% + 13.3%; 20% + 3.8% + 13.3%
    "top_high_state": _bracket("37% federal, California", "0.503", "0.371", "0.40"),
}

# Household class weights before the crypto sleeve is split; each sums to 1.
ALLOCATIONS: dict[str, dict[str, float]] = {
    "conservative": {
        "us_equity": 0.24,
        "intl_equity": 0.10,
        "us_bonds": 0.42,
        "real_estate": 0.04,
        "commodities": 0.02,
        "cash": 0.16,
        "crypto": 0.02,
    },
    "moderate": {
        "us_equity": 0.38,
        "intl_equity": 0.17,
        "us_bonds": 0.28,
        "real_estate": 0.05,
        "commodities": 0.03,
        "cash": 0.04,
        "crypto": 0.05,
    },
    "aggressive": {
        "us_equity": 0.48,
        "intl_equity": 0.22,
        "us_bonds": 0.12,
        "real_estate": 0.05,
        "commodities": 0.03,
        "cash": 0.02,
        "crypto": 0.08,
    },
}


@dataclass(frozen=True)
class LifeStage:
    """A kind of household: who is in it, what it owns and how it is taxed."""

    name: str
    note: str
    couple: bool
    working: bool  # payroll contributions and new deposits
    born: tuple[int, int]  # birth years of the first person, inclusive
    wealth: tuple[float, float]  # household value range, dollars (log-uniform)
    accounts: tuple[tuple[str, int | None, float], ...]  # type, owner (None: joint), share
    allocations: tuple[str, ...]
    tax_brackets: tuple[str, ...]  # from the poorer to the richer end of the range
    filing_statuses: tuple[str, ...]
    crypto_adoption: float  # probability the household holds a crypto sleeve


# The first stage holds all six account types, so even a one-household firm has them all.
STAGES: tuple[LifeStage, ...] = (
    LifeStage(
        "dual_income_family",
        "Two earners saving for retirement and college.",
        couple=True,
        working=True,
        born=(1972, 1985),
        wealth=(400_000, 2_500_000),
        accounts=(
            ("taxable", None, 0.30),
            ("traditional_401k", 0, 0.30),
            ("roth_401k", 0, 0.08),
            ("traditional_ira", 1, 0.15),
            ("roth_ira", 1, 0.10),
            ("hsa", 0, 0.07),
        ),
        allocations=("moderate", "aggressive"),
        tax_brackets=("middle", "upper", "top_high_state"),
        filing_statuses=("married_joint",),
        crypto_adoption=0.6,
    ),
    LifeStage(
        "retired_couple",
        "Retired; living on IRA distributions and the brokerage account.",
        couple=True,
        working=False,
        born=(1950, 1956),
        wealth=(1_000_000, 5_000_000),
        accounts=(
            ("taxable", None, 0.35),
            ("traditional_ira", 0, 0.33),
            ("traditional_ira", 1, 0.20),
            ("roth_ira", 0, 0.12),
        ),
        allocations=("conservative", "moderate"),
        tax_brackets=("retired_modest", "middle", "upper"),
        filing_statuses=("married_joint",),
        crypto_adoption=0.25,
    ),
    LifeStage(
        "single_professional",
        "Single professional maxing out the 401(k) and HSA.",
        couple=False,
        working=True,
        born=(1978, 1990),
        wealth=(300_000, 1_500_000),
        accounts=(
            ("taxable", 0, 0.35),
            ("traditional_401k", 0, 0.40),
            ("roth_ira", 0, 0.15),
            ("hsa", 0, 0.10),
        ),
        allocations=("moderate", "aggressive"),
        tax_brackets=("middle", "upper_no_state", "top"),
        filing_statuses=("single", "single", "head_of_household"),
        crypto_adoption=0.7,
    ),
    LifeStage(
        "pre_retiree_couple",
        "Planning retirement within five years.",
        couple=True,
        working=True,
        born=(1959, 1966),
        wealth=(800_000, 4_000_000),
        accounts=(
            ("taxable", None, 0.30),
            ("traditional_401k", 0, 0.35),
            ("traditional_ira", 1, 0.15),
            ("roth_ira", 0, 0.10),
            ("roth_ira", 1, 0.10),
        ),
        allocations=("moderate",),
        tax_brackets=("middle", "upper", "top"),
        filing_statuses=("married_joint",),
        crypto_adoption=0.4,
    ),
    LifeStage(
        "young_saver",
        "Early career; Roth savings first.",
        couple=False,
        working=True,
        born=(1988, 1995),
        wealth=(150_000, 600_000),
        accounts=(
            ("roth_ira", 0, 0.35),
            ("roth_401k", 0, 0.40),
            ("taxable", 0, 0.25),
        ),
        allocations=("aggressive",),
        tax_brackets=("middle", "middle", "upper_no_state"),
        filing_statuses=("single",),
        crypto_adoption=0.85,
    ),
    LifeStage(
        "retired_single",
        "Retired and widowed; income from the IRA.",
        couple=False,
        working=False,
        born=(1950, 1955),
        wealth=(150_000, 1_500_000),
        accounts=(
            ("taxable", 0, 0.40),
            ("traditional_ira", 0, 0.45),
            ("roth_ira", 0, 0.15),
        ),
        allocations=("conservative",),
        tax_brackets=("retired_modest", "retired_modest", "middle"),
        filing_statuses=("single",),
        crypto_adoption=0.1,
    ),
    LifeStage(
        "business_owner_couple",
        "Business owners with a large brokerage account.",
        couple=True,
        working=True,
        born=(1965, 1975),
        wealth=(1_500_000, 5_000_000),
        accounts=(
            ("taxable", None, 0.45),
            ("traditional_401k", 0, 0.25),
            ("traditional_ira", 1, 0.10),
            ("roth_ira", 0, 0.08),
            ("roth_ira", 1, 0.07),
            ("hsa", 0, 0.05),
        ),
        allocations=("moderate", "aggressive"),
        tax_brackets=("upper", "top", "top_high_state"),
        filing_statuses=("married_joint",),
        crypto_adoption=0.5,
    ),
)

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "f": (
        "Maria", "Priya", "Emily", "Grace", "Sofia", "Hannah", "Aisha", "Mei", "Olivia",
        "Claire", "Rachel", "Naomi", "Elena", "Yuki", "Fatima", "Laura", "Isabel", "Nora",
        "Diane", "Ruth", "Carmen", "Ingrid", "Leah", "Amara", "Julia", "Sarah", "Anita",
    ),
    "m": (
        "David", "James", "Michael", "Daniel", "Arjun", "Carlos", "Thomas", "Wei", "Samuel",
        "Robert", "Omar", "Lucas", "Henry", "Kenji", "Andre", "Peter", "Miguel", "Noah",
        "Richard", "Walter", "Ethan", "Hassan", "Paul", "Victor", "Gabriel", "John", "Raj",
    ),
}  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Alvarez", "Bennett", "Chen", "Delgado", "Eriksen", "Fitzgerald", "Goldberg", "Hashemi",
    "Ibrahim", "Jensen", "Kowalski", "Lindqvist", "Mensah", "Nakamura", "O'Connor", "Patel",
    "Quinn", "Rossi", "Sato", "Thompson", "Underwood", "Varga", "Whitaker", "Xu",
    "Yamamoto", "Zimmerman", "Abernathy", "Brooks", "Castillo", "Dubois", "Easton", "Farouk",
    "Greene", "Halvorsen", "Iyer", "Jablonski", "Kim", "Lombardi", "Moreno", "Novak",
    "Okafor", "Park", "Ramirez", "Sullivan", "Tanaka", "Vasquez", "Walsh", "Young",
    "Zhang", "Adeyemi", "Bauer", "Cohen", "Duarte", "Feldman", "Gupta", "Hoffman",
)  # fmt: skip

EMPLOYERS: tuple[str, ...] = (
    "Northwind Health", "Cascade Logistics", "Brightline Software", "Keystone Manufacturing",
    "Mercy Regional", "Bluewater Energy", "Summit Engineering", "Lakeside Schools",
    "Redwood Biotech", "Harborview Bank",
)  # fmt: skip

FOUR_OH_ONE_K_PROVIDERS: tuple[str, ...] = ("Fidelity", "Empower", "Vanguard", "Principal")
HSA_PROVIDERS: tuple[str, ...] = ("Fidelity", "HealthEquity", "Lively")
