"""Write the demo: two firms with staff, client logins, households and price history.

Idempotent: a firm that already exists (by name) is left exactly as it is,
so a second run, with any as-of date, changes nothing. Everything is written
in one transaction: a failed run leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from advisory.models import Firm, Membership, Role, User
from portfolios.defaults import create_default_asset_classes
from portfolios.demo.households import plan_households
from portfolios.demo.market import DEMO_SECURITIES, MarketHistory, simulate_market
from portfolios.demo.plans import AccountPlan, HouseholdPlan
from portfolios.models import (
    Account,
    AssetClass,
    ClientLink,
    Household,
    Lot,
    Person,
    PricePoint,
    Security,
    Transaction,
)

DEMO_PASSWORD = "demo-advisory-2026"  # noqa: S105 - the published password of the demo logins
# Firm staff must use two-factor sign-in: every demo staff login gets a TOTP authenticator
# with this published secret (add it to an authenticator app, or run
# `manage.py demo_totp` for the current code). Never a secret of a real user.
DEMO_TOTP_SECRET = "ADVISORYDEMQTWQFACTQRSPEXAMPLEZZ"  # noqa: S105
CLIENT_LOGINS_PER_FIRM = 3
BATCH_SIZE = 2_000
COUNTED_MODELS: tuple[type[models.Model], ...] = (
    Firm, User, Membership, ClientLink, AssetClass, Security, PricePoint,
    Household, Person, Account, Lot, Transaction,
)  # fmt: skip
ROLE_ORDER = {Role.ADMIN: 0, Role.ADVISOR: 1, Role.OPERATIONS: 2, Role.CLIENT: 3}


class DemoSeedError(Exception):
    """The demo cannot be written into this database as it stands."""


@dataclass(frozen=True)
class DemoUser:
    """A demo login: staff are listed per firm, clients made from their household."""

    local_part: str  # of the email address
    first_name: str
    last_name: str
    role: str


@dataclass(frozen=True)
class DemoFirm:
    name: str
    domain: str
    seed: int
    custodians: tuple[str, ...]  # of the brokerage accounts and IRAs, repeated for weight
    staff: tuple[DemoUser, ...]  # advisor1 and advisor2 share the households

    def email(self, local_part: str) -> str:
        return f"{local_part}@{self.domain}"


DEMO_FIRMS: tuple[DemoFirm, ...] = (
    DemoFirm(
        "Harbor Point Advisors",
        "harborpoint.example",
        seed=1,
        custodians=("Schwab", "Schwab", "Fidelity"),
        staff=(
            DemoUser("admin", "Grace", "Whitman", Role.ADMIN),
            DemoUser("advisor1", "Daniel", "Reyes", Role.ADVISOR),
            DemoUser("advisor2", "Aisha", "Rahman", Role.ADVISOR),
            DemoUser("ops", "Tom", "Becker", Role.OPERATIONS),
        ),
    ),
    DemoFirm(
        "Summit Ridge Wealth",
        "summitridge.example",
        seed=2,
        custodians=("Fidelity", "Pershing", "Pershing"),
        staff=(
            DemoUser("admin", "Laura", "Jennings", Role.ADMIN),
            DemoUser("advisor1", "Marcus", "Bell", Role.ADVISOR),
            DemoUser("advisor2", "Sofia", "Marin", Role.ADVISOR),
            DemoUser("ops", "Kevin", "Okafor", Role.OPERATIONS),
        ),
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str  # as displayed
    firm: str
    household: str  # a client's household; empty for staff


@dataclass(frozen=True)
class SeedReport:
    as_of: date
    created: tuple[str, ...]  # firms written by this run
    existing: tuple[str, ...]  # firms found and left alone
    counts: dict[str, int]  # rows per model in the whole database, after the run
    logins: tuple[DemoLogin, ...]
    password: str


@transaction.atomic
def seed_demo(
    as_of: date,
    *,
    households_per_firm: int = 24,
    years: int = 6,
    password: str = DEMO_PASSWORD,
    firms: Sequence[DemoFirm] = DEMO_FIRMS,
) -> SeedReport:
    """Create the demo firms that do not exist yet; prices end on ``as_of``.

    ``years`` of daily closes (weekdays) are simulated; lots go back as far.
    """
    if households_per_firm < 1 or years < 1:
        raise ValueError("A demo needs at least one household per firm and one year of prices.")
    created, existing = [], []
    history: MarketHistory | None = None
    password_hash = ""
    for spec in firms:
        if Firm.objects.filter(name=spec.name).exists():
            existing.append(spec.name)
            continue
        history = history or simulate_market(as_of, years)
        # One hash for every demo user: hashing 14 times would take seconds.
        password_hash = password_hash or make_password(password)
        _create_firm(spec, history, households_per_firm, password_hash)
        created.append(spec.name)
    return SeedReport(
        as_of, tuple(created), tuple(existing), model_counts(), demo_logins(firms), password
    )


def model_counts() -> dict[str, int]:
    """Rows per model of the book of record and its users, by model name."""
    return {model.__name__: model._default_manager.count() for model in COUNTED_MODELS}


def demo_logins(firms: Sequence[DemoFirm] = DEMO_FIRMS) -> tuple[DemoLogin, ...]:
    """Every user of the demo firms: staff first, then clients with their household."""
    memberships = Membership.objects.filter(
        firm__name__in=[spec.name for spec in firms]
    ).select_related("user", "firm", "user__client_link__household")
    logins = []
    for membership in memberships:
        link = getattr(membership.user, "client_link", None)
        household = link.household.name if link is not None else ""
        role = membership.get_role_display()
        logins.append(DemoLogin(membership.user.email, role, membership.firm.name, household))
    order = {role.label: ROLE_ORDER[role] for role in Role}
    return tuple(sorted(logins, key=lambda login: (login.firm, order[login.role], login.email)))


def _create_firm(
    spec: DemoFirm, history: MarketHistory, households_per_firm: int, password_hash: str
) -> None:
    firm = Firm.objects.create(name=spec.name)
    classes = {asset_class.code: asset_class for asset_class in create_default_asset_classes(firm)}
    securities = _create_securities(firm, classes, history)
    staff = {
        member.local_part: _create_user(firm, spec.email(member.local_part), member, password_hash)
        for member in spec.staff
    }
    advisors = (staff["advisor1"], staff["advisor2"])
    plans = plan_households(spec.seed, households_per_firm, history, spec.custodians)
    lots: list[Lot] = []
    transactions: list[Transaction] = []
    households = []
    for plan in plans:
        household = _create_household(firm, plan, advisors)
        people = [
            Person.objects.create(household=household, **asdict(person)) for person in plan.people
        ]
        for account_plan in plan.accounts:
            account = _create_account(household, account_plan, people, classes)
            lots += _lots(account, account_plan, securities)
            transactions += _transactions(account, account_plan, securities)
        households.append((household, plan))
    Lot.objects.bulk_create(lots, batch_size=BATCH_SIZE)
    Transaction.objects.bulk_create(transactions, batch_size=BATCH_SIZE)
    _create_clients(firm, spec, households[:CLIENT_LOGINS_PER_FIRM], password_hash)


def _create_user(firm: Firm, email: str, person: DemoUser, password_hash: str) -> User:
    if User.objects.filter(email__iexact=email).exists():
        raise DemoSeedError(f"{email} already exists outside the demo firm {firm.name}.")
    user = User.objects.create(
        email=email,
        first_name=person.first_name,
        last_name=person.last_name,
        password=password_hash,
    )
    Membership.objects.create(user=user, firm=firm, role=person.role)
    if person.role != Role.CLIENT:
        from allauth.mfa.totp.internal.auth import TOTP

        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def _create_securities(
    firm: Firm, classes: dict[str, AssetClass], history: MarketHistory
) -> dict[str, Security]:
    securities = Security.objects.bulk_create(
        Security(
            firm=firm,
            symbol=demo.symbol,
            name=demo.name,
            asset_class=classes[demo.asset_class],
            substitute_group=demo.substitute_group,
            price=history.last_close(demo.symbol),
            price_date=history.dates[-1],
        )
        for demo in DEMO_SECURITIES
    )
    _insert_prices(securities, history)
    return {security.symbol: security for security in securities}


def _insert_prices(securities: Sequence[Security], history: MarketHistory) -> None:
    """Every security's daily closes, inserted in bulk.

    Plain ``executemany`` because building ~85,000 model instances for
    ``bulk_create`` would triple the time the whole demo takes.
    """
    ops = connection.ops
    meta = PricePoint._meta
    column = {field.name: str(field.column) for field in meta.concrete_fields}
    columns = ", ".join(ops.quote_name(column[name]) for name in ("security", "date", "close"))
    # Table and column names come from the model, never from input.
    sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608
    days = [ops.adapt_datefield_value(day) for day in history.dates]
    with connection.cursor() as cursor:
        for security in securities:
            closes = history.closes[security.symbol]
            cursor.executemany(
                sql,
                [
                    (security.pk, day, ops.adapt_decimalfield_value(Decimal(f"{close:.2f}")))
                    for day, close in zip(days, closes, strict=True)
                ],
            )


def _create_household(firm: Firm, plan: HouseholdPlan, advisors: tuple[User, User]) -> Household:
    household = Household.objects.create(
        firm=firm,
        name=plan.name,
        primary_advisor=advisors[plan.advisor],
        filing_status=plan.filing_status,
        t_ord=plan.t_ord,
        t_ltcg=plan.t_ltcg,
        t_ret=plan.t_ret,
        realized_st_ytd=plan.realized_st_ytd,
        realized_lt_ytd=plan.realized_lt_ytd,
        carryforward_st=plan.carryforward_st,
        carryforward_lt=plan.carryforward_lt,
        notes=plan.notes,
    )
    if plan.with_teammate:
        household.team_members.add(advisors[1 - plan.advisor])
    return household


def _create_account(
    household: Household,
    plan: AccountPlan,
    people: Sequence[Person],
    classes: dict[str, AssetClass],
) -> Account:
    account = Account.objects.create(
        household=household,
        owner=people[plan.owner] if plan.owner is not None else None,
        name=plan.name,
        account_type=plan.account_type,
        custodian=plan.custodian,
        number_last4=plan.number_last4,
        cash=plan.cash,
        cash_reserve=plan.cash_reserve,
    )
    if plan.menu:
        account.allowed_asset_classes.set([classes[code] for code in plan.menu])
    return account


def _lots(account: Account, plan: AccountPlan, securities: dict[str, Security]) -> list[Lot]:
    return [
        Lot(
            account=account,
            security=securities[lot.symbol],
            quantity=lot.quantity,
            cost_basis=lot.cost_basis,
            acquired_on=lot.acquired_on,
        )
        for lot in plan.lots
    ]


def _transactions(
    account: Account, plan: AccountPlan, securities: dict[str, Security]
) -> list[Transaction]:
    return [
        Transaction(
            account=account,
            security=securities[entry.symbol] if entry.symbol else None,
            kind=entry.kind,
            trade_date=entry.trade_date,
            quantity=entry.quantity,
            amount=entry.amount,
            # The field is nullable; ``money()`` hides that from django-stubs.
            realized_gain=entry.realized_gain,  # type: ignore[misc]
            description=entry.description,
        )
        for entry in plan.transactions
    ]


def _create_clients(
    firm: Firm,
    spec: DemoFirm,
    households: Sequence[tuple[Household, HouseholdPlan]],
    password_hash: str,
) -> None:
    """Client logins for the first households, named after their first person."""
    for number, (household, plan) in enumerate(households, start=1):
        person = plan.people[0]
        client = DemoUser(f"client{number}", person.first_name, person.last_name, Role.CLIENT)
        user = _create_user(firm, spec.email(client.local_part), client, password_hash)
        ClientLink.objects.create(user=user, household=household)
