"""Column-wise validation of census rows: the fast path of the import.

Each column is checked as a whole (one regular expression over the joined column decides whether any
cell needs cleaning; values that repeat — categories, regions, units, dates, flags — are judged once
through a dictionary). A row every column accepts gets its values straight from the columns; a row
any column doubts is handed to `validate_row`, the one reference implementation, which gives the
exact errors. So the fast path only ever decides "plainly valid", never an error message, and its
values equal what `validate_row` would have produced for the row.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter, mul
from typing import TypeVar, cast

from census.importing.columns import (
    CATEGORY_WORDS,
    COUNTRY_LIMIT,
    DOCUMENT_WORDS,
    FALSE_WORDS,
    FLAG_KEYS,
    GENDER_WORDS,
    NAME_LIMIT,
    NOTES_LIMIT,
    PHONE_LIMIT,
    TRUE_WORDS,
)
from census.importing.values import ValueProblem, clean_text, parse_date
from orgs.common.identifiers import (
    EARLIEST_BIRTH,
    ID_CHECK_CHARS,
    ID_SHAPE,
    ID_WEIGHTS,
    PASSPORT,
    PROVINCE_PREFIXES,
    RESIDENCE_PERMIT_PREFIXES,
    RESIDENT_ID,
    IdentifierError,
    document_gives_birth,
    resident_id_birth_date,
    validate_document,
    validate_phone,
)
from orgs.common.text import CELL_CONTROL_RE

SEPARATOR = "\uffff"  # a Unicode non-character: joins a column's cells for one-pass checks
# Anything `clean_text` would change: control characters, every white-space character but the plain
# space, full-width forms (one character class: a fast scan) …
_UNCLEAN_CHARACTER = re.compile(r"[\x00-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\uff01-\uff5e]")
# … plain spaces that are doubled or at the start or end of a cell, and an apostrophe that starts a
# cell (perhaps escape_cell's, see clean_text) (substring tests).
_UNCLEAN_SPACES = ("  ", SEPARATOR + " ", " " + SEPARATOR, SEPARATOR + "'")
_ID = ID_SHAPE
# digits as typed, but not a mainland mobile with its country code (normalized by validate_phone)
_PHONE = re.compile(r"(?!(?:\+86|0086|86)1[3-9][0-9]{9}$)\+?[0-9]{5,20}")

K = TypeVar("K")
V = TypeVar("V")


def _raw_column(rows: list[list[object]], index: int | None, shortest: int) -> list[object]:
    if index is None:
        return [None] * len(rows)
    if index < shortest:
        return list(map(itemgetter(index), rows))
    return [cells[index] if index < len(cells) else None for cells in rows]


def clean_column(raw: list[object]) -> list[str]:
    """`clean_text` of every cell; a column of plain text that is already clean is returned as is."""
    text = cast("list[str]", raw)  # taken for text: the join below tells
    try:
        joined = SEPARATOR.join(text)  # TypeError unless every cell is text
    except TypeError:
        return [clean_text(value) for value in raw]
    if (
        joined.count(SEPARATOR) == len(raw) - 1
        and not _UNCLEAN_CHARACTER.search(joined)
        and not any(spaces in joined for spaces in _UNCLEAN_SPACES)
        and not joined.startswith((" ", "'"))
        and not joined.endswith(" ")
    ):
        return text
    return [clean_text(value) for value in raw]


def control_character_cells(column: Sequence[object]) -> list[int]:
    """The positions of a column's text cells that hold a character no imported cell may hold (CELL_CONTROL_RE): one
    search over the column joined; its cells are looked at one by one only when the column holds one."""
    try:
        joined = SEPARATOR.join(cast("Sequence[str]", column))
    except TypeError:  # numbers, dates, empty cells: only the text is searched
        joined = SEPARATOR.join([value for value in column if isinstance(value, str)])
    if CELL_CONTROL_RE.search(joined) is None:
        return []
    return [i for i, value in enumerate(column) if isinstance(value, str) and CELL_CONTROL_RE.search(value)]


class _Memo(dict[K, V]):
    """value → judgement, computed once per distinct value (None: the row takes the slow path)."""

    def __init__(self, judge: Callable[[K], V]):
        super().__init__()
        self.judge = judge

    def __missing__(self, key: K) -> V:
        value = self[key] = self.judge(key)
        return value


def _birth_of_digits(today: dt.date) -> _Memo[str, dt.date | None]:
    def judge(digits: str) -> dt.date | None:
        try:
            birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError:
            return None
        return birth if EARLIEST_BIRTH <= birth <= today else None

    return _Memo(judge)


def _weighted(weights: tuple[int, ...]) -> _Memo[str, int]:
    return _Memo(lambda digits: sum(map(mul, map(int, digits), weights)))


def _parse_date_or_none(key):
    kind, value = key
    if kind not in (str, dt.date, dt.datetime):
        return False  # not judged here
    try:
        return parse_date(value)
    except ValueProblem:
        return False


def _doubtful(values: Sequence[V], bad: set[int], is_bad: Callable[[V], bool]) -> None:
    for index, value in enumerate(values):
        if is_bad(value):
            bad.add(index)


_PLACEHOLDER_ID = "110000190001010000"  # its check character is wrong: the row stays doubted
_STAND_IN_ID = "110000190001010004"  # a valid resident ID
_GENDER_OF_DIGIT = {str(d): "M" if d % 2 else "F" for d in range(10)}


# The fields an import sets on a person, in this order everywhere (columns, sealed findings, COPY).
DATA_FIELDS = ("name", "gender", "birth_date", "category", "region_id", "unit_id", "country", "phone", *FLAG_KEYS, "notes")
# What an import writes for a new person besides: the document type (part of the identity: never changed by
# an import, since a row finds its person by (type, number)).
IMPORT_FIELDS = (*DATA_FIELDS, "id_type")


@dataclass
class ColumnCheck:
    """The rows checked column by column: the cleaned IDs and each field's values by column, the
    rows any column doubts, and the rows with a control character in a column read (`controlled`: refused, whatever
    else they are; `validate_row` does not look for them). For a row not doubted, (ids[i], {key: columns[key][i]}) is
    exactly what `validate_row` returns; a doubted row's entries mean nothing (validate it the slow way)."""

    ids: list[str]
    columns: dict[str, list]
    doubtful: set[int]
    controlled: set[int] = field(default_factory=set)

    def plain(self, index: int) -> tuple[str, dict] | None:
        if index in self.doubtful:
            return None
        return self.ids[index], {key: column[index] for key, column in self.columns.items()}


def fast_rows(rows: list[list[object]], positions: dict[str, int], scope, today: dt.date) -> ColumnCheck:
    """Checks the rows as passes over whole columns (comprehensions, map over dictionaries) rather
    than a loop over rows; only ever decides "plainly valid" (see ColumnCheck)."""
    n = len(rows)
    if not n:
        return ColumnCheck([], {key: [] for key in IMPORT_FIELDS}, set())
    shortest = min(map(len, rows))
    bad: set[int] = set()
    controlled: set[int] = set()
    searched: set[str] = set()

    def raw(key: str) -> list[object]:
        column = _raw_column(rows, positions.get(key), shortest)
        if key not in searched and positions.get(key) is not None:  # each column read searched once, as it is taken
            searched.add(key)
            controlled.update(control_character_cells(column))
        return column

    def cleaned(key: str) -> list[str]:
        return [""] * n if positions.get(key) is None else clean_column(raw(key))

    # name: required, at most 64 characters
    names = cleaned("name")
    if not (min(map(len, names)) and max(map(len, names)) <= NAME_LIMIT):
        _doubtful(names, bad, lambda name: not name or len(name) > NAME_LIMIT)

    # document type: blank (居民身份证) or a known word; an unknown word takes the slow path
    types: list[str | None] = [RESIDENT_ID] * n
    other_documents: list[int] = []  # rows of another document than the resident ID (a small share), judged below
    if positions.get("id_type") is not None:
        type_memo: _Memo[str, str | None] = _Memo(lambda text: DOCUMENT_WORDS.get(text.replace(" ", "").lower()) if text else RESIDENT_ID)
        types = list(map(type_memo.__getitem__, cleaned("id_type")))
        _doubtful(types, bad, lambda id_type: id_type is None)
        other_documents = [index for index, id_type in enumerate(types) if id_type is not None and id_type != RESIDENT_ID]

    # resident ID: text cells of the plain 18-character shape; digits judged through memos
    raw_ids = raw("id_number")
    ids = list(clean_column(raw_ids))
    safe_ids = ids  # a doubtful row's ID is replaced (in a copy) so that the passes below can slice every ID
    if other_documents or not all(value.__class__ is str for value in raw_ids) or not all(map(_ID.fullmatch, ids)):
        safe_ids = list(ids)
        judged_below = set(other_documents)  # by their own rules; meanwhile a number these passes accept stands in
        for index, (value, number) in enumerate(zip(raw_ids, ids)):
            if index in judged_below:
                safe_ids[index] = _STAND_IN_ID
            elif value.__class__ is not str or not _ID.fullmatch(number):
                bad.add(index)
                safe_ids[index] = _PLACEHOLDER_ID
    mids = [number[6:14] for number in safe_ids]
    birth_of = _birth_of_digits(today)
    implied_births = list(map(birth_of.__getitem__, mids))
    head, middle, tail = _weighted(ID_WEIGHTS[:6]), _weighted(ID_WEIGHTS[6:14]), _weighted(ID_WEIGHTS[14:17])
    checks = [
        ID_CHECK_CHARS[(a + b + c) % 11]
        for a, b, c in zip(
            map(head.__getitem__, [number[:6] for number in safe_ids]),
            map(middle.__getitem__, mids),
            map(tail.__getitem__, [number[14:17] for number in safe_ids]),
        )
    ]
    for index, (number, check, birth) in enumerate(zip(safe_ids, checks, implied_births)):
        if number[17] != check or birth is None or number[:2] not in PROVINCE_PREFIXES:
            bad.add(index)
        elif number.startswith(RESIDENCE_PERMIT_PREFIXES):
            bad.add(index)  # a residence permit's number given as a resident ID: validate_row says so
    genders = list(map(_GENDER_OF_DIGIT.__getitem__, [number[16] for number in safe_ids]))

    # another document: its number by the reference rule of its type (validate_document); a number of the GB 11643
    # layout (港澳台居民居住证, the 2023 外国人永久居留身份证) gives birth date and sex as a resident ID does, any other
    # document needs both stated in the row (`stated`)
    stated: list[int] = []
    for index in other_documents:
        id_type = cast("str", types[index])
        if raw_ids[index].__class__ is not str:
            bad.add(index)  # a number cell: the slow path says why
            continue
        try:
            number = validate_document(id_type, ids[index], today=today)
        except IdentifierError:
            bad.add(index)
            continue
        ids[index] = number
        if document_gives_birth(id_type, number):
            mids[index] = number[6:14]
            implied_births[index] = resident_id_birth_date(number)
            genders[index] = _GENDER_OF_DIGIT[number[16]]
        else:
            stated.append(index)

    # gender: blank, or 男/女 (…) agreeing with the ID; stated for a document that does not give it
    given_genders = cleaned("gender")
    gender_memo: _Memo[str, str | None] = _Memo(lambda text: GENDER_WORDS.get(text.lower()) if text else "")
    judged = list(map(gender_memo.__getitem__, given_genders))
    for index in stated:
        if judged[index]:
            genders[index] = cast("str", judged[index])
        else:
            bad.add(index)
    if any(judged):
        for index, (given, implied) in enumerate(zip(judged, genders)):
            if given is None or (given and given != implied):
                bad.add(index)

    # birth date: blank, or a date agreeing with the ID ("1980-05-06" with the ID's digits: plainly so)
    births_given = raw("birth_date")
    expected = [f"{m[:4]}-{m[4:6]}-{m[6:]}" for m in mids]
    date_memo = _Memo(_parse_date_or_none)
    for index in stated:  # a whole date, not after today
        value = births_given[index]
        try:
            given_birth = date_memo[(value.__class__, value)]
        except TypeError:
            given_birth = False
        if given_birth and given_birth <= today:
            implied_births[index] = given_birth
        else:
            bad.add(index)
    for index, value in enumerate(births_given):
        if value == expected[index] or value is None or value == "":
            continue
        try:
            given_birth = date_memo[(value.__class__, value)]
        except TypeError:  # unhashable: not judged here
            given_birth = False
        if given_birth is False or (given_birth is not None and given_birth != implied_births[index]):
            bad.add(index)

    # category and region: required, known words / regions in scope
    category_memo: _Memo[str, str | None] = _Memo(lambda text: CATEGORY_WORDS.get(text.replace(" ", "")) if text else None)
    category_values = list(map(category_memo.__getitem__, cleaned("category")))
    region_memo: _Memo[str, int | None] = _Memo(lambda text: scope.region_id(text) if text else None)
    region_values = list(map(region_memo.__getitem__, cleaned("region")))
    for column in (category_values, region_values):
        if None in column:
            _doubtful(column, bad, lambda value: value is None)

    # unit: blank, or exactly one unit of that name in scope
    def unit_judge(text: str):
        if not text:
            return 0
        candidates = scope.units_by_name.get(text, [])
        return candidates[0][0] if len(candidates) == 1 else None

    unit_memo = _Memo(unit_judge)
    unit_values = list(map(unit_memo.__getitem__, cleaned("unit")))
    if None in unit_values:
        _doubtful(unit_values, bad, lambda value: value is None)
    unit_values = [unit or None for unit in unit_values]

    countries = [country[:COUNTRY_LIMIT] for country in cleaned("country")]
    for index in stated:
        if types[index] == PASSPORT and not countries[index]:
            bad.add(index)  # a passport: the country of residence is required

    # phone: blank or digits (with a leading +) as typed; anything else through validate_phone
    phones = cleaned("phone")
    if not all(map(_PHONE.fullmatch, filter(None, phones))):
        phones = list(phones)
        for index, phone in enumerate(phones):
            if phone and not _PHONE.fullmatch(phone):
                try:
                    phones[index] = validate_phone(phone)
                except IdentifierError:
                    bad.add(index)
    phones = [phone[:PHONE_LIMIT] for phone in phones]

    flag_memo: _Memo[str, bool | None] = _Memo(lambda text: True if text.lower() in TRUE_WORDS else False if text.lower() in FALSE_WORDS else None)
    flags: list[list[bool | None]] = []
    for key in FLAG_KEYS:
        flag_column = list(map(flag_memo.__getitem__, cleaned(key)))
        if None in flag_column:
            _doubtful(flag_column, bad, lambda value: value is None)
        flags.append(flag_column)

    notes = [note[:NOTES_LIMIT] for note in cleaned("notes")]
    for key in positions.keys() - searched:  # a column no pass above takes (none today) is searched all the same
        raw(key)

    columns: tuple[Sequence[object], ...] = (
        names, genders, implied_births, category_values, region_values, unit_values, countries, phones, *flags, notes, types,
    )
    # Each column its own list: the caller puts the slow path's values of doubted rows in place.
    return ColumnCheck(list(ids), {key: list(column) for key, column in zip(IMPORT_FIELDS, columns)}, bad, controlled)
