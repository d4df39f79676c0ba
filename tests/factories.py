"""factory_boy factories for the book of record and its users."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import factory

from advisory.engine.drift import class_name
from advisory.models import Firm, Membership, Role, User
from policies.models import InvestmentPolicy, PolicyStatus, PolicyTarget
from policies.proposals.models import Proposal, ProposalKind, ProposalStatus
from portfolios.models import (
    Account,
    AccountType,
    AssetClass,
    ClientLink,
    Household,
    Lot,
    Person,
    PricePoint,
    Security,
    Transaction,
    TransactionKind,
)

PASSWORD = "correct-horse-battery-staple"


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Firm {n}")
    # The hand-checked proposal cases were worked out without a minimum trade; a new firm's
    # default ($100, advisory.models.DEFAULT_MIN_TRADE) is tested in tests/test_firm_settings.py.
    default_min_trade = Decimal("0")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    firm = factory.SubFactory(FirmFactory)
    role = Role.ADVISOR


def member(firm: Firm, role: str, **user_fields: Any) -> User:
    """A user with a membership of ``role`` in ``firm``."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, firm=firm, role=role)
    return user


class AssetClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetClass
        django_get_or_create = ("firm", "code")

    firm = factory.SubFactory(FirmFactory)
    code = factory.Sequence(lambda n: f"class_{n}")
    name = factory.LazyAttribute(lambda o: class_name(o.code))
    expected_return = Decimal("0.06")
    volatility = Decimal("0.15")
    income_yield = Decimal("0.02")
    qualified_ratio = Decimal("0.9")
    turnover = Decimal("0.05")
    tax_exempt = False


class SecurityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Security

    firm = factory.SubFactory(FirmFactory)
    symbol = factory.Sequence(lambda n: f"SEC{n}")
    name = factory.LazyAttribute(lambda o: f"{o.symbol} Fund")
    asset_class = factory.SubFactory(AssetClassFactory, firm=factory.SelfAttribute("..firm"))
    substitute_group = factory.LazyAttribute(lambda o: o.symbol.lower())
    price = Decimal("100.000000")
    price_date = date(2026, 11, 25)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"Household {n}")
    t_ord = Decimal("0.35")
    t_ltcg = Decimal("0.15")
    t_ret = Decimal("0.25")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = date(1970, 5, 17)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"Account {n}")
    account_type = AccountType.TAXABLE
    # Every kind but taxable has one owner of the household: its first person, else a new one.
    owner = factory.LazyAttribute(
        lambda o: (
            None
            if o.account_type == AccountType.TAXABLE
            else (o.household.people.order_by("id").first() or PersonFactory(household=o.household))
        )
    )
    custodian = "Schwab"
    number_last4 = "1234"
    cash = Decimal("1000.00")
    cash_reserve = Decimal("0.00")


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    account = factory.SubFactory(AccountFactory)
    security = factory.SubFactory(
        SecurityFactory, firm=factory.SelfAttribute("..account.household.firm")
    )
    quantity = Decimal("10.000000")
    cost_basis = Decimal("800.00")
    acquired_on = date(2022, 3, 1)


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transaction

    account = factory.SubFactory(AccountFactory)
    security = None
    kind = TransactionKind.DEPOSIT
    trade_date = date(2026, 11, 1)
    quantity = Decimal("0")
    amount = Decimal("500.00")


class PricePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricePoint

    security = factory.SubFactory(SecurityFactory)
    date = date(2026, 11, 25)
    close = Decimal("100.000000")


class ClientLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientLink

    user = factory.SubFactory(UserFactory)
    household = factory.SubFactory(HouseholdFactory)


def csv_bytes(rows: Iterable[Sequence[object]], *, bom: bool = False) -> bytes:
    """A CSV file as a spreadsheet saves it (CRLF lines; a BOM like Excel's "CSV UTF-8")."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([[str(c) for c in row] for row in rows])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


class InvestmentPolicyFactory(factory.django.DjangoModelFactory):
    """A draft IPS version (no targets: add PolicyTargetFactory rows, or use
    tests.policies.conftest.make_policy, which goes through the services)."""

    class Meta:
        model = InvestmentPolicy

    household = factory.SubFactory(HouseholdFactory)
    version = factory.Sequence(lambda n: n + 1)
    status = PolicyStatus.DRAFT
    rationale = "Targets agreed at the annual review."
    abs_band = Decimal("0.05")
    rel_band = Decimal("0.25")


class PolicyTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyTarget

    policy = factory.SubFactory(InvestmentPolicyFactory)
    asset_class = factory.SubFactory(
        AssetClassFactory, firm=factory.SelfAttribute("..policy.household.firm")
    )
    weight = Decimal("1.000000")


class ProposalFactory(factory.django.DjangoModelFactory):
    """A stored draft proposal with no trades (for lists, queues and access checks;
    computed proposals come from the services)."""

    class Meta:
        model = Proposal

    household = factory.SubFactory(HouseholdFactory)
    policy = factory.SubFactory(
        InvestmentPolicyFactory,
        household=factory.SelfAttribute("..household"),
    )
    kind = ProposalKind.REBALANCE
    status = ProposalStatus.DRAFT
    as_of = date(2026, 11, 26)
