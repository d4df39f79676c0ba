"""The calculation engine: pure Python, numbers in and numbers out.

No Django, no ORM, no I/O. Inputs and outputs are frozen dataclasses; money is
``Decimal`` at the edges; the date is always passed in.
"""
