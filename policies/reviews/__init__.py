"""Quarterly and annual reviews, their packets and figures."""
