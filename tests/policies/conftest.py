"""Fixtures for IPS versions, drift and the pages: a valid payload, an active version."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from policies.models import InvestmentPolicy
from policies.services import PolicyDraft, TargetDraft, policy_create
from tests.conftest import World

# The world household's targets used throughout: 40/20/35/5 (sum 1).
TARGETS = {
    "us_equity": Decimal("0.40"),
    "intl_equity": Decimal("0.20"),
    "us_bonds": Decimal("0.35"),
    "cash": Decimal("0.05"),
}


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST body for /api/v1/households/{id}/policy/."""
    body: dict[str, Any] = {
        "targets": [{"asset_class": code, "weight": str(w)} for code, w in TARGETS.items()],
        "abs_band": "0.05",
        "rel_band": "0.25",
        "method": "threshold",
        "horizon_years": 20,
        "rationale": "Initial policy after the discovery meeting.",
    }
    body.update(overrides)
    return body


def draft(**overrides: Any) -> PolicyDraft:
    fields: dict[str, Any] = {
        "targets": tuple(TargetDraft(code, w) for code, w in TARGETS.items()),
        "rationale": "Initial policy after the discovery meeting.",
    }
    fields.update(overrides)
    return PolicyDraft(**fields)


def make_policy(world: World, *, activate: bool = True, **overrides: Any) -> InvestmentPolicy:
    return policy_create(
        household=world.household,
        author=world.user("owner"),
        draft=draft(**overrides),
        activate=activate,
        queue_work=False,
    )


@pytest.fixture
def active_policy(world: World) -> InvestmentPolicy:
    return make_policy(world)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    # Rendered PDFs go to a throwaway folder, never the project's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clean_throttle_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def pdf_strings(pdf: bytes) -> bytes:
    """Every stream of the PDF inflated, so metadata and outlines can be searched.

    Each stream is inflated up to its end and what follows is ignored: a
    compressed stream may itself end in the bytes that precede ``endstream``,
    so cutting it there exactly would sometimes lose its last byte.
    """
    chunks = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            chunks.append(zlib.decompressobj().decompress(stream.group(1)))
        except zlib.error:
            continue  # not a Flate stream
    return b"\n".join(chunks)
