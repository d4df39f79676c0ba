"""Reads of the book of record, scoped to what a user may see.

Every list goes through ``portfolios.access`` (households) or the user's firm
(asset classes, securities), has its joins and prefetches done, and costs a
constant number of queries whatever the number of rows. Values are computed
in the database with correlated subqueries, so a household's accounts and an
account's lots never multiply each other's rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from portfolios.access import firm_id_of, households_for
from portfolios.models import (
    Account,
    AssetClass,
    Household,
    Lot,
    Person,
    PricePoint,
    Restriction,
    Security,
    Transaction,
)

if TYPE_CHECKING:
    from advisory.models import User

MONEY = DecimalField(max_digits=24, decimal_places=2)
# Enough digits for quantity (22, 6) x price (18, 6) before rounding to cents.
VALUE = DecimalField(max_digits=40, decimal_places=12)
ZERO = Value(Decimal("0"), output_field=VALUE)


def _lot_value() -> ExpressionWrapper:
    return ExpressionWrapper(F("quantity") * F("security__price"), output_field=VALUE)


def _lots_value_of_account() -> Coalesce:
    """Market value of an account's lots: sum of quantity x the security's last price."""
    lots = (
        Lot.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(value=Sum(_lot_value()))
        .values("value")
    )
    return Coalesce(Subquery(lots, output_field=VALUE), ZERO, output_field=VALUE)


def _value_of_household() -> Any:
    """Cash of every account plus the value of every lot, as two independent sums."""
    cash = (
        Account.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(total=Sum("cash"))
        .values("total")
    )
    lots = (
        Lot.objects.filter(account__household=OuterRef("pk"))
        .order_by()
        .values("account__household")
        .annotate(total=Sum(_lot_value()))
        .values("total")
    )
    return ExpressionWrapper(
        Coalesce(Subquery(cash, output_field=VALUE), ZERO, output_field=VALUE)
        + Coalesce(Subquery(lots, output_field=VALUE), ZERO, output_field=VALUE),
        output_field=VALUE,
    )


def asset_class_list(*, user: User) -> QuerySet[AssetClass]:
    """The asset classes of the user's firm (none for outsiders)."""
    firm_id = firm_id_of(user)
    if firm_id is None:
        return AssetClass.objects.none()
    return AssetClass.objects.filter(firm_id=firm_id)


def security_list(*, user: User) -> QuerySet[Security]:
    """The securities of the user's firm, with their asset class joined."""
    firm_id = firm_id_of(user)
    if firm_id is None:
        return Security.objects.none()
    return Security.objects.filter(firm_id=firm_id).select_related("asset_class")


def price_list(*, security: Security) -> QuerySet[PricePoint]:
    """Daily closes of one security, newest first. Check access to the security first."""
    return PricePoint.objects.filter(security=security).order_by("-date")


def household_list(*, user: User, search: str | None = None) -> QuerySet[Household]:
    """Visible households annotated with ``total_value`` (cash + lots at last prices)."""
    households = households_for(user).annotate(total_value=_value_of_household())
    if search:
        households = households.filter(name__icontains=search)
    return households.prefetch_related("team_members")


def household_team_ids(households: list[Household]) -> list[Household]:
    """Attach ``team_member_ids`` (sorted user ids) to each household, in one query."""
    ids: dict[int, list[int]] = {h.pk: [] for h in households}
    through = Household.team_members.through.objects.filter(household_id__in=ids)
    for household_id, user_id in through.order_by("user_id").values_list("household_id", "user_id"):
        ids[household_id].append(user_id)
    for household in households:
        household.team_member_ids = ids[household.pk]  # type: ignore[attr-defined]
    return households


def person_list(*, user: User, household_id: int | None = None) -> QuerySet[Person]:
    people = Person.objects.filter(household__in=households_for(user))
    if household_id is not None:
        people = people.filter(household_id=household_id)
    return people


def account_list(*, user: User, household_id: int | None = None) -> QuerySet[Account]:
    """Visible accounts annotated with ``market_value`` = cash + lots at last prices."""
    accounts = Account.objects.filter(household__in=households_for(user))
    if household_id is not None:
        accounts = accounts.filter(household_id=household_id)
    return accounts.annotate(
        market_value=ExpressionWrapper(F("cash") + _lots_value_of_account(), output_field=VALUE)
    ).prefetch_related("allowed_asset_classes")


def lot_list(
    *, user: User, household_id: int | None = None, account_id: int | None = None
) -> QuerySet[Lot]:
    """Visible lots with their security (and its asset class) joined."""
    lots = Lot.objects.filter(account__household__in=households_for(user))
    if household_id is not None:
        lots = lots.filter(account__household_id=household_id)
    if account_id is not None:
        lots = lots.filter(account_id=account_id)
    return lots.select_related("security__asset_class")


def transaction_list(
    *,
    user: User,
    household_id: int | None = None,
    account_id: int | None = None,
    since: date | None = None,
) -> QuerySet[Transaction]:
    """Visible transactions, newest first, with their security joined."""
    transactions = Transaction.objects.filter(account__household__in=households_for(user))
    if household_id is not None:
        transactions = transactions.filter(account__household_id=household_id)
    if account_id is not None:
        transactions = transactions.filter(account_id=account_id)
    if since is not None:
        transactions = transactions.filter(trade_date__gte=since)
    return transactions.select_related("security")


def firm_class_names(firm_id: int) -> dict[str, str]:
    """The firm's asset class codes and names, in the firm's order."""
    rows = AssetClass.objects.filter(firm_id=firm_id).order_by("sort_order", "code")
    return dict(rows.values_list("code", "name"))


def eldest_age(household: Household, as_of: date) -> int | None:
    """Age on ``as_of`` of the household's eldest person with a date of birth."""
    born = (
        Person.objects.filter(household=household, date_of_birth__isnull=False)
        .order_by("date_of_birth")
        .values_list("date_of_birth", flat=True)
        .first()
    )
    if born is None:
        return None
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def restriction_list(*, user: User | Any) -> QuerySet[Restriction]:
    """Standing restrictions of the households the user may see."""
    return Restriction.objects.filter(household__in=households_for(user)).select_related(
        "account", "security", "created_by"
    )
