"""Spreadsheet safety shared by every CSV and Excel export: one escaper, used everywhere."""
from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")


def escape_cell(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe; others pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The inverse of escape_cell, for text read back from a spreadsheet (an error report corrected and
    uploaded again): "'=…", "'+86…", "'-…" → "=…", "+86…", "-…". Any other apostrophe is kept."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
