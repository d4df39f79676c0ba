"""advisory: households, asset location and tax-aware rebalancing for advisors."""

from __future__ import annotations

from advisory.celery import app as celery_app

__all__ = ["celery_app"]
