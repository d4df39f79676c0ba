"""The book of record: households, people, accounts, securities, lots, transactions.

Money is ``Decimal`` with 2 places, quantities and prices 6. What must never
happen is a database constraint; cross-table rules (a lot's security belongs to
the account's firm) are enforced by triggers created in migrations.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from advisory.engine.money import ZERO
from advisory.engine.types import ACCOUNT_TAX_TREATMENT, RMD_ACCOUNT_TYPES, TaxTreatment
from advisory.history import tracked
from advisory.models import Firm
from advisory.validators import (
    money_validators,
    price_validators,
    shares_validators,
    validate_past_date,
    validate_plain_text,
)
from portfolios.records import Archivable, LiveManager


# Money, shares and prices carry the sanity maxima of advisory.validators (they reach
# forms, serializers and the OpenAPI schema from here).
def money(**kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    kwargs.setdefault("validators", money_validators(signed=True))
    return models.DecimalField(max_digits=16, decimal_places=2, **kwargs)  # type: ignore[arg-type]


def quantity(**kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    kwargs.setdefault("validators", shares_validators())
    return models.DecimalField(max_digits=22, decimal_places=6, **kwargs)  # type: ignore[arg-type]


def price(**kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    kwargs.setdefault("validators", price_validators())
    return models.DecimalField(max_digits=18, decimal_places=6, **kwargs)  # type: ignore[arg-type]


PLAIN = [validate_plain_text]


def rate(**kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(max_digits=7, decimal_places=6, **kwargs)  # type: ignore[arg-type]


def unit_interval(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 1}),
        name=f"%(app_label)s_%(class)s_{field}_0_1",
    )


class FilingStatus(models.TextChoices):
    SINGLE = "single", "Single"
    MARRIED_JOINT = "married_joint", "Married filing jointly"
    MARRIED_SEPARATE = "married_separate", "Married filing separately"
    HEAD_OF_HOUSEHOLD = "head_of_household", "Head of household"


class AccountType(models.TextChoices):
    TAXABLE = "taxable", "Taxable"
    TRADITIONAL_IRA = "traditional_ira", "Traditional IRA"
    ROTH_IRA = "roth_ira", "Roth IRA"
    TRADITIONAL_401K = "traditional_401k", "Traditional 401(k)"
    ROTH_401K = "roth_401k", "Roth 401(k)"
    HSA = "hsa", "HSA"


class TransactionKind(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    DIVIDEND = "dividend", "Dividend"
    REINVEST = "reinvest", "Dividend reinvestment"
    FEE = "fee", "Fee"


# The sign of a transaction's amount (its effect on cash) follows from its kind.
CASH_IN_KINDS = frozenset({"sell", "deposit", "dividend"})
CASH_OUT_KINDS = frozenset({"buy", "withdrawal", "fee", "reinvest"})


def amount_sign_error(kind: str, amount: Decimal) -> str | None:
    """Why ``amount`` cannot be a ``kind``'s effect on cash, or None when it can."""
    if kind in CASH_IN_KINDS and amount < 0:
        return f"A {kind} adds cash: the amount cannot be negative."
    if kind in CASH_OUT_KINDS and amount > 0:
        return f"A {kind} takes cash: the amount cannot be positive (write it as -{amount})."
    return None


class AssetClass(models.Model):
    """A firm's asset class with its capital-market assumptions (annual fractions)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="asset_classes")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100, validators=PLAIN)
    expected_return = rate(help_text="mu: expected annual total return")
    volatility = rate(help_text="sigma: annual volatility")
    income_yield = rate(help_text="y: the part of mu paid out each year")
    qualified_ratio = rate(help_text="q: share of income taxed as qualified dividends")
    turnover = rate(help_text="rho: share of the price gain realised each year")
    tax_exempt = models.BooleanField(default=False, help_text="Income not federally taxed")
    duration = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        help_text="Years (bonds; else 0): a rate rise of 1 point moves the class by -duration %",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("firm", "sort_order", "code")
        verbose_name_plural = "asset classes"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("firm", "code"), name="asset_class_firm_code_unique"),
            models.CheckConstraint(
                condition=Q(expected_return__gte=-1) & Q(expected_return__lte=1),
                name="asset_class_expected_return_range",
            ),
            unit_interval("volatility"),
            unit_interval("income_yield"),
            unit_interval("qualified_ratio"),
            unit_interval("turnover"),
            models.CheckConstraint(
                condition=Q(duration__gte=0) & Q(duration__lte=100),
                name="asset_class_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Security(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="securities")
    symbol = models.CharField(max_length=20, validators=PLAIN)
    name = models.CharField(max_length=200, validators=PLAIN)
    asset_class = models.ForeignKey(AssetClass, on_delete=models.PROTECT, related_name="securities")
    substitute_group = models.CharField(
        max_length=60, help_text="Securities in one group are substantially identical."
    )
    price = price(default=ZERO)
    price_date = models.DateField(null=True, blank=True, validators=[validate_past_date])

    class Meta:
        ordering = ("firm", "symbol")
        verbose_name_plural = "securities"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("firm", "symbol"), name="security_firm_symbol_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="security_price_non_negative"),
        ]

    def __str__(self) -> str:
        return self.symbol


class PricePoint(models.Model):
    """A daily closing price."""

    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="prices")
    date = models.DateField(validators=[validate_past_date])
    close = price()

    class Meta:
        ordering = ("security", "date")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("security", "date"), name="price_security_date_unique"),
            models.CheckConstraint(condition=Q(close__gte=0), name="price_close_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.security_id} {self.date} {self.close}"


@tracked("firm")
class Household(Archivable):
    objects = LiveManager()
    all_objects = models.Manager()

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(max_length=200, validators=PLAIN)
    primary_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_households",
    )
    team_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="team_households"
    )
    filing_status = models.CharField(
        max_length=20, choices=FilingStatus.choices, default=FilingStatus.MARRIED_JOINT
    )
    t_ord = rate(default=ZERO, help_text="Marginal rate on ordinary income, federal + state")
    t_ltcg = rate(default=ZERO, help_text="Rate on long-term gains and qualified dividends")
    t_ret = rate(default=ZERO, help_text="Expected rate when traditional accounts are withdrawn")
    realized_st_ytd = money(default=ZERO)
    realized_lt_ytd = money(default=ZERO)
    carryforward_st = money(default=ZERO, help_text="Short-term loss carried forward (positive)")
    carryforward_lt = money(default=ZERO, help_text="Long-term loss carried forward (positive)")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")
        constraints: ClassVar = [
            unit_interval("t_ord"),
            unit_interval("t_ltcg"),
            unit_interval("t_ret"),
            models.CheckConstraint(
                condition=Q(carryforward_st__gte=0) & Q(carryforward_lt__gte=0),
                name="household_carryforward_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(filing_status__in=FilingStatus.values),
                name="household_filing_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClientLink(models.Model):
    """Links a client user to the one household they may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_link"
    )
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="client_links")

    def __str__(self) -> str:
        return f"{self.user} → {self.household}"


@tracked("household__firm")
class Person(Archivable):
    live_through: ClassVar[tuple[str, ...]] = ("household__",)
    objects = LiveManager()
    all_objects = models.Manager()

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="people")
    first_name = models.CharField(max_length=100, validators=PLAIN)
    last_name = models.CharField(max_length=100, validators=PLAIN)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_past_date])

    class Meta:
        ordering = ("household", "last_name", "first_name")
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


@tracked("household__firm")
class Account(Archivable):
    live_through: ClassVar[tuple[str, ...]] = ("household__",)
    objects = LiveManager()
    all_objects = models.Manager()

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="accounts")
    # A person who owns accounts is not deleted (portfolios.ownership); RESTRICT still lets a
    # whole household go, its people and accounts together.
    owner = models.ForeignKey(
        Person, on_delete=models.RESTRICT, null=True, blank=True, related_name="accounts"
    )
    name = models.CharField(max_length=200, validators=PLAIN)
    account_type = models.CharField(max_length=20, choices=AccountType.choices)
    custodian = models.CharField(max_length=100, blank=True, validators=PLAIN)
    number_last4 = models.CharField(
        "account number (last 4)", max_length=4, blank=True, help_text="Only the last 4 digits."
    )
    account_number = models.CharField(
        max_length=34,
        blank=True,
        db_index=True,
        help_text="The custodian's full account number: only the order file and the roles "
        "that release orders see it; everyone else sees the last four digits. Unique within "
        "the firm.",
    )
    cash = money(default=ZERO)
    cash_reserve = money(default=ZERO)
    prior_year_end_value = money(
        null=True,
        blank=True,
        help_text="The custodian's balance on 31 December of the prior year (for the RMD)",
    )
    prior_year_end_date = models.DateField(
        null=True, blank=True, help_text="The 31 December the custodian's balance is for"
    )
    held_away = models.BooleanField(
        default=False,
        help_text="Held at another firm: valued, in the allocation and the wash-sale window, "
        "never traded.",
    )
    allowed_asset_classes = models.ManyToManyField(
        AssetClass, blank=True, related_name="+", help_text="A 401(k) menu; empty means all."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("household", "name", "id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(cash__gte=0), name="account_cash_non_negative"),
            models.CheckConstraint(
                condition=Q(cash_reserve__gte=0), name="account_cash_reserve_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(prior_year_end_value__isnull=True) | Q(prior_year_end_value__gte=0),
                name="account_prior_year_end_value_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(account_type__in=AccountType.values), name="account_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(number_last4__regex=r"^[0-9]{0,4}$"),
                name="account_number_last4_digits",
            ),
            # Only a taxable account may be joint; every other kind has one owner.
            models.CheckConstraint(
                condition=Q(account_type=AccountType.TAXABLE) | Q(owner__isnull=False),
                name="account_tax_advantaged_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tax_treatment(self) -> TaxTreatment:
        return ACCOUNT_TAX_TREATMENT[self.account_type]

    @property
    def masked_number(self) -> str:
        return f"••••{self.number_last4}" if self.number_last4 else ""

    @property
    def has_rmd(self) -> bool:
        return self.account_type in RMD_ACCOUNT_TYPES


class RestrictionKind(models.TextChoices):
    DO_NOT_TRADE = "do_not_trade", "Do not trade"
    DO_NOT_BUY = "do_not_buy", "Do not buy"


@tracked("household__firm")
class Restriction(models.Model):
    """A standing restriction on the record, applied by every proposal of the household.

    It names a security (household-wide: not traded at all, or not bought) or an
    account (not traded); an account's ``do_not_buy`` and a security restricted in
    one account only are not kinds the engine keeps, so they are refused.
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="restrictions")
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="restrictions"
    )
    security = models.ForeignKey(
        Security, on_delete=models.CASCADE, null=True, blank=True, related_name="restrictions"
    )
    kind = models.CharField(max_length=20, choices=RestrictionKind.choices)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("household", "kind", "id")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(kind__in=RestrictionKind.values), name="restriction_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(account__isnull=True) & Q(security__isnull=False))
                | (Q(account__isnull=False) & Q(security__isnull=True) & Q(kind="do_not_trade")),
                name="restriction_names_a_security_or_an_account",
            ),
        ]

    def __str__(self) -> str:
        target = self.security.symbol if self.security is not None else str(self.account)
        return f"{self.get_kind_display()} {target}"


@tracked("account__household__firm")
class Lot(Archivable):
    """A tax lot: quantity of one security bought on one day for a total cost."""

    live_through: ClassVar[tuple[str, ...]] = ("account__", "account__household__")
    objects = LiveManager()
    all_objects = models.Manager()

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="lots")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="lots")
    quantity = quantity()
    cost_basis = money(help_text="Total cost basis of the lot")
    acquired_on = models.DateField(validators=[validate_past_date])
    wash_adjustment = money(
        default=ZERO, help_text="Disallowed wash-sale loss added to the basis (in cost_basis)"
    )
    holding_from = models.DateField(
        null=True, blank=True, help_text="Holding period start carried over by a wash sale"
    )
    replacing_quantity = models.DecimalField(
        max_digits=22,
        decimal_places=6,
        default=ZERO,
        help_text="Shares already matched as a wash-sale replacement",
    )

    class Meta:
        ordering = ("account", "security", "acquired_on", "id")
        indexes: ClassVar = [models.Index(fields=("security", "acquired_on"))]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="lot_quantity_positive"),
            models.CheckConstraint(
                condition=Q(cost_basis__gte=0), name="lot_cost_basis_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.security_id} @ {self.acquired_on}"

    @property
    def holding_start(self) -> date:
        """When the holding period starts: a wash sale's carried-over date, else acquisition."""
        return self.holding_from or self.acquired_on


@tracked("account__household__firm")
class Transaction(Archivable):
    """A record of what happened in an account.

    ``amount`` is the signed effect on the account's cash: buys, withdrawals and
    fees are negative; sells, deposits and dividends positive; a reinvestment
    is the negative cost of the shares bought with a dividend.
    """

    live_through: ClassVar[tuple[str, ...]] = ("account__", "account__household__")
    objects = LiveManager()
    all_objects = models.Manager()

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transactions")
    security = models.ForeignKey(
        Security, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    trade_date = models.DateField(validators=[validate_past_date])
    quantity = quantity(default=ZERO)
    amount = money(default=ZERO)
    realized_gain = money(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True, validators=PLAIN)
    cost_basis = money(null=True, blank=True, help_text="A sell: basis of the lots relieved")
    wash_disallowed = money(
        default=ZERO, help_text="A sell: loss disallowed by a wash sale (code W)"
    )
    applied_at = models.DateTimeField(
        null=True, blank=True, help_text="When it moved the book (lots and cash); None: history"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-trade_date", "-id")
        indexes: ClassVar = [models.Index(fields=("account", "trade_date"))]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="transaction_quantity_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values), name="transaction_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["deposit", "withdrawal", "fee", "dividend"])
                | Q(security__isnull=False),
                name="transaction_security_required_for_trades",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.kind} {self.amount}"


class SaleLot(models.Model):
    """One lot's part of a sale: a line of the realised-gains report (Form 8949)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="sale_lots")
    lot = models.ForeignKey(
        Lot, on_delete=models.SET_NULL, null=True, blank=True, related_name="sale_lots"
    )
    quantity = quantity()
    acquired_on = models.DateField(help_text="Holding period start of the shares sold")
    proceeds = money()
    cost_basis = money()
    wash_disallowed = money(default=ZERO, help_text="Loss disallowed by a wash sale (code W)")
    washed_quantity = models.DecimalField(
        max_digits=22, decimal_places=6, default=ZERO, help_text="Shares matched to a replacement"
    )
    term = models.CharField(max_length=5, choices=[("short", "Short"), ("long", "Long")])

    class Meta:
        ordering = ("transaction", "acquired_on", "id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_lot_quantity_positive"),
            models.CheckConstraint(
                condition=Q(wash_disallowed__gte=0), name="sale_lot_wash_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} sold {self.transaction_id}"

    @property
    def adjustment_code(self) -> str:
        return "W" if self.wash_disallowed else ""

    @property
    def gain(self) -> Decimal:
        """Reported gain: proceeds less basis, plus the disallowed loss."""
        return self.proceeds - self.cost_basis + self.wash_disallowed


class NotificationPreference(models.Model):
    """Which emails a client wants from the portal. No row means both (the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_new_documents = models.BooleanField(
        default=True, help_text="Email me when a new document is in my portal."
    )
    email_awaiting = models.BooleanField(
        default=True, help_text="Email me when something waits for my acknowledgement."
    )

    def __str__(self) -> str:
        return f"{self.user}: documents {self.email_new_documents}, awaiting {self.email_awaiting}"


from portfolios.imports.models import ImportMapping, ImportRecord  # noqa: E402,F401
