"""Saved column mappings and the record of every import (models of the portfolios app)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from advisory.models import Firm


class ImportKindChoice(models.TextChoices):
    POSITIONS = "positions", "Positions (lots)"
    LOTS = "lots", "Lots"
    TRANSACTIONS = "transactions", "Transactions"
    CASH = "cash", "Cash balances"
    PRICES = "prices", "Prices"


class ImportMapping(models.Model):
    """How one custodian's file reads: its header names and number and date conventions.

    ``columns`` maps the generic column name to the file's header
    (``{"account_number": "Acct #", "quantity": "Shares"}``); unmapped columns
    keep their generic names. ``date_format`` is a ``strftime`` pattern
    (``%m/%d/%Y``) or ``excel`` for serial day numbers (both are always also
    tried as ISO dates). ``amount_sign``: ``signed`` (as the generic layout) or
    ``by_kind`` (amounts written positive; buys, withdrawals, fees and
    reinvestments are made negative).
    """

    class AmountSign(models.TextChoices):
        SIGNED = "signed", "Signed: negative takes cash out"
        BY_KIND = "by_kind", "Positive: the kind gives the sign"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="import_mappings")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ImportKindChoice.choices)
    columns = models.JSONField(default=dict, blank=True)
    date_format = models.CharField(max_length=40, default="%Y-%m-%d")
    decimal_separator = models.CharField(max_length=1, default=".")
    thousands_separator = models.CharField(max_length=1, default="", blank=True)
    negative_parentheses = models.BooleanField(default=False)
    amount_sign = models.CharField(max_length=10, choices=AmountSign.choices, default="signed")
    encoding = models.CharField(max_length=20, default="utf-8")
    delimiter = models.CharField(max_length=1, default=",")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "portfolios"
        ordering = ("firm", "kind", "name")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("firm", "name"), name="import_mapping_firm_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(decimal_separator__in=[".", ","]), name="import_mapping_decimal_valid"
            ),
            models.CheckConstraint(
                condition=Q(encoding__in=["utf-8", "latin-1", "cp1252"]),
                name="import_mapping_encoding_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    REJECTED = "rejected", "Rejected"


class ImportRecord(models.Model):
    """One import that was run (not a dry run): its file, who, when, and what it did."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="import_records")
    kind = models.CharField(max_length=20, choices=ImportKindChoice.choices)
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    mapping = models.ForeignKey(
        ImportMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default="done")
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    apply = models.BooleanField(default=False, help_text="Transactions: move lots and cash")
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = "portfolios"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def progress(self) -> int:
        """Percent of rows handled (100 when done)."""
        if self.status in (ImportStatus.DONE, ImportStatus.REJECTED):
            return 100
        return (100 * self.rows_done // self.rows_total) if self.rows_total else 0
