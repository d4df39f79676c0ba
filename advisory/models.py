"""Firms, users and their roles; API tokens and idempotency records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class User(AbstractUser):
    """A person who logs in with an email address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ("email",)
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


# A trade smaller than this is not worth its ticket: with $0 a plan tranche sold $31 of a fund.
DEFAULT_MIN_TRADE = Decimal("100.00")


class Firm(models.Model):
    """An advisory firm. A firm sees only its own data.

    The firm's settings: ``four_eyes`` (the person who approves a proposal must
    not be the one who requested it), ``advisors_release_orders`` (advisors, not
    only operations, may release approved proposals to the custodian) and the
    proposal defaults a request takes when it does not say (API.md "firm").
    """

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    four_eyes = models.BooleanField(
        default=False, help_text="The approver of a proposal must not be the person who asked."
    )
    advisors_release_orders = models.BooleanField(
        default=False, help_text="Advisors, not only operations, may release orders."
    )
    default_min_trade = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        default=DEFAULT_MIN_TRADE,
        help_text="Dollars: smaller trades are not proposed unless a request says otherwise.",
    )
    default_allow_short_term = models.BooleanField(default=True)
    default_whole_shares = models.BooleanField(default=False)

    class Meta:
        ordering = ("name",)
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(default_min_trade__gte=0), name="firm_min_trade_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def proposal_defaults(self) -> dict[str, Any]:
        """What a proposal request takes when it does not say (API.md ``proposal_defaults``)."""
        return {
            "min_trade": self.default_min_trade,
            "allow_short_term": self.default_allow_short_term,
            "whole_shares": self.default_whole_shares,
        }


class Role(models.TextChoices):
    ADMIN = "admin", "Firm admin"
    ADVISOR = "advisor", "Advisor"
    OPERATIONS = "operations", "Operations"
    CLIENT = "client", "Client"


class Membership(models.Model):
    """A user's place in one firm: every user but a superuser has exactly one."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("firm", "role", "user")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.firm})"

    @property
    def is_staff_role(self) -> bool:
        return self.role != Role.CLIENT


class ApiToken(models.Model):
    """A revocable, expiring API token. Only a SHA-256 digest of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The first response to a creating request sent with an ``Idempotency-Key``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("user", "key"), name="idempotency_user_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"
