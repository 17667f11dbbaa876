"""Control characters in text: the one definition used at the door (middleware, API parsers), by the census
import and by every spreadsheet export. Pure: no Django."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

# C0 control characters except tab, line feed and carriage return: exactly what openpyxl refuses in a cell
# (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE) and, for NUL, what PostgreSQL refuses in a string.
CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS_RE.search(text) is not None


def strip_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS_RE.sub("", text)


def visible_name(name: str) -> str:
    """A field name fit to be shown: its control characters written as \\xNN."""
    return CONTROL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", name)


def _walk(data: object, path: str) -> Iterator[str]:
    if isinstance(data, str):
        if has_control_characters(data):
            yield path
    elif isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_control_characters(key):
                yield visible_name(name)
            else:
                yield from _walk(value, name)
    elif isinstance(data, list | tuple):
        for index, item in enumerate(data):
            yield from _walk(item, f"{path}[{index}]" if path else f"[{index}]")


def control_characters_field(data: object) -> str | None:
    """The first field (dotted path, "[i]" for list items) whose name or text holds a control character, or None.
    A name that holds one is reported with its control characters written as \\xNN."""
    return next(_walk(data, ""), None)
