"""Timings of the engine's solvers (run by ``make bench``)."""
