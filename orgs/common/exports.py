"""Spreadsheet safety shared by every CSV and Excel export: one escaper, used everywhere."""
from __future__ import annotations

from orgs.common.text import strip_control_characters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")


def escape_cell(value):
    """A text cell loses its control characters (stored before input refused them, they make openpyxl refuse
    the whole workbook: IllegalCharacterError), and one that a spreadsheet would run as a formula gets a
    leading apostrophe; other values pass."""
    if isinstance(value, str):
        value = strip_control_characters(value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The inverse of escape_cell, for text read back from a spreadsheet (an error report corrected and
    uploaded again): "'=…", "'+86…", "'-…" → "=…", "+86…", "-…". Any other apostrophe is kept."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
