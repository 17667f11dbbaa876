"""Control characters in text: the one definition used at the door (middleware, API parsers) and by every
spreadsheet export, and the stricter one of the cells of imported files (census, unit directory, regions).
Pure: no Django."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from orgs.common.messages import _

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


# What a cell of an imported file may not hold: the C0 control characters but tab, line feed and carriage return,
# DEL, the C1 controls, the Unicode line and paragraph separators and lone surrogates (no workbook reader hands
# these over: calamine makes them U+FFFD, a CSV that holds one is not valid UTF-8 or UTF-16). Nobody types them:
# they come from other systems' exports and pasted text, invisible, and a row holding one is refused, naming it.
CELL_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# Line breaks and tabs inside a cell (Excel's Alt+Enter, pasted text) are ordinary content: one space.
CELL_BREAKS_RE = re.compile(r" *[\t\n\r][\t\n\r ]*")
# How much of a long value an error shows around its first control character.
SHOWN_BEFORE, SHOWN_LENGTH = 20, 60


def fold_cell_breaks(text: str) -> str:
    """Tabs and line breaks (with the spaces around them) as one space."""
    return CELL_BREAKS_RE.sub(" ", text)


def _visible(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible_control_characters(text: str) -> str:
    """`text` with each character CELL_CONTROL_RE matches written out (\\x07, \\x9b, \\u2028): safe to show."""
    return CELL_CONTROL_RE.sub(lambda match: _visible(match.group()), text)


def holds_cell_control(value: object) -> bool:
    """Whether `value` is text holding a character no imported cell may hold (CELL_CONTROL_RE)."""
    return isinstance(value, str) and CELL_CONTROL_RE.search(value) is not None


def cell_control_problem(value: object) -> tuple[str, str] | None:
    """For a cell holding a character CELL_CONTROL_RE matches: (the value fit to be shown — its line breaks folded,
    its control characters written out, a long one cut around the first —, the reason naming them), else None."""
    if not isinstance(value, str) or (first := CELL_CONTROL_RE.search(value)) is None:
        return None
    start = max(0, first.start() - SHOWN_BEFORE) if len(value) > SHOWN_LENGTH else 0
    piece = value[start:start + SHOWN_LENGTH]
    shown = ("…" if start else "") + visible_control_characters(fold_cell_breaks(piece)) + ("…" if start + SHOWN_LENGTH < len(value) else "")
    characters = "、".join(dict.fromkeys(_visible(c) for c in CELL_CONTROL_RE.findall(value)))
    return shown, _("含有不可见的控制字符 %(characters)s，不能导入：请在文件中删除后重新导入") % {
        "characters": characters
    }
