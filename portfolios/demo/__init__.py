"""Demo data: two firms, their staff and clients, households and simulated prices.

``seed_demo(as_of)`` writes it (idempotent); ``manage.py seed_demo`` calls it.
Planning (``households``, ``holdings``, ``activity``) and the price simulation
(``market``) never touch the database; ``seed`` writes what they plan.
"""

from __future__ import annotations

from portfolios.demo.seed import (
    DEMO_FIRMS,
    DEMO_PASSWORD,
    DemoFirm,
    DemoLogin,
    DemoSeedError,
    SeedReport,
    demo_logins,
    model_counts,
    seed_demo,
)

__all__ = [
    "DEMO_FIRMS",
    "DEMO_PASSWORD",
    "DemoFirm",
    "DemoLogin",
    "DemoSeedError",
    "SeedReport",
    "demo_logins",
    "model_counts",
    "seed_demo",
]
