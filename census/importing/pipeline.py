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
import gc
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.bulk import analyze_if_grown, chunks, copy_insert, reserve_ids, values_update
from orgs.identifiers import (
    IdentifierError,
    mask_resident_id,
    resident_id_birth_date,
    resident_id_gender,
    validate_phone,
    validate_resident_id,
)
from orgs.models import Region, RegionLevel, Unit
from orgs.scoping import user_scope

from ..crypto import encryptor
from ..models import Campaign, Person, PersonEvent, PersonEventKind
from ..services.persons import history_changes
from ..signals import census_changed
from .checked import Checked, checked_load, checked_save, scope_fingerprint
from .columnar import fast_rows
from .columns import (
    CATEGORY_WORDS,
    COLUMN_BY_KEY,
    COUNTRY_LIMIT,
    FALSE_WORDS,
    FLAG_KEYS,
    GENDER_WORDS,
    NAME_LIMIT,
    NOTES_LIMIT,
    PHONE_LIMIT,
    TRUE_WORDS,
    map_headers,
)
from .reading import open_census_file
from .values import ValueProblem, cell_as_identifier, clean_text, parse_date

CHUNK = 5000
MAX_STORED_ERRORS = 500
UNKNOWN_REGION = "\x00unknown-region"
# Fields an import sets on a person; compared to decide updated / unchanged.
DATA_FIELDS = (
    "name", "gender", "birth_date", "category", "region_id", "unit_id", "country", "phone", *FLAG_KEYS, "notes",
)


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
    invalid_rows: dict[int, list[object]] = field(default_factory=dict)
    header: list[object] = field(default_factory=list)
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
class _Valid:
    row: int
    id_number: str
    id_hash: str
    values: dict


class ImportScope:
    """What the importer may import into, loaded once: editable regions by code and by full name,
    visible units by name, and the MPTT ranges to place existing people."""

    def __init__(self, user):
        self.user = user
        scope = user_scope(user)
        regions = Region.objects.editable_by(user).values_list("id", "code", "full_name", "name")
        self.region_by_code: dict[str, int] = {}
        self.region_by_name: dict[str, int] = {}
        for region_id, code, full_name, _name in regions.iterator(chunk_size=10000):
            self.region_by_code[code] = region_id
            self.region_by_name[full_name] = region_id
        self.units_by_name: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for unit_id, name, region_id in Unit.objects.editable_by(user).values_list("id", "name", "region_id").iterator(chunk_size=10000):
            self.units_by_name[name].append((unit_id, region_id))
        self.scope = scope

    def region_id(self, text: str) -> int | None:
        return self.region_by_code.get(text) or self.region_by_name.get(text.replace(" ", ""))


def _county_names_of(region_ids: set[int]) -> dict[int, str]:
    """The county (or the nearest level above a village) a region belongs to, by region id: two queries."""
    if not region_ids:
        return {}
    places = list(Region.objects.filter(pk__in=region_ids).values_list("id", "tree_id", "lft", "rght", "level", "full_name"))
    counties = list(
        Region.objects.filter(level=RegionLevel.COUNTY, tree_id__in={p[1] for p in places}).values_list("tree_id", "lft", "rght", "full_name")
    )
    named: dict[int, str] = {}
    for region_id, tree_id, lft, rght, level, full_name in places:
        match = next((c[3] for c in counties if c[0] == tree_id and c[1] <= lft and rght <= c[2]), None)
        named[region_id] = match or full_name
    return named


def _blank(cells) -> bool:
    """An empty row (skipped, not counted). Cheap: most rows are decided by their first cell."""
    for cell in cells:
        if cell is None or cell == "":
            continue
        if cell.__class__ is not str:
            return False
        first = cell[0]
        # A visible first character (not white space, not a control character clean_text drops) decides.
        if first > " " and first != "\x7f" and not first.isspace():
            return False
        if clean_text(cell):
            return False
    return True


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
        errors.append(CellError(row_number, COLUMN_BY_KEY[key].header, clean_text(raw), str(reason)))

    for key in ("name", "category", "region"):
        if not clean_text(cell(key)):
            fail(key, "", _("必填项为空"))

    name = clean_text(cell("name"))
    if len(name) > NAME_LIMIT:
        fail("name", name, _("姓名过长（最多 64 个字）"))
    values["name"] = name

    id_number = ""
    raw_id = cell("id_number")
    try:
        id_text = cell_as_identifier(raw_id)
        if not id_text:
            fail("id_number", "", _("必填项为空"))
        else:
            id_number = validate_resident_id(id_text, today=today)
    except (ValueProblem, IdentifierError) as error:
        fail("id_number", raw_id, str(error))

    gender_text = clean_text(cell("gender")).lower()
    gender = GENDER_WORDS.get(gender_text) if gender_text else None
    if gender_text and gender is None:
        fail("gender", gender_text, _("应填“男”或“女”"))
    if id_number:
        implied = resident_id_gender(id_number)
        if gender and gender != implied:
            fail("gender", gender_text, _("与身份证号码中的性别不一致"))
        gender = gender or implied
    values["gender"] = gender

    birth = None
    raw_birth = cell("birth_date")
    try:
        birth = parse_date(raw_birth)
    except ValueProblem as error:
        fail("birth_date", raw_birth, str(error))
    if id_number:
        implied_birth = resident_id_birth_date(id_number)
        if birth and birth != implied_birth:
            fail("birth_date", raw_birth, _("与身份证号码中的出生日期 %(date)s 不一致") % {"date": implied_birth.isoformat()})
        birth = birth or implied_birth
    elif birth and birth > today:
        fail("birth_date", raw_birth, _("出生日期晚于今天"))
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
            fail("unit", unit_text, _("单位不存在或不在您的管辖范围内，请先在单位名录中登记"))
        elif len(candidates) > 1:
            fail("unit", unit_text, _("有 %(n)d 个同名单位，请在单位名录中区分名称") % {"n": len(candidates)})
        else:
            values["unit_id"] = candidates[0][0]

    values["country"] = clean_text(cell("country"))[:COUNTRY_LIMIT]
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
    note: str = "",
    keep: Path | None = None,
    checksum: str = "",
) -> ImportOutcome:
    """Checks a census file and, when `commit`, stores it (all-or-nothing unless `valid_only`).

    With `keep` (a path beside the upload) and the upload's `checksum`, a preview keeps what it found
    there and a commit starts from it instead of validating every row again, provided the file, the
    day, the importer, the campaign and the importer's scope are still those of the preview."""
    with _collector_paused():
        return _run(
            path, original_name, user=user, campaign=campaign, commit=commit, valid_only=valid_only, today=today,
            progress=progress, note=note, keep=keep, checksum=checksum,
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


def _run(path, original_name, *, user, campaign, commit, valid_only, today, progress, note, keep, checksum) -> ImportOutcome:
    today = today or timezone.localdate()
    scope = ImportScope(user)
    encrypt, keyed_hash = encryptor()
    fingerprint = scope_fingerprint(scope) if keep is not None and checksum else ""
    binding = {"checksum": checksum, "today": today, "user_id": getattr(user, "pk", None), "campaign_id": campaign.pk, "scope": fingerprint}

    found = checked_load(keep, DATA_FIELDS) if commit and fingerprint else None
    known: set[str] | None = None  # with the preview's findings: the IDs registered at preview time
    if found is not None and found.matches(**binding):
        outcome = ImportOutcome(ignored_headers=list(found.ignored_headers), header=list(found.header), rows=found.rows)
        outcome.errors = [CellError(*e) for e in found.errors]
        outcome.invalid_rows = dict(found.invalid_rows)
        columns = found.valid
        valid = [
            _Valid(row, id_number, id_hash, dict(zip(DATA_FIELDS, values)))
            for row, id_number, id_hash, *values in zip(
                columns["row"], columns["id_number"], columns["id_hash"], *(columns[k] for k in DATA_FIELDS)
            )
        ]
        known = set(found.known)
        if progress:
            progress(outcome.rows)
    else:
        outcome, valid = _validate_file(path, original_name, scope=scope, today=today, keyed_hash=keyed_hash, progress=progress)
    findings = (list(outcome.errors), dict(outcome.invalid_rows))  # before matching: what the file alone says

    # What depends on the registry now: people already registered (here: update; elsewhere: refused).
    # Starting from a preview, only the people registered then are looked up again; anyone registered
    # since then under one of the "new" IDs makes the insert fail on the unique ID hash (see below).
    existing = _existing_by_hash([v.id_hash for v in valid if known is None or v.id_hash in known])
    if not commit and fingerprint:
        errors, invalid_rows = findings
        _keep_findings(
            keep,
            Checked(
                **binding, rows=outcome.rows, ignored_headers=outcome.ignored_headers, header=outcome.header,
                valid={
                    "row": [v.row for v in valid], "id_number": [v.id_number for v in valid], "id_hash": [v.id_hash for v in valid],
                    **{k: [v.values[k] for v in valid] for k in DATA_FIELDS},
                },
                errors=[(e.row, e.column, e.value, e.reason) for e in errors],
                invalid_rows=invalid_rows,
                known=sorted(existing),
            ),
            DATA_FIELDS,
        )
    foreign_region_ids = {
        e["region_id"] for e in existing.values() if not _editable(scope, e)
    }
    county_of = _county_names_of(foreign_region_ids)
    new_rows: list[_Valid] = []
    changed_rows: list[tuple[_Valid, dict, dict]] = []
    unchanged_ids: list[int] = []
    for item in valid:
        current = existing.get(item.id_hash)
        if current is None:
            new_rows.append(item)
            continue
        if not _editable(scope, current):
            outcome.errors.append(
                CellError(item.row, COLUMN_BY_KEY["id_number"].header, mask_resident_id(item.id_number),
                          _("此人已在%(county)s登记，请联系该县办理迁移") % {"county": county_of.get(current["region_id"], "")})
            )
            outcome.invalid_rows[item.row] = []
            continue
        difference = {k: item.values[k] for k in DATA_FIELDS if current[k] != item.values[k]}
        if difference:
            changed_rows.append((item, current, difference))
        else:
            unchanged_ids.append(current["id"])

    outcome.invalid = len(outcome.invalid_rows)
    outcome.new, outcome.updated, outcome.unchanged = len(new_rows), len(changed_rows), len(unchanged_ids)
    outcome.errors.sort(key=lambda e: e.row)
    _fill_invalid_cells(outcome, path, original_name)

    if not commit or (outcome.invalid and not valid_only):
        return outcome
    if outcome.invalid and not (new_rows or changed_rows or unchanged_ids):
        return outcome  # "valid rows only", but none is valid: nothing to write
    if not campaign.is_open:
        raise ValueError(_("调查“%(name)s”已结束，不能再导入") % {"name": campaign.name})
    try:
        _write(outcome, new_rows, changed_rows, unchanged_ids, user=user, campaign=campaign, encrypt=encrypt, note=note)
    except IntegrityError:
        if known is None:
            raise
        # Someone registered one of the "new" people after the preview (the write was rolled back as a
        # whole): check the file again against the registry as it is now.
        return run_census_import(
            path, original_name, user=user, campaign=campaign, commit=True, valid_only=valid_only, today=today,
            progress=progress, note=note,
        )
    return outcome


def _keep_findings(path: Path, checked: Checked, fields: tuple[str, ...]) -> None:
    """Keeps the preview's findings; if they cannot be written the commit simply validates again."""
    try:
        checked_save(path, checked, fields)
    except OSError:
        Path(path).unlink(missing_ok=True)


def _validate_file(path: Path, original_name: str, *, scope: ImportScope, today: dt.date, keyed_hash, progress) -> tuple[ImportOutcome, list[_Valid]]:
    """Reads and validates every row: the column-wise fast path decides the plainly valid rows, the
    others go through `validate_row` for their exact errors. Errors of rows refused for a reason
    found only in the registry (registered elsewhere) are added later by the caller."""
    sheet = open_census_file(Path(path), original_name)
    positions, ignored = map_headers(sheet.header)
    outcome = ImportOutcome(ignored_headers=ignored, header=list(sheet.header))
    read: list[tuple[int, list[object]]] = []
    for row_number, cells in sheet.rows:
        if _blank(cells):
            continue
        read.append((row_number, cells))
        if progress and len(read) % CHUNK == 0:
            progress(len(read))
    outcome.rows = len(read)
    quick, _ids = fast_rows([cells for _, cells in read], positions, scope, today)

    valid: list[_Valid] = []
    first_row_of: dict[str, int] = {}
    for (row_number, cells), plain in zip(read, quick):
        if plain is None:
            values, id_number, errors = validate_row(row_number, list(cells), positions, scope, today)
        else:
            (id_number, values), errors = plain, []
        if id_number:
            if id_number in first_row_of:
                errors.append(
                    CellError(row_number, COLUMN_BY_KEY["id_number"].header, mask_resident_id(id_number),
                              _("与第 %(row)d 行身份证号码重复") % {"row": first_row_of[id_number]})
                )
            else:
                first_row_of[id_number] = row_number
        if errors:
            outcome.errors.extend(errors)
            outcome.invalid_rows[row_number] = list(cells)
            continue
        valid.append(_Valid(row_number, id_number, keyed_hash(id_number), values))
    explain_unknown_regions(outcome.errors)
    return outcome, valid


def explain_unknown_regions(errors: list[CellError]) -> None:
    """Says for each unknown region whether it does not exist or lies outside the scope: one query."""
    unknown = {e.value for e in errors if e.reason == UNKNOWN_REGION}
    if not unknown:
        return
    texts = {t.replace(" ", "") for t in unknown}
    existing = set(Region.objects.filter(code__in=texts).values_list("code", flat=True)) | set(
        Region.objects.filter(full_name__in=texts).values_list("full_name", flat=True)
    )
    outside, missing = _("区划不在您的管辖范围内"), _("区划不存在（请填区划代码或全称）")
    for index, error in enumerate(errors):
        if error.reason == UNKNOWN_REGION:
            reason = outside if error.value.replace(" ", "") in existing else missing
            errors[index] = CellError(error.row, error.column, error.value, reason)


def _editable(scope: ImportScope, person: dict) -> bool:
    if scope.scope.is_admin:
        return True
    return any(r.contains(person["region__tree_id"], person["region__lft"], person["region__rght"]) for r in scope.scope.editable)


def _existing_by_hash(hashes: list[str]) -> dict[str, dict]:
    """The registered people with these ID hashes, with their region's tree position (looked up once
    per distinct region, not joined per person)."""
    found: dict[str, dict] = {}
    fields = ("id", "id_number_hash", *DATA_FIELDS)
    if connection.vendor == "postgresql":  # one array parameter per chunk instead of 20,000 placeholders
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {', '.join(quote(Person._meta.get_field(f).column) if f != 'id' else quote('id') for f in fields)} "
            f"FROM {quote(Person._meta.db_table)} WHERE {quote('id_number_hash')} = ANY(%s::varchar[])"
        )
        with connection.cursor() as cursor:
            for chunk in chunks(hashes, CHUNK * 4):
                cursor.execute(sql, [chunk])
                for values in cursor.fetchall():
                    found[values[1]] = dict(zip(fields, values))
    else:
        for chunk in chunks(hashes, CHUNK * 4):
            for person in Person.objects.filter(id_number_hash__in=chunk).values(*fields):
                found[person["id_number_hash"]] = person
    region_ids = {person["region_id"] for person in found.values()}
    places = {}
    for chunk in chunks(sorted(region_ids), CHUNK):
        places.update({r[0]: r[1:] for r in Region.objects.filter(pk__in=chunk).values_list("id", "tree_id", "lft", "rght")})
    for person in found.values():
        person["region__tree_id"], person["region__lft"], person["region__rght"] = places[person["region_id"]]
    return found


def _fill_invalid_cells(outcome: ImportOutcome, path: Path, original_name: str) -> None:
    """Rows refused only after matching (registered elsewhere) have no cells kept yet: re-read them."""
    missing = {row for row, cells in outcome.invalid_rows.items() if not cells}
    if not missing:
        return
    for row_number, cells in open_census_file(Path(path), original_name).rows:
        if row_number in missing:
            outcome.invalid_rows[row_number] = list(cells)


@transaction.atomic
def _write(outcome, new_rows, changed_rows, unchanged_ids, *, user, campaign, encrypt, note) -> None:
    now = timezone.now()
    actor_id = user.pk if user is not None else None
    person_columns = (*DATA_FIELDS, "id_number_encrypted", "id_number_hash", "id_number_masked", "verified_campaign_id", "created_at", "updated_at")
    event_columns = ("person_id", "kind", "at", "actor_id", "from_region_id", "to_region_id", "changes", "note")
    imported = PersonEventKind.IMPORTED.value
    pks = reserve_ids(Person, len(new_rows))  # PostgreSQL: ids up front, no look-up after the insert
    rows = (
        (*(item.values[k] for k in DATA_FIELDS), encrypt(item.id_number), item.id_hash,
         mask_resident_id(item.id_number), campaign.pk, now, now)
        for item in new_rows
    )
    events: list[tuple] = []
    if pks is not None:
        copy_insert(Person, ("id", *person_columns), ((pk, *values) for pk, values in zip(pks, rows)))
        events += [(pk, imported, now, actor_id, None, item.values["region_id"], {}, note) for pk, item in zip(pks, new_rows)]
    else:
        copy_insert(Person, person_columns, rows)
        hashes = [item.id_hash for item in new_rows]
        for chunk in chunks(hashes, CHUNK):
            created = Person.objects.filter(id_number_hash__in=chunk).values_list("pk", "region_id")
            events += [(pk, imported, now, actor_id, None, region_id, {}, note) for pk, region_id in created]
    updates = []
    for item, current, difference in changed_rows:
        updates.append((current["id"], *(item.values[k] for k in DATA_FIELDS), campaign.pk, now))
        changes = history_changes(current, {**current, **difference}, difference)
        moved = "region_id" in difference
        events.append(
            (
                current["id"], PersonEventKind.TRANSFERRED if moved else PersonEventKind.IMPORTED, now, actor_id,
                current["region_id"] if moved else None, item.values["region_id"] if moved else None, changes, note,
            )
        )
        outcome.touched_region_ids.add(current["region_id"])
        if current["unit_id"]:
            outcome.touched_unit_ids.add(current["unit_id"])
    values_update(Person, (*DATA_FIELDS, "verified_campaign_id", "updated_at"), updates)
    for chunk in chunks(unchanged_ids, CHUNK):
        Person.objects.filter(pk__in=chunk).update(verified_campaign=campaign)
    copy_insert(PersonEvent, event_columns, events)
    for item in [*new_rows, *(c[0] for c in changed_rows)]:
        outcome.touched_region_ids.add(item.values["region_id"])
        if item.values["unit_id"]:
            outcome.touched_unit_ids.add(item.values["unit_id"])
    outcome.written = True
    analyze_if_grown(Person, len(new_rows))
    analyze_if_grown(PersonEvent, len(events))
    regions, units = frozenset(outcome.touched_region_ids), frozenset(outcome.touched_unit_ids)
    transaction.on_commit(lambda: census_changed.send(sender=Person, region_ids=regions, unit_ids=units, campaign=campaign))
    from ..headcounts import headcounts_refresh

    headcounts_refresh(campaign=campaign, region_ids=regions, unit_ids=units)


