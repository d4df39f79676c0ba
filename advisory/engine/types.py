"""Engine input types shared by every calculation.

Selectors in the Django apps build these from rows; the engine never sees a
model. Money is ``Decimal`` (2 places), quantities and prices ``Decimal``
(6 places), rates and weights ``Decimal`` fractions (0.35, not 35).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class TaxTreatment(StrEnum):
    TAXABLE = "TAXABLE"
    TRADITIONAL = "TRADITIONAL"
    ROTH = "ROTH"
    HSA = "HSA"


ACCOUNT_TAX_TREATMENT: Mapping[str, TaxTreatment] = {
    "taxable": TaxTreatment.TAXABLE,
    "traditional_ira": TaxTreatment.TRADITIONAL,
    "traditional_401k": TaxTreatment.TRADITIONAL,
    "roth_ira": TaxTreatment.ROTH,
    "roth_401k": TaxTreatment.ROTH,
    "hsa": TaxTreatment.HSA,
}

# Account types whose owner takes required minimum distributions.
RMD_ACCOUNT_TYPES = frozenset({"traditional_ira", "traditional_401k"})

CASH_CLASS = "cash"


@dataclass(frozen=True)
class AssetClassAssumptions:
    """Capital-market assumptions for one asset class (annual fractions)."""

    code: str
    expected_return: Decimal  # mu
    volatility: Decimal  # sigma
    income_yield: Decimal  # y, the part of mu paid out each year
    qualified_ratio: Decimal  # q, share of income taxed as qualified dividends
    turnover: Decimal  # rho, share of the price gain realised each year (long-term)
    tax_exempt: bool = False  # municipal bonds: income not federally taxed


@dataclass(frozen=True)
class SecurityInfo:
    id: int
    symbol: str
    asset_class: str  # asset class code
    substitute_group: str  # "substantially identical" group for wash sales
    price: Decimal


@dataclass(frozen=True)
class AccountInfo:
    id: int
    name: str
    account_type: str  # one of ACCOUNT_TAX_TREATMENT's keys
    cash: Decimal
    cash_reserve: Decimal = Decimal("0")
    allowed_classes: frozenset[str] = frozenset()  # empty = every class allowed
    owner_birth_date: date | None = None

    @property
    def tax_treatment(self) -> TaxTreatment:
        return ACCOUNT_TAX_TREATMENT[self.account_type]

    def allows(self, asset_class: str) -> bool:
        return not self.allowed_classes or asset_class in self.allowed_classes


@dataclass(frozen=True)
class LotInfo:
    id: int
    account_id: int
    security_id: int
    quantity: Decimal
    cost_basis: Decimal  # total, not per share
    acquired_on: date


@dataclass(frozen=True)
class TransactionInfo:
    """A recent transaction (the wash-sale look-back needs the last 30 days)."""

    account_id: int
    security_id: int | None
    kind: str  # buy, sell, deposit, withdrawal, dividend, reinvest, fee
    trade_date: date
    quantity: Decimal = Decimal("0")
    amount: Decimal = Decimal("0")
    realized_gain: Decimal | None = None  # sells: signed


@dataclass(frozen=True)
class TaxProfile:
    """The household's rates and what it has realised this year."""

    filing_status: str = "married_joint"
    t_ord: Decimal = Decimal("0")
    t_ltcg: Decimal = Decimal("0")
    t_ret: Decimal = Decimal("0")
    realized_st_ytd: Decimal = Decimal("0")
    realized_lt_ytd: Decimal = Decimal("0")
    carryforward_st: Decimal = Decimal("0")  # positive amount of loss
    carryforward_lt: Decimal = Decimal("0")  # positive amount of loss


@dataclass(frozen=True)
class HouseholdSnapshot:
    """Everything the engine needs to know about one household on ``as_of``."""

    household_id: int
    as_of: date
    accounts: tuple[AccountInfo, ...]
    securities: Mapping[int, SecurityInfo]
    lots: tuple[LotInfo, ...]
    asset_classes: Mapping[str, AssetClassAssumptions] = field(default_factory=dict)
    recent_transactions: tuple[TransactionInfo, ...] = ()
    tax: TaxProfile = field(default_factory=TaxProfile)

    def lot_value(self, lot: LotInfo) -> Decimal:
        return lot.quantity * self.securities[lot.security_id].price

    def account_value(self, account_id: int) -> Decimal:
        """Market value of an account's lots plus its cash."""
        account = next(a for a in self.accounts if a.id == account_id)
        held = sum(
            (self.lot_value(lot) for lot in self.lots if lot.account_id == account_id),
            Decimal("0"),
        )
        return held + account.cash


@dataclass(frozen=True)
class PolicyTargets:
    """The parts of an active Investment Policy Statement the engine uses."""

    targets: Mapping[str, Decimal]  # asset class code -> weight; sums to 1
    abs_band: Decimal | None = Decimal("0.05")
    rel_band: Decimal | None = Decimal("0.25")
    method: str = "threshold"  # threshold | calendar | hybrid
    frequency: str | None = None  # monthly | quarterly | semiannual | annual
    anchor_date: date | None = None
    last_rebalanced_on: date | None = None
    horizon_years: int = 20
