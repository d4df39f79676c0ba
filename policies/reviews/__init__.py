"""Quarterly monitoring and annual reviews: the schedule, the workflow, the packet, the figures."""
