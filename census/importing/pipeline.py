"""The census import pipeline: read → normalise → validate every row → preview or commit.

Set-based throughout: the importer's regions and units are loaded once into dictionaries, rows are
checked column by column (columnar.py; rows it doubts go through `validate_row` for their exact errors),
existing people are matched by keyed hash in chunks, and writes are bulk inserts/updates in one
transaction. Nothing is written unless the whole file is valid or the user chose to import the valid
rows only. A preview keeps its findings beside the upload (checked.py) and the commit of that preview
starts from them: only what depends on the registry at commit time is checked again.
"""
from __future__ import annotations

import datetime as dt
import difflib
import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from census.importing.checked import (
    Checked,
    checked_load,
    checked_save,
    scope_fingerprint,
)
from census.importing.columnar import DATA_FIELDS, IMPORT_FIELDS, fast_rows
from census.importing.columns import (
    CATEGORY_WORDS,
    COLUMN_BY_KEY,
    COUNTRY_LIMIT,
    DOCUMENT_WORDS,
    FALSE_WORDS,
    FLAG_KEYS,
    GENDER_WORDS,
    NAME_LIMIT,
    NOTES_LIMIT,
    PHONE_LIMIT,
    TEMPLATE_DOCUMENTS,
    TRUE_WORDS,
    map_headers,
)
from census.importing.duplicates import DuplicateWarning, possible_duplicates
from census.importing.models import CensusImport
from census.importing.new_units import NewUnits, is_placeholder, new_units_create
from census.importing.reading import open_census_file, skip_reason
from census.importing.values import (
    BirthMonth,
    ValueProblem,
    cell_as_identifier,
    clean_text,
    parse_birth,
)
from census.registry.headcounts import headcounts_add
from census.registry.locks import CensusLocked, census_lock_check
from census.registry.models import Campaign, Gender, Person, PersonDocument, PersonEvent, PersonEventKind
from census.registry.selectors import registry_has_earlier_hashes
from census.registry.services import history_changes
from census.registry.signals import census_changed
from orgs.access.scoping import user_scope
from orgs.common.bulk import analyze_if_grown, chunks, copy_insert, values_update
from orgs.common.crypto import current_prefix, encryptor, hashers
from orgs.common.identifiers import (
    FOREIGN_PR,
    ID_SHAPE,
    NUMBER_GIVES_BIRTH,
    PASSPORT,
    RESIDENT_ID,
    IdentifierError,
    document_gives_birth,
    document_key,
    mask_document,
    mask_phone_numbers,
    resident_id_birth_date,
    resident_id_gender,
    validate_document,
    validate_phone,
)
from orgs.common.phones import PHONE_COLUMNS, phone_column_encoders
from orgs.common.text import cell_control_problem, holds_cell_control, visible_control_characters
from orgs.regions.models import Region
from orgs.regions.selectors import county_by_region
from orgs.units.models import Unit

CHUNK = 5000
T = TypeVar("T")
# The data fields stored as they are: all but the phone, which is stored encrypted, hashed and masked (PHONE_COLUMNS)
# and compared with a registered person's by its keyed hash.
COMPARED_FIELDS = tuple(k for k in DATA_FIELDS if k != "phone")
STORED_IMPORT_FIELDS = tuple(k for k in IMPORT_FIELDS if k != "phone")
MAX_STORED_ERRORS = 500
UNKNOWN_REGION = "\x00unknown-region"
UNKNOWN_UNIT = "\x00unknown-unit"


@dataclass(frozen=True)
class CellError:
    """One reason a row cannot be imported: sheet row, column header, the value as given, why."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}

    def __str__(self) -> str:
        return _("第 %(row)d 行【%(column)s】“%(value)s”：%(reason)s") % self.as_dict()


@dataclass
class ImportOutcome:
    """Counts and errors of one run; `written` tells whether anything was stored."""

    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[CellError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    # Where the rows were read and what was passed over: {"sheet", "sheets", "header_row", "encoding",
    # "skipped": {reason: [row numbers]}} (reasons: SKIP_REASONS).
    reading: dict = field(default_factory=dict)
    invalid_rows: dict[int, list[object]] = field(default_factory=dict)
    header: list[object] = field(default_factory=list)
    # 可能重复: new rows that may be people registered under another document (duplicates.py)
    warnings: list[DuplicateWarning] = field(default_factory=list)
    warnings_checked: bool = False  # False: not looked for (a commit whose importer accepted the preview's)
    held: str = ""  # why a commit wrote nothing though the rows are valid (possible duplicates not confirmed)
    created_units: int = 0
    written: bool = False
    touched_region_ids: set[int] = field(default_factory=set)
    touched_unit_ids: set[int] = field(default_factory=set)

    def summary(self) -> str:
        return (
            f"rows={self.rows} new={self.new} updated={self.updated} "
            f"unchanged={self.unchanged} invalid={self.invalid}"
        )

    def errors_by_row(self) -> dict[int, list[CellError]]:
        grouped: dict[int, list[CellError]] = defaultdict(list)
        for error in self.errors:
            grouped[error.row].append(error)
        return grouped


@dataclass
class ValidRows:
    """The valid rows by column (a hundred thousand rows are 20 lists, not 100,000 objects): sheet row
    numbers, document numbers, their keyed hashes, and each of IMPORT_FIELDS (DATA_FIELDS and the document type)."""

    row: list[int]
    id_number: list[str]
    id_hash: list[str]
    values: dict[str, list]

    def __len__(self) -> int:
        return len(self.row)

    def take(self, indices: list[int]) -> ValidRows:
        """The rows at these positions (hashes only if they are computed yet)."""
        pick = itemgetter(*indices) if len(indices) > 1 else (lambda column: tuple(column[i] for i in indices))
        return ValidRows(
            list(pick(self.row)), list(pick(self.id_number)), list(pick(self.id_hash)) if self.id_hash else [],
            {key: list(pick(column)) for key, column in self.values.items()},
        )

    def values_at(self, index: int) -> dict:
        return {key: column[index] for key, column in self.values.items()}

    def as_columns(self) -> dict[str, list]:
        return {"row": self.row, "id_number": self.id_number, "id_hash": self.id_hash, **self.values}


class ImportScope:
    """What the importer may import into, loaded once: editable regions by code and by full name,
    visible units by name, and the MPTT ranges to place existing people."""

    def __init__(self, user) -> None:
        self.user = user
        scope = user_scope(user)
        regions = Region.objects.editable_by(user).values_list("id", "code", "full_name", "name", "parent_id")
        self.region_by_code: dict[str, int] = {}
        self.region_by_name: dict[str, int] = {}
        # For names inside the scope (河西镇, 河西镇大回村): each region's name, parent and (code, full name).
        self._named: dict[int, tuple[str, int | None]] = {}
        self.region_label: dict[int, tuple[str, str]] = {}
        self._paths: dict[str, list[int]] | None = None
        self._by_name: dict[str, list[int]] = defaultdict(list)  # own names and aliases, filled with the paths
        for region_id, code, full_name, name, parent_id in regions.iterator(chunk_size=10000):
            self.region_by_code[code] = region_id
            self.region_by_name[full_name] = region_id
            self._named[region_id] = (name, parent_id)
            self.region_label[region_id] = (code, full_name)
        self.units_by_name: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for unit_id, name, region_id in Unit.objects.editable_by(user).values_list("id", "name", "region_id").iterator(chunk_size=10000):
            self.units_by_name[name].append((unit_id, region_id))
        self.scope = scope

    def region_id(self, text: str) -> int | None:
        """The region of the scope that `text` names: its code, its full name, or a name that one region of
        the scope alone goes by (河西镇, 通海县河西镇, 河西镇大回村, 大回村 for 大回村村委会)."""
        found = self.region_by_code.get(text) or self.region_by_name.get(text.replace(" ", ""))
        if found is None:
            candidates = self.regions_named(text)
            if len(candidates) == 1:
                found = candidates[0]
        return found

    def region_parent(self, region_id: int) -> int | None:
        """The region above, if it is in the scope too."""
        parent = self._named[region_id][1]
        return parent if parent in self._named else None

    def regions_named(self, text: str) -> list[int]:
        """Every region of the scope that `text` names by its own name and those above it in the scope."""
        return self.paths().get(text.replace(" ", ""), [])

    def paths(self) -> dict[str, list[int]]:
        """The names of the scope's regions joined with those above them (河西镇, 通海县河西镇 …): built once,
        in memory, on the first place that is neither a code nor a full name."""
        if self._paths is None:
            paths: dict[str, list[int]] = defaultdict(list)
            for region_id, (name, parent_id) in self._named.items():
                for alias in place_aliases(name):
                    path, parent = alias, parent_id
                    paths[path].append(region_id)
                    self._by_name[alias].append(region_id)
                    while parent is not None and parent in self._named:
                        parent_name, parent = self._named[parent]
                        path = parent_name + path
                        paths[path].append(region_id)
            self._paths = dict(paths)
        return self._paths

    def closest_regions(self, text: str, limit: int = 3) -> list[int]:
        """Regions of the scope whose names are closest to `text` (a typo, a name half written)."""
        self.paths()  # builds the names index with the paths, once
        close = difflib.get_close_matches(text.replace(" ", ""), list(self._by_name), n=limit, cutoff=0.5)
        return list(dict.fromkeys(region_id for name in close for region_id in self._by_name[name]))[:limit]


# A village committee goes by its village's name too (大回村村委会: 大回村), a residents' committee by its community's.
_ALIAS_SUFFIXES = (("村民委员会", "村"), ("村委会", ""), ("社区居民委员会", "社区"), ("社区居委会", "社区"), ("居委会", "社区"))


def place_aliases(name: str) -> tuple[str, ...]:
    """A region's name and the shorter names offices write for it."""
    for suffix, replacement in _ALIAS_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return (name, name[: -len(suffix)] + replacement)
    return (name,)


def _county_names_of(region_ids: set[int]) -> dict[int, str]:
    """The full name of the county a region belongs to (the region's own above counties), by region id."""
    return {region_id: county.full_name for region_id, county in county_by_region(region_ids).items()}


def _blank(cells, watched: frozenset[int] = frozenset()) -> bool:
    """An empty row (skipped, not counted): a control character in a column read (`watched`) is not nothing, but
    a reason to refuse the row. Cheap: most rows are decided by their first cell."""
    for index, cell in enumerate(cells):
        if cell is None or cell == "":
            continue
        if cell.__class__ is not str:
            return False
        first = cell[0]
        # A visible first character (not white space, not a control character clean_text drops) decides.
        if first > " " and first != "\x7f" and not first.isspace():
            return False
        if clean_text(cell) or (index in watched and holds_cell_control(cell)):
            return False
    return True


def control_character_errors(row_number: int, cells: Sequence[object], indices: Iterable[int], header: Sequence[object]) -> list[CellError]:
    """The errors of the cells at `indices` that hold a character no import accepts (orgs.common.text.CELL_CONTROL_RE),
    each named by the file's own header, its value shown with the control characters written out."""
    errors = []
    for index in sorted(indices):
        problem = cell_control_problem(cells[index]) if index < len(cells) else None
        if problem is not None:
            title = " ".join(visible_control_characters(str(header[index])).split()) if index < len(header) else ""
            errors.append(CellError(row_number, title, *problem))
    return errors


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueProblem(_("应填“是”或“否”"))


def validate_row(row_number: int, cells: list[object], positions: dict[str, int], scope: ImportScope, today: dt.date):
    """Normalises one row; returns (values, id_number, errors)."""
    errors: list[CellError] = []
    values: dict = {}

    def cell(key: str) -> object:
        index = positions.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def fail(key: str, raw: object, reason: str) -> None:
        value = clean_text(raw)
        if key == "id_number" and len(value) >= 5:
            value = mask_document(value)  # most likely someone's document with a typo: masked, as numbers are everywhere
        elif key == "phone":
            value = mask_phone_numbers(value)  # "139…/138…", "…转8": the numbers in it masked
        errors.append(CellError(row_number, COLUMN_BY_KEY[key].header, value, str(reason)))

    for key in ("name", "category", "region"):
        if not clean_text(cell(key)):
            fail(key, "", _("必填项为空"))

    name = clean_text(cell("name"))
    if len(name) > NAME_LIMIT:
        fail("name", name, _("姓名过长（最多 64 个字）"))
    values["name"] = name

    # 证件类型: blank is 居民身份证 (a file with only 身份证号码 means that); an unknown word leaves the type open.
    type_text = clean_text(cell("id_type"))
    id_type: str | None = DOCUMENT_WORDS.get(type_text.replace(" ", "").lower()) if type_text else RESIDENT_ID
    if id_type is None:
        fail("id_type", type_text, _("未知证件类型（可填：%(types)s）") % {"types": "、".join(TEMPLATE_DOCUMENTS)})
    values["id_type"] = id_type or RESIDENT_ID

    id_number = ""
    raw_id = cell("id_number")
    try:
        id_text = cell_as_identifier(raw_id)
        if not id_text:
            fail("id_number", "", _("必填项为空"))
        elif id_type is not None:
            id_number = validate_document(id_type, id_text, today=today)
    except (ValueProblem, IdentifierError) as error:
        fail("id_number", raw_id, str(error))
    # The number gives birth date and sex (resident IDs, residence permits, the 2023 permanent residence ID);
    # other documents do not, and the row must give them.
    from_number = bool(id_number) and document_gives_birth(values["id_type"], id_number)
    needs_facts = id_type is not None and not from_number and (bool(id_number) or id_type not in (*NUMBER_GIVES_BIRTH, FOREIGN_PR))

    gender_text = clean_text(cell("gender")).lower()
    gender: str | None = GENDER_WORDS.get(gender_text) if gender_text else None
    if gender_text and gender is None:
        fail("gender", gender_text, _("应填“男”或“女”"))
    if from_number:
        implied = resident_id_gender(id_number)
        if gender and gender != implied:
            fail("gender", gender_text, _("与证件号码中的性别（%(gender)s）不一致") % {"gender": Gender(implied).label})
        gender = gender or implied
    elif needs_facts and not gender_text:
        fail("gender", "", _("此证件号码不含性别，请填写性别"))
    values["gender"] = gender

    birth: dt.date | BirthMonth | None = None
    raw_birth = cell("birth_date")
    try:
        birth = parse_birth(raw_birth)
    except ValueProblem as error:
        fail("birth_date", raw_birth, str(error))
    if from_number:
        implied_birth = resident_id_birth_date(id_number)
        if isinstance(birth, BirthMonth):
            # 出生年月 only: checked against the number, the date stored is the number's
            if (birth.year, birth.month) != (implied_birth.year, implied_birth.month):
                fail("birth_date", raw_birth, _("与证件号码中的出生年月 %(month)s 不一致") % {"month": f"{implied_birth:%Y-%m}"})
            birth = implied_birth
        elif birth and birth != implied_birth:
            fail("birth_date", raw_birth, _("与证件号码中的出生日期 %(date)s 不一致") % {"date": implied_birth.isoformat()})
        birth = birth or implied_birth
    elif isinstance(birth, BirthMonth):
        if needs_facts:
            fail("birth_date", raw_birth, _("此证件号码不含出生日期，请填写完整的出生日期（年月日）"))
        birth = None  # without a number that gives the day nothing does; the number's own error is reported
    elif birth and birth > today:
        fail("birth_date", raw_birth, _("出生日期晚于今天"))
    elif birth is None and needs_facts and not clean_text(raw_birth):
        fail("birth_date", "", _("此证件号码不含出生日期，请填写出生日期"))
    values["birth_date"] = birth

    category_text = clean_text(cell("category"))
    if category_text:
        category = CATEGORY_WORDS.get(category_text.replace(" ", ""))
        if category is None:
            fail("category", category_text, _("未知类别（可填：归侨、侨眷、华侨、外籍华人、留学人员、留学人员眷属）"))
        values["category"] = category

    region_text = clean_text(cell("region"))
    if region_text:
        region_id = scope.region_id(region_text)
        if region_id is None:
            fail("region", region_text, UNKNOWN_REGION)  # explained once for the whole file, after the loop
        values["region_id"] = region_id

    unit_text = clean_text(cell("unit"))
    values["unit_id"] = None
    if unit_text:
        candidates = scope.units_by_name.get(unit_text, [])
        if not candidates:
            fail("unit", unit_text, UNKNOWN_UNIT)  # a unit to create, if the user confirms (new_units.py)
        elif len(candidates) > 1:
            fail("unit", unit_text, _("有 %(n)d 个同名单位，请在单位名录中区分名称") % {"n": len(candidates)})
        else:
            values["unit_id"] = candidates[0][0]

    values["country"] = clean_text(cell("country"))[:COUNTRY_LIMIT]
    if values["id_type"] == PASSPORT and not values["country"]:
        fail("country", "", _("持护照登记的须填写侨居国(地区)"))
    raw_phone = cell("phone")
    try:
        values["phone"] = validate_phone(clean_text(raw_phone))[:PHONE_LIMIT]
    except IdentifierError as error:
        fail("phone", raw_phone, str(error))
    for key in FLAG_KEYS:
        raw = cell(key)
        try:
            values[key] = _flag(clean_text(raw))
        except ValueProblem as error:
            fail(key, raw, str(error))
    values["notes"] = clean_text(cell("notes"))[:NOTES_LIMIT]
    return values, id_number, errors


def run_census_import(
    path: Path,
    original_name: str,
    *,
    user,
    campaign: Campaign,
    commit: bool,
    valid_only: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    record: CensusImport | None = None,
    keep: Path | None = None,
    checksum: str = "",
    sheet: str = "",
    mapping: dict[str, str] | None = None,
    create_units: bool = False,
    accept_duplicates: bool = False,
    on_written: Callable[[ImportOutcome], None] | None = None,
    findings: Future[Checked | None] | None = None,
) -> ImportOutcome:
    """Checks a census file and, when `commit`, stores it (all-or-nothing unless `valid_only`).

    A commit needs the import's `record`: the people it registers point to it (their history shows
    who imported which file when), and the history of the people it changes names it.

    With `keep` (a path beside the upload) and the upload's `checksum`, a preview keeps what it found
    there and a commit starts from it instead of validating every row again, provided the file, the
    day, the importer, the campaign and the importer's scope are still those of the preview.

    `sheet` names the workbook's sheet to read; empty: the first sheet that has a header. `mapping` says
    what the file's headers mean (header text -> schema key, or "" to ignore the column; columns.map_headers).

    A commit creates the units the file names and the directory lacks only with `create_units` (else their
    rows are refused), and registers people who may be someone registered under another document only with
    `accept_duplicates` (else nothing is written and `outcome.held` says why).

    `on_written(outcome)` runs inside the transaction that writes the rows, after them: what records the commit
    (the import marked committed, its audit entry) is stored with the rows or not at all.

    `findings`: the findings at `keep`, being read already (findings_load_meanwhile(keep)); else a commit reads them."""
    if commit and record is None:
        raise TypeError("run_census_import(commit=True) needs the CensusImport record")
    with _collector_paused():
        return _run(
            path, original_name, user=user, campaign=campaign, commit=commit, valid_only=valid_only, today=today,
            progress=progress, record=record, keep=keep, checksum=checksum, sheet=sheet, mapping=dict(mapping or {}),
            create_units=create_units, accept_duplicates=accept_duplicates, on_written=on_written, findings=findings,
        )


@contextmanager
def _collector_paused():
    """Pauses Python's cyclic garbage collector: building a hundred thousand rows of small objects (which
    form no cycles) otherwise triggers full collections that walk them again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(
    path, original_name, *, user, campaign, commit, valid_only, today, progress, record, keep, checksum, sheet, mapping,
    create_units, accept_duplicates, on_written=None, findings=None,
) -> ImportOutcome:
    today = today or timezone.localdate()
    scope = ImportScope(user)
    encrypt, keyed_hash = encryptor()
    fingerprint = scope_fingerprint(scope) if keep is not None and checksum else ""
    # the scheme too: the kept ID hashes are of the key and cipher current at preview time
    binding = {
        "checksum": checksum, "today": today, "user_id": getattr(user, "pk", None), "campaign_id": campaign.pk, "scope": fingerprint,
        "sheet": sheet, "mapping": mapping, "scheme": current_prefix(),
    }

    found = None
    if commit and fingerprint:
        found = findings.result() if findings is not None else checked_load(keep, IMPORT_FIELDS)
    known: set[str] | None = None  # with the preview's findings: the IDs registered at preview time
    if found is not None and found.matches(**binding):
        outcome = ImportOutcome(ignored_headers=list(found.ignored_headers), header=list(found.header), rows=found.rows,
                                reading=dict(found.reading))
        outcome.errors = [CellError(*e) for e in found.errors]
        outcome.invalid_rows = dict(found.invalid_rows)
        columns = found.valid
        valid = ValidRows(columns["row"], columns["id_number"], columns["id_hash"], {k: columns[k] for k in IMPORT_FIELDS})
        known = set(found.known)
        lookup = RegistryLookup([h for h in valid.id_hash if h in known], earlier_hashes=found.earlier_hashes)
        if progress:
            progress(outcome.rows)
    else:
        outcome, valid, lookup = _validate_file(
            path, original_name, scope=scope, today=today, keyed_hash=keyed_hash, progress=progress, sheet=sheet, mapping=mapping
        )
    findings = (list(outcome.errors), dict(outcome.invalid_rows))  # before matching: what the file alone says
    unit_listing: list[dict] = outcome.reading.get("new_units") or []
    if commit and unit_listing and not create_units:
        valid = _refuse_new_unit_rows(outcome, valid, unit_listing)

    # What depends on the registry now: people already registered (here: update; elsewhere: refused).
    # Starting from a preview, only the people registered then are looked up again; anyone registered
    # since then under one of the "new" IDs makes the insert fail on the unique ID hash (see below).
    existing = lookup.people(valid.id_hash if known is None else [h for h in valid.id_hash if h in known])
    existing = _found_under_earlier_schemes(valid, existing, lookup)
    saving = None  # the findings are sealed and written while the 可能重复 check below runs
    if not commit and fingerprint:
        errors, invalid_rows = findings
        saving = _keep_findings_meanwhile(
            keep,
            Checked(
                **binding, rows=outcome.rows, ignored_headers=outcome.ignored_headers, header=outcome.header,
                reading=outcome.reading,
                valid=valid.as_columns(),
                errors=[(e.row, e.column, e.value, e.reason) for e in errors],
                invalid_rows=invalid_rows,
                known=sorted(existing),
                earlier_hashes=lookup.has_earlier_hashes(),
            ),
            IMPORT_FIELDS,
        )
    foreign_region_ids = {
        e["region_id"] for e in existing.values() if not _editable(scope, e)
    }
    county_of = _county_names_of(foreign_region_ids)
    changed_rows: list[tuple[dict, dict, dict]] = []  # (the row's values, the stored person, what differs)
    unchanged_ids: list[int] = []
    registered = [i for i, id_hash in enumerate(valid.id_hash) if id_hash in existing] if existing else []
    for index in registered:
        current, values = existing[valid.id_hash[index]], valid.values_at(index)
        if not _editable(scope, current):
            outcome.errors.append(
                CellError(valid.row[index], COLUMN_BY_KEY["id_number"].header, mask_document(valid.id_number[index]),
                          _("此人已在%(county)s登记，请联系该县办理迁移") % {"county": county_of.get(current["region_id"], "")})
            )
            outcome.invalid_rows[valid.row[index]] = []
            continue
        difference = {k: values[k] for k in COMPARED_FIELDS if current[k] != values[k]}
        # the phone by its keyed hash (the stored number is encrypted: a new ciphertext every time); a hash of an
        # earlier scheme, not yet rotated (orgs.common.crypto), is the same number
        if values["phone"] != "" and current["phone_hash"] != keyed_hash(values["phone"]):
            if current["phone_hash"] not in {hasher(values["phone"]) for hasher in hashers()[1:]}:
                difference["phone"] = values["phone"]
        elif values["phone"] == "" and current["phone_hash"] != "":
            difference["phone"] = ""
        if difference:
            changed_rows.append((values, current, difference))
        else:
            unchanged_ids.append(current["id"])
    if registered:
        taken = set(registered)
        new_rows = valid.take([i for i in range(len(valid)) if i not in taken])
    else:
        new_rows = valid
    if not (commit and accept_duplicates):  # accepted: the preview's warnings stand, not looked for again
        outcome.warnings_checked = True
        outcome.warnings = possible_duplicates(
            new_rows.row, new_rows.id_hash, new_rows.values["name"], new_rows.values["birth_date"], new_rows.values["gender"],
            new_rows.values["region_id"], new_rows.values["id_type"], column=COLUMN_BY_KEY["name"].header,
        )
    if saving is not None:
        saving.result()  # written (or given up, see _keep_findings) before the preview reports

    outcome.invalid = len(outcome.invalid_rows)
    outcome.new, outcome.updated, outcome.unchanged = len(new_rows), len(changed_rows), len(unchanged_ids)
    outcome.errors.sort(key=lambda e: e.row)
    _fill_invalid_cells(outcome, path, original_name, sheet, mapping)

    if not commit or (outcome.invalid and not valid_only):
        return outcome
    if outcome.invalid and not (new_rows or changed_rows or unchanged_ids):
        return outcome  # "valid rows only", but none is valid: nothing to write
    if outcome.warnings and not accept_duplicates:
        outcome.held = _("有 %(n)d 行可能与已登记人员或文件中其他行是同一人，未写入任何数据：请核对后确认导入") % {"n": len(outcome.warnings)}
        return outcome
    if not campaign.is_open:
        raise ValueError(_("调查“%(name)s”已结束，不能再导入") % {"name": campaign.name})
    try:
        with transaction.atomic():
            census_lock_check(_regions_written(new_rows, changed_rows, unchanged_ids, existing))
            _write(
                outcome, new_rows, changed_rows, unchanged_ids, user=user, campaign=campaign, encrypt=encrypt,
                keyed_hash=keyed_hash, record=record,
                unit_listing=unit_listing if create_units else [],
            )
            if on_written is not None:
                on_written(outcome)
    except CensusLocked as locked:
        # Nothing written; the preview stands, to be committed once the superior has reopened the county.
        outcome.held = locked.lock.message
        return outcome
    except IntegrityError:
        if known is None:
            raise
        # Someone registered one of the "new" people after the preview (the write was rolled back as a
        # whole): check the file again against the registry as it is now.
        return run_census_import(
            path, original_name, user=user, campaign=campaign, commit=True, valid_only=valid_only, today=today,
            progress=progress, record=record, sheet=sheet, mapping=mapping, create_units=create_units,
            accept_duplicates=accept_duplicates, on_written=on_written,
        )
    return outcome


def _found_under_earlier_schemes(valid: ValidRows, existing: dict[str, dict], lookup: RegistryLookup) -> dict[str, dict]:
    """`existing` with the people of the other rows found by an earlier scheme's hash (stored before a key or
    cipher change, not yet rewritten by rotate_keys), under the row's current hash. Only asked while such rows are
    stored: otherwise nothing is computed."""
    missing = [i for i, digest in enumerate(valid.id_hash) if digest not in existing]
    if not missing or not lookup.has_earlier_hashes():
        return existing
    current_of: dict[str, str] = {}
    id_types = valid.values["id_type"]
    for hasher in hashers()[1:]:
        for index in missing:
            current_of[hasher(document_key(id_types[index], valid.id_number[index]))] = valid.id_hash[index]
    found = lookup.people(list(current_of))
    return {**existing, **{current_of[digest]: person for digest, person in found.items()}}


def _regions_written(new_rows: ValidRows, changed_rows: list, unchanged_ids: list[int], existing: dict[str, dict]) -> set[int]:
    """Every region whose census rows a commit would write: where new people land, where changed people were and
    go, and where the people it only marks verified live."""
    regions = set(new_rows.values["region_id"])
    for values, current, _difference in changed_rows:
        regions.update((current["region_id"], values["region_id"]))
    if unchanged_ids:
        unchanged = set(unchanged_ids)
        regions.update(person["region_id"] for person in existing.values() if person["id"] in unchanged)
    return regions


def _refuse_new_unit_rows(outcome: ImportOutcome, valid: ValidRows, unit_listing: list[dict]) -> ValidRows:
    """Without the user's confirmation no unit is created: the rows naming one are refused, as always."""
    held = [i for i, unit_id in enumerate(valid.values["unit_id"]) if is_placeholder(unit_id)]
    if not held:
        return valid
    column = COLUMN_BY_KEY["unit"].header
    for index in held:
        name = unit_listing[-valid.values["unit_id"][index] - 1]["name"]
        outcome.errors.append(CellError(valid.row[index], column, name, str(UNIT_MISSING)))
        outcome.invalid_rows[valid.row[index]] = []  # its cells are read again for the error report
    kept = set(held)
    return valid.take([i for i in range(len(valid)) if i not in kept])


def _meanwhile(task: Callable[..., T], *args) -> Future[T]:
    """`task(*args)` in a thread of its own, for work that runs mostly outside the GIL (SM4 over a whole file, the
    database's index probes); the Future's result() waits for it and raises what it raised."""
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
    try:
        return worker.submit(task, *args)
    finally:
        worker.shutdown(wait=False)  # the thread ends with its one task


def _keep_findings_meanwhile(path: Path, checked: Checked, fields: tuple[str, ...]) -> Future[None]:
    """`_keep_findings` beside the caller's work: the sealing (SM4, about 0.2 s for 100,000 rows) runs outside the
    GIL. `checked` must not change meanwhile (the preview does not touch what it holds)."""
    return _meanwhile(_keep_findings, path, checked, fields)


def findings_load_meanwhile(path: Path) -> Future[Checked | None]:
    """The preview's findings kept at `path` (checked_load), opened beside the caller's work: a commit starts reading
    them (SM4, about 0.15 s for 100,000 rows) while the upload is opened and its checksum taken. For
    run_census_import(findings=…)."""
    return _meanwhile(checked_load, path, IMPORT_FIELDS)


def _keep_findings(path: Path, checked: Checked, fields: tuple[str, ...]) -> None:
    """Keeps the preview's findings; if they cannot be written the commit simply validates again."""
    try:
        checked_save(path, checked, fields)
    except OSError:
        Path(path).unlink(missing_ok=True)


def _validate_file(
    path: Path, original_name: str, *, scope: ImportScope, today: dt.date, keyed_hash, progress, sheet: str = "",
    mapping: dict[str, str] | None = None,
) -> tuple[ImportOutcome, ValidRows, RegistryLookup]:
    """Reads and validates every row: the column-wise fast path decides the plainly valid rows, the
    others go through `validate_row` for their exact errors. Errors of rows refused for a reason
    found only in the registry (registered elsewhere) are added later by the caller."""
    opened = open_census_file(Path(path), original_name, sheet=sheet or None, mapping=mapping)
    positions, ignored = map_headers(opened.header, mapping)
    outcome = ImportOutcome(ignored_headers=ignored, header=list(opened.header))
    skipped: dict[str, list[int]] = {}
    id_index = positions.get("id_number")
    watched = frozenset(positions.values())
    read: list[tuple[int, list[object]]] = []
    for row_number, cells in opened.rows:
        if _blank(cells, watched):
            continue
        # A row without an ID may be a 合计 row or a note under the table, not a person.
        if id_index is not None and (id_index >= len(cells) or cells[id_index] in ("", None)):
            reason = skip_reason(cells)
            if reason:
                skipped.setdefault(reason, []).append(row_number)
                continue
        read.append((row_number, cells))
        if progress and len(read) % CHUNK == 0:
            progress(len(read))
    outcome.rows = len(read)
    outcome.reading = {
        "sheet": opened.sheet, "sheets": list(opened.sheets), "header_row": opened.header_row,
        "encoding": opened.encoding, "skipped": skipped,
    }
    # The registry is searched for the IDs as written while the rows are checked; IDs that only the
    # checks normalise (spaces, lower-case x, full-width digits …) are looked up afterwards.
    hash_of = _hashes_of_plain_ids([cells for _, cells in read], positions.get("id_number"), keyed_hash)
    lookup = RegistryLookup(list(hash_of.values()), background=True)
    checked = fast_rows([cells for _, cells in read], positions, scope, today)
    ids, columns = checked.ids, checked.columns

    # A control character in a cell read (not a line break: clean_text folds those) refuses its row, whatever
    # else the row is; a doubted row adds the reference validator's errors.
    errors_of: dict[int, list[CellError]] = {
        index: control_character_errors(read[index][0], read[index][1], watched, opened.header) for index in checked.controlled
    }
    # Rows the columns doubt: the reference validator gives their values or their exact errors.
    new_units = NewUnits()
    for index in sorted(checked.doubtful):
        row_number, cells = read[index]
        values, ids[index], errors = validate_row(row_number, list(cells), positions, scope, today)
        errors = errors_of.get(index, []) + errors
        columns["id_type"][index] = values["id_type"]  # kept with the number, for the duplicates below
        if errors and all(error.reason == UNKNOWN_UNIT for error in errors):
            # only its unit is missing from the directory: a unit to create, if the user confirms
            values["unit_id"] = new_units.placeholder(errors[0].value, values["region_id"], row_number)
            errors = []
        if errors:
            errors_of[index] = errors
        else:
            for key, value in values.items():
                columns[key][index] = value
    # The same document twice in the file: the later rows are refused, naming the first (which keeps the
    # document even when it is refused for another reason).
    types = columns["id_type"]
    first_row_of: dict[str, int] = {}
    if len(set(filter(None, ids))) < len(ids) - ids.count(""):
        for index, id_number in enumerate(ids):
            if not id_number:
                continue
            first = first_row_of.setdefault(document_key(types[index], id_number), read[index][0])
            if first != read[index][0]:
                errors_of.setdefault(index, []).append(
                    CellError(read[index][0], COLUMN_BY_KEY["id_number"].header, mask_document(id_number),
                              _("与第 %(row)d 行证件号码重复") % {"row": first})
                )
    for index in sorted(errors_of):
        row_number, cells = read[index]
        outcome.errors.extend(errors_of[index])
        outcome.invalid_rows[row_number] = list(cells)
    explain_unknowns(outcome.errors, scope)
    outcome.reading["new_units"] = new_units.listing(scope)
    rows = [row_number for row_number, _cells in read]
    valid = ValidRows(rows, ids, [], columns)
    if errors_of:
        valid = valid.take([i for i in range(len(read)) if i not in errors_of])
    valid.id_hash = [
        (hash_of.get(number) if id_type == RESIDENT_ID else None) or keyed_hash(document_key(id_type, number))
        for number, id_type in zip(valid.id_number, valid.values["id_type"])
    ]
    return outcome, valid, lookup


def _hashes_of_plain_ids(rows: list[list[object]], index: int | None, keyed_hash) -> dict[str, str]:
    """Keyed hash by ID for the cells that are a resident ID as they stand (no cleaning needed)."""
    if index is None:
        return {}
    fullmatch = ID_SHAPE.fullmatch
    plain = {cell for cells in rows if index < len(cells) and (cell := cells[index]).__class__ is str and fullmatch(cell)}
    return {number: keyed_hash(number) for number in plain}


PLACE_CANDIDATES_SHOWN = 5


UNIT_MISSING = gettext_lazy("单位不存在或不在您的管辖范围内，请先在单位名录中登记，或在确认导入时选择新建")


def explain_unknowns(errors: list[CellError], scope: ImportScope) -> None:
    """Says what is wrong with each unit the directory lacks (units to create are not errors until the commit
    is not confirmed: new_units.py), and for each unknown place why: a name several regions of the scope go by (listing them with their
    codes), a region outside the scope, or none by that name (suggesting the closest names in the scope).
    One query, and each distinct text judged once."""
    for index, error in enumerate(errors):
        if error.reason == UNKNOWN_UNIT:
            errors[index] = CellError(error.row, error.column, error.value, str(UNIT_MISSING))
    unknown = {e.value for e in errors if e.reason == UNKNOWN_REGION}
    if not unknown:
        return
    texts = {t.replace(" ", "") for t in unknown}
    existing = set(
        Region.objects.filter(Q(code__in=texts) | Q(full_name__in=texts) | Q(name__in=texts))
        .values_list("code", "full_name", "name")
        .iterator()
    )
    existing_texts = {text for row in existing for text in row}
    reasons: dict[str, str] = {}
    for text in unknown:
        compact = text.replace(" ", "")
        several = scope.regions_named(compact)
        if len(several) > 1:
            reasons[text] = _("有 %(n)d 个区划都叫“%(value)s”：%(candidates)s，请填区划代码或全称") % {
                "n": len(several), "value": compact, "candidates": _labels(scope, several[:PLACE_CANDIDATES_SHOWN]),
            }
        elif compact in existing_texts:
            reasons[text] = _("区划不在您的管辖范围内")
        elif close := scope.closest_regions(compact):
            reasons[text] = _("区划不存在；您是否要填：%(candidates)s") % {"candidates": _labels(scope, close)}
        else:
            reasons[text] = _("区划不存在（请填区划代码或全称）")
    for index, error in enumerate(errors):
        if error.reason == UNKNOWN_REGION:
            errors[index] = CellError(error.row, error.column, error.value, reasons[error.value])


def _labels(scope: ImportScope, region_ids: list[int]) -> str:
    return "、".join(f"{scope.region_label[r][1]}（{scope.region_label[r][0]}）" for r in region_ids)


def _editable(scope: ImportScope, person: dict) -> bool:
    if scope.scope.is_admin:
        return True
    return any(r.contains(person["region__tree_id"], person["region__lft"], person["region__rght"]) for r in scope.scope.editable)


def _column_of(model: type[Model], name: str) -> str:
    """The database column of one of the model's concrete fields."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None  # a concrete field, not a reverse relation
    return field.column


class RegistryLookup:
    """The registered people with given ID hashes, with their region's tree position (looked up once
    per distinct region, not joined per person).

    With `background` on PostgreSQL the look-up runs in a thread of its own (`_meanwhile`) on the caller's own database
    connection (psycopg connections are thread-safe and serialise their use; the thread sees the
    caller's transaction), so the index probes of a hundred thousand hashes overlap the column checks
    the caller goes on with. `people()` waits for it and looks up any hash it was not given."""

    # The stored data fields: the phone by its keyed hash and masked form (as "phone": the history's "before").
    FIELDS = ("id", "id_number_hash", *COMPARED_FIELDS, "phone_hash", "phone_masked")

    def __init__(self, hashes: list[str], *, background: bool = False, earlier_hashes: bool | None = None):
        self.asked = set(hashes)
        self.found: dict[str, dict] = {}
        # whether the registry holds rows of an earlier key or cipher (registry_has_earlier_hashes): given (by the
        # preview's findings), asked in the background after the people, or asked when first needed
        self.earlier: bool | None = earlier_hashes
        self.pending: Future[None] | None = None
        if background and hashes and connection.vendor == "postgresql":
            connection.ensure_connection()
            self.pending = _meanwhile(self._fetch_in_background, connection.connection, list(hashes))
        else:
            self.found = self._fetch(hashes)

    def _join(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()  # raises here, in the caller's thread, what the look-up raised

    def has_earlier_hashes(self) -> bool:
        self._join()
        if self.earlier is None:
            self.earlier = registry_has_earlier_hashes()
        return self.earlier

    def people(self, hashes: list[str]) -> dict[str, dict]:
        self._join()
        found = {h: self.found[h] for h in hashes if h in self.found}
        found.update(self._fetch([h for h in hashes if h not in self.asked]))
        found.update(self._linked([h for h in hashes if h not in found]))
        region_ids = {person["region_id"] for person in found.values()}
        places = {}
        for chunk in chunks(sorted(region_ids), CHUNK):
            places.update({r[0]: r[1:] for r in Region.objects.filter(pk__in=chunk).values_list("id", "tree_id", "lft", "rght")})
        for person in found.values():
            person["region__tree_id"], person["region__lft"], person["region__rght"] = places[person["region_id"]]
            person["phone"] = person["phone_masked"]
        return found

    @classmethod
    def _linked(cls, hashes: list[str]) -> dict[str, dict]:
        """The people holding these documents as a further, linked one (PersonDocument), by the document's
        hash. Few people have one: the look-up is skipped when nobody does."""
        if not hashes or not PersonDocument.objects.exists():
            return {}
        holder: dict[str, int] = {}
        for chunk in chunks(hashes, CHUNK * 4):
            holder.update(PersonDocument.objects.filter(number_hash__in=chunk).values_list("number_hash", "person_id"))
        people = {p["id"]: p for p in Person.objects.filter(pk__in=set(holder.values())).values(*cls.FIELDS)}
        return {document_hash: dict(people[person_id]) for document_hash, person_id in holder.items()}

    def _fetch_in_background(self, raw_connection, hashes: list[str]) -> None:
        with raw_connection.cursor() as cursor:
            self.found = self._fetch(hashes, cursor=cursor)
            if self.earlier is None:  # a scan of the registry: while the caller checks columns, not after
                self.earlier = registry_has_earlier_hashes(cursor=cursor)

    @classmethod
    def _fetch(cls, hashes: list[str], *, cursor=None) -> dict[str, dict]:
        found: dict[str, dict] = {}
        if not hashes:
            return found
        if connection.vendor != "postgresql":
            for chunk in chunks(hashes, CHUNK * 4):
                for person in Person.objects.filter(id_number_hash__in=chunk).values(*cls.FIELDS):
                    found[person["id_number_hash"]] = person
            return found
        quote = connection.ops.quote_name
        columns = ", ".join(quote(_column_of(Person, f)) for f in cls.FIELDS)
        # One text parameter per 5,000 hashes, split by the server: adapting a list of strings costs more. Not more
        # per query: from about 20,000 hashes on a million people the planner reads the whole table in parallel
        # workers instead of probing the unique index (0.45 s and three processes per query against 0.04 s).
        sql = f"SELECT {columns} FROM {quote(Person._meta.db_table)} WHERE {quote('id_number_hash')} = ANY(string_to_array(%s, ','))"
        with nullcontext(cursor) if cursor is not None else connection.cursor() as active:
            for chunk in chunks(hashes, CHUNK):
                active.execute(sql, [",".join(chunk)])
                for values in active.fetchall():
                    found[values[1]] = dict(zip(cls.FIELDS, values))
        return found


def _fill_invalid_cells(outcome: ImportOutcome, path: Path, original_name: str, sheet: str = "", mapping: dict[str, str] | None = None) -> None:
    """Rows refused only after matching (registered elsewhere) have no cells kept yet: re-read them."""
    missing = {row for row, cells in outcome.invalid_rows.items() if not cells}
    if not missing:
        return
    for row_number, cells in open_census_file(Path(path), original_name, sheet=sheet or None, mapping=mapping).rows:
        if row_number in missing:
            outcome.invalid_rows[row_number] = list(cells)


@transaction.atomic
def _write(outcome, new_rows, changed_rows, unchanged_ids, *, user, campaign, encrypt, keyed_hash, record, unit_listing) -> None:
    """Stores the rows. New people point to the import's record (their registration in the history);
    a changed person gets a history row with the changes. The units of `unit_listing` (confirmed by the user)
    are registered first, and the rows' placeholders become their ids."""
    if unit_listing:
        created = new_units_create(unit_listing, editor=user)
        outcome.created_units = len(created)
        new_rows.values["unit_id"] = [created.get(u, u) if u is not None else None for u in new_rows.values["unit_id"]]
        for values, _current, difference in changed_rows:
            values["unit_id"] = created.get(values["unit_id"], values["unit_id"])
            if "unit_id" in difference:
                difference["unit_id"] = values["unit_id"]
    now = timezone.now()
    actor_id = user.pk if user is not None else None
    note = _("导入 #%(id)d") % {"id": record.pk}
    person_columns = (
        *STORED_IMPORT_FIELDS, *PHONE_COLUMNS, "id_number_encrypted", "id_number_hash", "id_number_masked", "verified_campaign_id",
        "registered_by_import_id", "created_at", "updated_at",
    )
    event_columns = ("person_id", "kind", "at", "actor_id", "from_region_id", "to_region_id", "changes", "note")
    # In the order of the unique ID hash: its index is then filled page after page, not at random.
    # The rows are made as the COPY consumes them (zip and map are lazy): the database works meanwhile.
    ordered = new_rows.take(sorted(range(len(new_rows)), key=new_rows.id_hash.__getitem__))
    copy_insert(
        Person,
        person_columns,
        zip(
            *(ordered.values[k] for k in STORED_IMPORT_FIELDS),
            *(map(encode, ordered.values["phone"]) for encode in phone_column_encoders(encrypt, keyed_hash)),
            map(encrypt, ordered.id_number), ordered.id_hash,
            map(mask_document, ordered.id_number), *(repeat(value, len(ordered)) for value in (campaign.pk, record.pk, now, now)),
        ),
    )
    events: list[tuple] = []
    updates = []
    encoders = phone_column_encoders(encrypt, keyed_hash)
    for values, current, difference in changed_rows:
        phone = values["phone"]
        updates.append((current["id"], *(values[k] for k in COMPARED_FIELDS), *(encode(phone) for encode in encoders), campaign.pk, now))
        changes = history_changes(current, {**current, **difference}, difference)
        moved = "region_id" in difference
        events.append(
            (
                current["id"], PersonEventKind.TRANSFERRED if moved else PersonEventKind.IMPORTED, now, actor_id,
                current["region_id"] if moved else None, values["region_id"] if moved else None, changes, note,
            )
        )
        outcome.touched_region_ids.update((current["region_id"], values["region_id"]))
        outcome.touched_unit_ids.update(filter(None, (current["unit_id"], values["unit_id"])))
    values_update(Person, (*COMPARED_FIELDS, *PHONE_COLUMNS, "verified_campaign_id", "updated_at"), updates)
    for chunk in chunks(unchanged_ids, CHUNK):
        Person.objects.filter(pk__in=chunk).update(verified_campaign=campaign)
    copy_insert(PersonEvent, event_columns, events)
    outcome.touched_region_ids.update(new_rows.values["region_id"])
    outcome.touched_unit_ids.update(filter(None, new_rows.values["unit_id"]))
    outcome.written = True
    analyze_if_grown(Person, len(new_rows))
    regions, units = frozenset(outcome.touched_region_ids), frozenset(outcome.touched_unit_ids)
    transaction.on_commit(lambda: census_changed.send(sender=Person, region_ids=regions, unit_ids=units, campaign=campaign))
    # The campaign's headcounts take the import's own changes: a person per new row, and a move
    # (old place −1, new place +1) per changed row whose region, unit or category changed.
    counted = Counter(zip(new_rows.values["region_id"], new_rows.values["unit_id"], new_rows.values["category"]))
    for values, current, difference in changed_rows:
        if difference.keys() & {"region_id", "unit_id", "category"}:
            counted[(current["region_id"], current["unit_id"], current["category"])] -= 1
            counted[(values["region_id"], values["unit_id"], values["category"])] += 1
    headcounts_add(campaign=campaign, changes=counted)


