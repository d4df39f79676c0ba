"""Investment Policy Statements, location plans, proposals and reviews."""

from __future__ import annotations
