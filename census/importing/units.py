"""Importing the unit directory (单位名录) from a spreadsheet: 单位名称, 单位类别, 所在区划, 统一社会信用代码, 两新组织.

Files are read as census files are (reading.py: title and 填报单位 rows above the header, GBK or UTF-16 CSV, .xls
and .xlsx, totals and notes under the table passed over), with this module's columns. Every row is checked
against look-ups loaded once: the importer's regions (`ImportScope`: a place is a division code, a full name or a
name that one region of the scope goes by), and the units the rows may be, in one query by credit code and one by
name (in chunks). Nothing is looked up per row.

A row is an existing unit when its 统一社会信用代码 is that unit's, or else when the unit of that name is in that
region (the directory's unique key); it then updates the unit with what the row gives (a kind left blank keeps the
unit's kind). Any other row is a new unit: its kind, when blank, is read from its name (`unit_kind_for_name`), and
两新组织, when blank, follows the kind. A credit code is checked by GB 32100.

`unit_import_check` says what a file would do (the preview: nothing written); `unit_import_write` writes the rows a
check found valid, inside the caller's transaction: new units in bulk, changed ones in one bulk update."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from census.importing.columns import UNIT_SCHEMA, map_headers
from census.importing.new_units import unit_kind_for_name
from census.importing.pipeline import UNKNOWN_REGION, CellError, ImportScope, control_character_errors, explain_unknowns
from census.importing.reading import open_census_file, skip_reason
from census.importing.values import ValueProblem, cell_as_identifier, clean_text
from census.registry.services import organizations_follow_units
from orgs.common.bulk import chunks
from orgs.common.identifiers import IdentifierError, validate_uscc
from orgs.common.text import holds_cell_control
from orgs.regions.models import Region
from orgs.units.models import TWO_NEW_KINDS, Unit, UnitKind

UNIT_COLUMN = UNIT_SCHEMA.by_key
NAME_LIMIT = 128
LOOKUP_CHUNK = 2000
MAX_PLANNED = 200

# 单位类别 as offices write it: our labels, their values, and the words lists use.
KIND_WORDS: dict[str, str] = {str(label): value for value, label in UnitKind.choices}
KIND_WORDS.update({value: value for value in UnitKind.values})
KIND_WORDS.update({
    "党政机关": UnitKind.ORGAN, "机关单位": UnitKind.ORGAN, "行政机关": UnitKind.ORGAN, "国家机关": UnitKind.ORGAN,
    "中小学": UnitKind.SCHOOL, "中学": UnitKind.SCHOOL, "小学": UnitKind.SCHOOL, "幼儿园": UnitKind.SCHOOL,
    "高等院校": UnitKind.UNIVERSITY, "高等学校": UnitKind.UNIVERSITY, "大学": UnitKind.UNIVERSITY, "高职院校": UnitKind.UNIVERSITY,
    "科研单位": UnitKind.RESEARCH, "科研机构": UnitKind.RESEARCH, "研究院所": UnitKind.RESEARCH,
    "国有企业": UnitKind.ENTERPRISE, "国企": UnitKind.ENTERPRISE, "公司": UnitKind.ENTERPRISE,
    "事业": UnitKind.PUBLIC_INSTITUTION, "事业单位法人": UnitKind.PUBLIC_INSTITUTION,
    "园区": UnitKind.PARK, "工业园区": UnitKind.PARK, "产业园区": UnitKind.PARK, "开发区": UnitKind.PARK,
    "商务楼宇": UnitKind.BUILDING, "商务楼": UnitKind.BUILDING,
    "民营企业": UnitKind.NON_PUBLIC_ECONOMY, "私营企业": UnitKind.NON_PUBLIC_ECONOMY, "非公企业": UnitKind.NON_PUBLIC_ECONOMY,
    "非公有制企业": UnitKind.NON_PUBLIC_ECONOMY, "个体工商户": UnitKind.NON_PUBLIC_ECONOMY, "新经济组织": UnitKind.NON_PUBLIC_ECONOMY,
    "社会团体": UnitKind.SOCIAL_ORGANIZATION, "社团": UnitKind.SOCIAL_ORGANIZATION, "民办非企业单位": UnitKind.SOCIAL_ORGANIZATION,
    "社会服务机构": UnitKind.SOCIAL_ORGANIZATION, "新社会组织": UnitKind.SOCIAL_ORGANIZATION, "基金会": UnitKind.SOCIAL_ORGANIZATION,
})
YES_WORDS = frozenset({"是", "1", "y", "yes", "true", "√", "✓"})
NO_WORDS = frozenset({"否", "0", "n", "no", "false", "×", "不是"})


@dataclass
class UnitRow:
    """One valid row, normalised: what the unit will be. `kind` is None when the row left it blank (a new unit
    then takes the kind its name suggests), `is_two_new` None when blank (follows the kind)."""

    row: int
    name: str
    region_id: int
    kind: str | None
    credit_code: str
    is_two_new: bool | None
    unit_id: int | None = None  # the existing unit it updates
    changes: dict[str, list] = field(default_factory=dict)  # field -> [before, after] of an update


@dataclass
class UnitImportOutcome:
    """What a file does: its new, changed and unchanged units, and the rows refused with their reasons."""

    rows: int = 0
    new: list[UnitRow] = field(default_factory=list)
    updated: list[UnitRow] = field(default_factory=list)
    unchanged: list[UnitRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    invalid_rows: dict[int, list[object]] = field(default_factory=dict)
    header: list[object] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    reading: dict = field(default_factory=dict)
    region_label: dict[int, tuple[str, str]] = field(default_factory=dict)  # region id -> (code, full name)

    @property
    def invalid(self) -> int:
        return len(self.invalid_rows)

    def errors_by_row(self) -> dict[int, list[CellError]]:
        grouped: dict[int, list[CellError]] = defaultdict(list)
        for error in self.errors:
            grouped[error.row].append(error)
        return grouped

    def summary(self) -> str:
        return f"rows={self.rows} new={len(self.new)} updated={len(self.updated)} unchanged={len(self.unchanged)} invalid={self.invalid}"

    def planned(self, limit: int = MAX_PLANNED) -> list[dict]:
        """The units a commit writes, in row order (the first `limit`), as the preview lists them."""
        labels = dict(UnitKind.choices)
        rows = sorted([*((r, "new") for r in self.new), *((r, "update") for r in self.updated)], key=lambda item: item[0].row)
        listed = []
        for row, action in rows[:limit]:
            kind = row.kind or unit_kind_for_name(row.name)
            code, full_name = self.region_label.get(row.region_id, ("", ""))
            listed.append({
                "row": row.row, "action": action, "name": row.name, "kind": kind, "kind_label": str(labels.get(kind, kind)),
                "kind_inferred": row.kind is None and action == "new", "region_code": code, "region": full_name,
                "credit_code": row.credit_code, "changes": [str(UNIT_FIELD_LABELS.get(key, key)) for key in row.changes],
            })
        return listed


UNIT_FIELD_LABELS = {
    "name": UNIT_COLUMN["name"].header, "kind": UNIT_COLUMN["kind"].header, "region_id": UNIT_COLUMN["region"].header,
    "credit_code": UNIT_COLUMN["credit_code"].header, "is_two_new": UNIT_COLUMN["is_two_new"].header,
}


def _yes_no(text: str) -> bool | None:
    lowered = text.lower()
    if not lowered:
        return None
    if lowered in YES_WORDS:
        return True
    if lowered in NO_WORDS:
        return False
    raise ValueProblem(_("应填“是”或“否”"))


def _check_row(number: int, cells: list[object], positions: dict[str, int], scope: ImportScope, inside: set[int] | None):
    """One row's values normalised, or the reasons it cannot be imported (row, column, value, why)."""
    errors: list[CellError] = []

    def cell(key: str) -> object:
        index = positions.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def fail(key: str, value: object, reason: str) -> None:
        errors.append(CellError(number, UNIT_COLUMN[key].header, clean_text(value), str(reason)))

    name = clean_text(cell("name"))
    if not name:
        fail("name", "", _("必填项为空"))
    elif len(name) > NAME_LIMIT:
        fail("name", name, _("单位名称过长（最多 %(n)d 个字）") % {"n": NAME_LIMIT})

    kind_text = clean_text(cell("kind")).replace(" ", "")
    kind = KIND_WORDS.get(kind_text) or KIND_WORDS.get(kind_text.lower()) if kind_text else None
    if kind_text and kind is None:
        fail("kind", kind_text, _("未知单位类别（可填：%(kinds)s）") % {"kinds": "、".join(str(label) for _v, label in UnitKind.choices)})

    region_text = clean_text(cell("region"))
    region_id = None
    if not region_text:
        fail("region", "", _("必填项为空"))
    else:
        region_id = scope.region_id(region_text)
        if region_id is None:
            fail("region", region_text, UNKNOWN_REGION)  # explained once for the whole file (explain_unknowns)
        elif inside is not None and region_id not in inside:
            fail("region", region_text, _("不在本次导入的范围内"))

    credit_code = ""
    raw_code = cell("credit_code")
    try:
        text = cell_as_identifier(raw_code)
        credit_code = validate_uscc(text) if text else ""
    except (ValueProblem, IdentifierError) as error:
        fail("credit_code", raw_code, str(error))

    try:
        is_two_new = _yes_no(clean_text(cell("is_two_new")))
    except ValueProblem as error:
        fail("is_two_new", cell("is_two_new"), str(error))
        is_two_new = None
    if errors:
        return None, errors
    assert region_id is not None
    return UnitRow(number, name, region_id, str(kind) if kind else None, credit_code, is_two_new), []


def _existing_units(rows: list[UnitRow]) -> tuple[dict[str, dict], dict[tuple[int, str], dict]]:
    """The units the rows may be: by credit code (anywhere: the code is unique across the directory) and by
    (region, name). A query per 2,000 codes or names, whatever the number of rows."""
    columns = ("pk", "name", "kind", "region_id", "credit_code", "is_two_new")
    by_code: dict[str, dict] = {}
    codes = sorted({r.credit_code for r in rows if r.credit_code})
    for chunk in chunks(codes, LOOKUP_CHUNK):
        for unit in Unit.objects.filter(credit_code__in=chunk).values(*columns):
            by_code[unit["credit_code"]] = unit
    by_place: dict[tuple[int, str], dict] = {}
    wanted = {(r.region_id, r.name) for r in rows}
    names = sorted({name for _region, name in wanted})
    for chunk in chunks(names, LOOKUP_CHUNK):
        for unit in Unit.objects.filter(name__in=chunk).values(*columns):
            if (unit["region_id"], unit["name"]) in wanted:
                by_place[(unit["region_id"], unit["name"])] = unit
    return by_code, by_place


def _changes(unit: dict, row: UnitRow) -> dict[str, list]:
    after = {"name": row.name, "region_id": row.region_id}
    if row.kind is not None:
        after["kind"] = row.kind
    if row.credit_code:
        after["credit_code"] = row.credit_code
    if row.is_two_new is not None:
        after["is_two_new"] = row.is_two_new
    return {key: [unit[key], value] for key, value in after.items() if unit[key] != value}


def unit_import_check(path: Path, original_name: str, *, user, region: Region | None = None, sheet: str = "") -> UnitImportOutcome:
    """What the file would do, nothing written. Places must lie in the user's editable scope, and in `region`'s
    subtree when given. Raises FileRejected (the file as a whole) or HeaderError (no header with 单位名称 and
    所在区划)."""
    opened = open_census_file(path, original_name, sheet=sheet or None, schema=UNIT_SCHEMA)
    positions, ignored = map_headers(opened.header, schema=UNIT_SCHEMA)
    outcome = UnitImportOutcome(header=list(opened.header), ignored_headers=ignored)
    outcome.reading = {"sheet": opened.sheet, "sheets": list(opened.sheets), "header_row": opened.header_row,
                       "encoding": opened.encoding, "skipped": {}}
    scope = ImportScope(user)
    outcome.region_label = scope.region_label
    inside = set(Region.objects.within(region).values_list("pk", flat=True)) if region is not None else None
    raw: dict[int, list[object]] = {}
    checked: list[UnitRow] = []
    place_index = positions["region"]
    watched = sorted(set(positions.values()))
    for number, cells in opened.rows:
        if not any(clean_text(cell) for cell in cells) and not any(i < len(cells) and holds_cell_control(cells[i]) for i in watched):
            continue
        if not clean_text(cells[place_index] if place_index < len(cells) else None) and (reason := skip_reason(cells)):
            outcome.reading["skipped"].setdefault(reason, []).append(number)
            continue
        outcome.rows += 1
        # A control character in a cell read refuses the row (line breaks are folded by clean_text: not refused).
        controls = control_character_errors(number, cells, watched, opened.header)
        row, errors = _check_row(number, list(cells), positions, scope, inside)
        if controls:
            row, errors = None, controls + errors
        if row is None:
            outcome.errors += errors
            outcome.invalid_rows[number] = list(cells)
        else:
            checked.append(row)
            raw[number] = list(cells)
    explain_unknowns(outcome.errors, scope)
    _match(outcome, checked, raw, scope)
    outcome.errors.sort(key=lambda e: e.row)
    return outcome


def _match(outcome: UnitImportOutcome, checked: list[UnitRow], raw: dict[int, list[object]], scope: ImportScope) -> None:
    """Sorts the valid rows into new, updated and unchanged units; refuses the rows that repeat another row, whose
    code belongs to a unit outside the scope, or whose code and name point to two different units."""
    by_code, by_place = _existing_units(checked)
    seen_place: dict[tuple[int, str], int] = {}
    seen_code: dict[str, int] = {}
    seen_unit: dict[int, int] = {}

    def refuse(row: UnitRow, key: str, value: str, reason: str) -> None:
        outcome.errors.append(CellError(row.row, UNIT_COLUMN[key].header, value, reason))
        outcome.invalid_rows[row.row] = raw[row.row]

    for row in checked:
        place = (row.region_id, row.name)
        if place in seen_place:
            refuse(row, "name", row.name, _("与第 %(row)d 行是同一区划的同名单位") % {"row": seen_place[place]})
            continue
        if row.credit_code and row.credit_code in seen_code:
            refuse(row, "credit_code", row.credit_code, _("与第 %(row)d 行的统一社会信用代码相同") % {"row": seen_code[row.credit_code]})
            continue
        by_credit = by_code.get(row.credit_code) if row.credit_code else None
        by_name = by_place.get(place)
        if by_credit is not None and by_name is not None and by_credit["pk"] != by_name["pk"]:
            refuse(row, "credit_code", row.credit_code, _("此代码已是单位“%(other)s”的，而本区划名为“%(name)s”的是另一个单位：请核对，或先在单位名录中合并两者")
                   % {"other": by_credit["name"], "name": row.name})
            continue
        unit = by_credit or by_name
        if unit is not None and unit["region_id"] not in scope.region_label and not scope.scope.is_admin:
            refuse(row, "credit_code", row.credit_code, _("此统一社会信用代码已由您管辖范围以外的单位登记"))
            continue
        if unit is not None and unit["pk"] in seen_unit:
            refuse(row, "name", row.name, _("与第 %(row)d 行是同一个单位") % {"row": seen_unit[unit["pk"]]})
            continue
        seen_place[place] = row.row
        if row.credit_code:
            seen_code[row.credit_code] = row.row
        if unit is None:
            outcome.new.append(row)
            continue
        seen_unit[unit["pk"]] = row.row
        row.unit_id = unit["pk"]
        row.changes = _changes(unit, row)
        (outcome.updated if row.changes else outcome.unchanged).append(row)


def unit_import_write(outcome: UnitImportOutcome) -> tuple[set[int], set[int]]:
    """Writes the outcome's new and changed units (call inside a transaction; the check's rows must be valid); the
    organizations of a unit moved to another region move with it (ValidationError when one cannot). Returns the
    regions and units touched (for re-evaluating coverage)."""
    now = timezone.now()
    fresh = []
    for row in outcome.new:
        kind = row.kind or unit_kind_for_name(row.name)
        two_new = row.is_two_new if row.is_two_new is not None else kind in TWO_NEW_KINDS
        fresh.append(Unit(name=row.name, kind=kind, region_id=row.region_id, credit_code=row.credit_code, is_two_new=two_new,
                          created_at=now, updated_at=now))
    Unit.objects.bulk_create(fresh, batch_size=2000)
    region_ids = {row.region_id for row in outcome.new}
    unit_ids: set[int] = set()
    changed = Unit.objects.in_bulk([row.unit_id for row in outcome.updated]) if outcome.updated else {}
    fields: set[str] = set()
    for row in outcome.updated:
        unit = changed[row.unit_id]
        region_ids |= {unit.region_id, row.region_id}
        for key, (_before, after) in row.changes.items():
            setattr(unit, key, after)
            fields.add(key)
        unit.updated_at = now
    if changed:
        Unit.objects.bulk_update(list(changed.values()), sorted(fields | {"updated_at"}), batch_size=2000)
        unit_ids |= set(changed)
        moved = {row.unit_id: row.region_id for row in outcome.updated if "region_id" in row.changes and row.unit_id is not None}
        if moved:
            regions = Region.objects.in_bulk(set(moved.values()))
            organizations_follow_units({unit_id: regions[region_id] for unit_id, region_id in moved.items()})
    # The new units' ids (bulk_create returns them on PostgreSQL and SQLite, not on every backend): by name and place.
    unit_ids |= {u.pk for u in fresh if u.pk is not None}
    if any(u.pk is None for u in fresh):
        places = Q()
        for row in outcome.new:
            places |= Q(region_id=row.region_id, name=row.name)
        unit_ids |= set(Unit.objects.filter(places).values_list("pk", flat=True))
    return region_ids, unit_ids
