"""Spreadsheet safety shared by every CSV and Excel export: one escaper, used everywhere."""
from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")


def escape_cell(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe; others pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
