"""Proposals: tax-aware rebalance and harvest proposals, implementation plans, orders."""
