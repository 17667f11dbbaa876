"""Region writes: the CSV upsert behind `import_regions` and the demo loader."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast

from django.db import transaction
from django.utils.translation import gettext as _

from orgs.common.text import cell_control_problem, fold_cell_breaks
from orgs.regions.models import (
    LEVEL_RANK,
    Region,
    RegionKind,
    RegionLevel,
    infer_region_kind,
    region_row_errors,
)
from orgs.regions.signals import regions_imported
from orgs.regions.tree import TreeNode, layout_forest

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
OPTIONAL_COLUMNS = ("longitude", "latitude", "kind", "is_key_area")
TREE_FIELDS = ("tree_id", "lft", "rght", "depth", "full_name")
DATA_FIELDS = ("name", "level", "kind", "parent_id", "longitude", "latitude", "is_key_area")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "t"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "f"}
NAME_MAX_LENGTH = Region._meta.get_field("name").max_length


@dataclass(frozen=True)
class RowError:
    """One rejected value: the file row (header is row 1), the column, the value and why."""

    row: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return _("第 %(row)d 行，%(field)s=“%(value)s”：%(reason)s") % {
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class RegionImportResult:
    """What an import did (or, when `written` is false, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    def summary(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged} invalid={self.invalid}"


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str
    longitude: Decimal | None
    latitude: Decimal | None
    kind: str
    is_key_area: bool | None


class RegionFileError(ValueError):
    """The file as a whole cannot be read (encoding, missing columns)."""


def read_region_csv(source: str | Path | bytes) -> tuple[list[dict[str, str]], list[str]]:
    """Reads a region CSV (UTF-8, UTF-8 with BOM, or GBK) into row dicts and its header."""
    raw = Path(source).read_bytes() if not isinstance(source, bytes) else source
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RegionFileError(_("无法识别文件编码：请使用 UTF-8 或 GBK 编码的 CSV"))
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RegionFileError(_("缺少必需的列：%(columns)s") % {"columns": ", ".join(missing)})
    reader.fieldnames = header
    # A line break or tab inside a cell (Alt+Enter, pasted text) is one space; other control characters are kept,
    # for the row to be refused naming them (_parse_rows).
    return [{k: fold_cell_breaks(v or "").strip() for k, v in row.items() if k is not None} for row in reader], header


def _parse_coordinate(value: str, low: int, high: int, name: str, line: int, errors: list[RowError]):
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():  # "NaN" parses, and then cannot be compared
        errors.append(RowError(line, name, value, _("不是数字")))
        return None
    if not (low <= number <= high):
        errors.append(RowError(line, name, value, _("超出范围 %(low)s～%(high)s") % {"low": low, "high": high}))
        return None
    return number.quantize(Decimal("0.000001"))


def _parse_rows(rows: list[dict[str, str]], header: list[str]) -> tuple[list[_Row], list[RowError], set[int]]:
    """Checks each row on its own and against the rows before it (duplicates)."""
    parsed: list[_Row] = []
    errors: list[RowError] = []
    bad_lines: set[int] = set()
    first_seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        line = index + 2
        # A control character in a column read refuses the row, its value shown with the characters written out.
        row_errors: list[RowError] = [
            RowError(line, column, *problem)
            for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
            if (problem := cell_control_problem(row.get(column))) is not None
        ]
        code, name, level = row.get("code", ""), row.get("name", ""), row.get("level", "")
        if row_errors:  # refused for that alone: no other message repeats the raw value
            first_seen.setdefault(code, line)
            errors.extend(row_errors)
            bad_lines.add(line)
            continue
        if not name:
            row_errors.append(RowError(line, "name", name, _("名称不能为空")))
        elif len(name) > NAME_MAX_LENGTH:
            row_errors.append(RowError(line, "name", name, _("名称超过 %(n)d 个字") % {"n": NAME_MAX_LENGTH}))
        if code in first_seen:
            row_errors.append(
                RowError(line, "code", code, _("区划代码重复，已在第 %(line)d 行出现") % {"line": first_seen[code]})
            )
        else:
            first_seen[code] = line
        for field_name, message in region_row_errors(code=code, level=level, parent_level=None):
            if field_name == "parent":
                continue  # parents are resolved once every row is known
            row_errors.append(RowError(line, field_name, row.get(field_name, ""), str(message)))
        longitude = _parse_coordinate(row.get("longitude", ""), -180, 180, "longitude", line, row_errors)
        latitude = _parse_coordinate(row.get("latitude", ""), -90, 90, "latitude", line, row_errors)
        key_text = row.get("is_key_area", "").lower()
        is_key_area: bool | None = None
        if "is_key_area" in header:
            if key_text in TRUE_WORDS:
                is_key_area = True
            elif key_text in FALSE_WORDS:
                is_key_area = False
            else:
                row_errors.append(RowError(line, "is_key_area", key_text, _("应为 是/否 或 1/0")))
        kind = row.get("kind", "")
        if kind and kind not in RegionKind.values:
            row_errors.append(RowError(line, "kind", kind, _("未知类别")))
        if row_errors:
            errors.extend(row_errors)
            bad_lines.add(line)
            continue
        parsed.append(
            _Row(line, code, name, level, row.get("parent_code", ""), longitude, latitude, kind, is_key_area)
        )
    return parsed, errors, bad_lines


@transaction.atomic
def regions_import(
    rows: list[dict[str, str]], header: Iterable[str], *, skip_invalid: bool = False, dry_run: bool = False
) -> RegionImportResult:
    """Upserts regions by code. Writes nothing when any row is invalid, unless `skip_invalid`.

    Rows are checked on their own (code format for the level, name, coordinates, duplicates), then
    parents are resolved level by level against the file and the database: a parent must exist
    (or be a valid row of the same file) and be of a strictly higher level.
    """
    header = list(header)
    parsed, errors, bad_lines = _parse_rows(rows, header)
    existing = {
        r["code"]: r
        for r in Region.objects.values("id", "code", *DATA_FIELDS, *TREE_FIELDS)
    }
    code_by_id = {r["id"]: code for code, r in existing.items()}
    children_by_code: dict[str, list[dict]] = {}
    for r in existing.values():
        if r["parent_id"] is not None:
            children_by_code.setdefault(code_by_id[r["parent_id"]], []).append(r)

    def rank(level: str) -> int:
        return LEVEL_RANK[RegionLevel(level)]

    # Resolve parents from the top level down so a child of an invalid row is itself invalid. A parent
    # that is also a row of the file is judged by its level in the file, not the one stored.
    in_file = {row.code: row for row in parsed}
    valid: dict[str, _Row] = {}
    for row in sorted(parsed, key=lambda r: (rank(r.level), r.line)):
        parent_level = None
        if row.parent_code in in_file:
            parent_level = in_file[row.parent_code].level
            if rank(parent_level) < rank(row.level) and row.parent_code not in valid:
                errors.append(RowError(row.line, "parent_code", row.parent_code, _("上级区划所在行无效")))
                bad_lines.add(row.line)
                continue
        elif row.parent_code in existing:
            parent_level = existing[row.parent_code]["level"]
        elif row.parent_code:
            errors.append(RowError(row.line, "parent_code", row.parent_code, _("上级区划代码不存在")))
            bad_lines.add(row.line)
            continue
        problems = [m for f, m in region_row_errors(code=row.code, level=row.level, parent_level=parent_level) if f == "parent"]
        if problems:
            errors.append(RowError(row.line, "parent_code", row.parent_code, str(problems[0])))
            bad_lines.add(row.line)
            continue
        # Lowering a stored region's level must not leave a stored child at or above it.
        blocking = [c["code"] for c in children_by_code.get(row.code, ()) if rank(c["level"]) <= rank(row.level)]
        if blocking:
            errors.append(
                RowError(
                    row.line, "level", row.level,
                    _("下级区划 %(codes)s 的级别不低于%(level)s，请先移走或调整这些下级区划")
                    % {"codes": "、".join(sorted(blocking)[:5]), "level": RegionLevel(row.level).label},
                )
            )
            bad_lines.add(row.line)
            continue
        valid[row.code] = row

    result = RegionImportResult(invalid=len(bad_lines), errors=sorted(errors, key=lambda e: (e.row, e.field)))
    if bad_lines and (not skip_invalid or not valid):
        return result

    # Upsert: new rows are created level by level so each knows its parent's id.
    to_create: list[_Row] = []
    changed: dict[str, dict[str, object]] = {}
    for row in valid.values():
        current = existing.get(row.code)
        # A column the file does not have leaves the stored value alone.
        wanted: dict[str, object] = {"name": row.name, "level": row.level, "parent_code": row.parent_code or None}
        for column in ("longitude", "latitude"):
            if column in header:
                wanted[column] = getattr(row, column)
        if row.kind:
            wanted["kind"] = row.kind
        elif current is None or current["name"] != row.name or current["level"] != row.level:
            wanted["kind"] = infer_region_kind(row.name, row.level)
        if row.is_key_area is not None:
            wanted["is_key_area"] = row.is_key_area
        if current is None:
            result.created += 1
            to_create.append(row)
            continue
        current_view = {
            "name": current["name"],
            "level": current["level"],
            "kind": current["kind"],
            "parent_code": code_by_id.get(current["parent_id"]),
            "longitude": current["longitude"],
            "latitude": current["latitude"],
            "is_key_area": current["is_key_area"],
        }
        difference = {k: v for k, v in wanted.items() if current_view[k] != v}
        if difference:
            result.updated += 1
            changed[row.code] = difference
        else:
            result.unchanged += 1

    if dry_run:
        transaction.set_rollback(True)
        return result

    nodes: dict[str, TreeNode] = {
        code: TreeNode(code, code_by_id.get(r["parent_id"]), code, r["name"], r["tree_id"], r["lft"], r["rght"], r["depth"], r["full_name"])
        for code, r in existing.items()
    }
    for code, difference in changed.items():
        if "parent_code" in difference:
            nodes[code].parent_key = difference["parent_code"]
        if "name" in difference:
            nodes[code].name = str(difference["name"])  # a row's name: already a str
    for row in to_create:
        nodes[row.code] = TreeNode(row.code, row.parent_code or None, row.code, row.name)
    layout_forest(list(nodes.values()))

    id_by_code = {code: r["id"] for code, r in existing.items()}
    for level in RegionLevel:
        batch = []
        for row in to_create:
            if row.level != level:
                continue
            node = nodes[row.code]
            batch.append(
                Region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    kind=row.kind or infer_region_kind(row.name, row.level),
                    is_key_area=bool(row.is_key_area),
                    longitude=row.longitude,
                    latitude=row.latitude,
                    parent_id=id_by_code[row.parent_code] if row.parent_code else None,
                    tree_id=node.tree_id,
                    lft=node.lft,
                    rght=node.rght,
                    depth=node.depth,
                    full_name=node.full_name,
                )
            )
        for created in Region.objects.bulk_create(batch, batch_size=2000):
            id_by_code[created.code] = created.pk

    changes: dict[int, dict[str, object]] = {}
    for code, current in existing.items():
        node = nodes[code]
        values: dict[str, object] = {}
        for key, value in changed.get(code, {}).items():
            if key == "parent_code":
                values["parent_id"] = id_by_code[value] if value else None
            else:
                values[key] = value
        for name in TREE_FIELDS:
            if getattr(node, name) != current[name]:
                values[name] = getattr(node, name)
        if values:
            changes[current["id"]] = values
    _write_changes(changes)
    result.written = True
    if to_create:
        codes = frozenset(row.code for row in to_create)
        transaction.on_commit(lambda: regions_imported.send(sender=Region, codes=codes))
    return result


def regions_import_file(path: str | Path, *, skip_invalid: bool = False, dry_run: bool = False) -> RegionImportResult:
    """Reads a region CSV and upserts it (see `regions_import`)."""
    rows, header = read_region_csv(path)
    return regions_import(rows, header, skip_invalid=skip_invalid, dry_run=dry_run)


def regions_refresh_tree() -> int:
    """Recomputes MPTT fields and full names of every region; writes only what changed. Returns that count."""
    current = list(Region.objects.values_list("id", "parent_id", "code", "name", *TREE_FIELDS))
    nodes = [TreeNode(*row) for row in current]
    before = {row[0]: dict(zip(TREE_FIELDS, row[4:])) for row in current}
    layout_forest(nodes)
    changes: dict[int, dict[str, object]] = {}
    for node in nodes:
        values = {name: getattr(node, name) for name in TREE_FIELDS if getattr(node, name) != before[node.key][name]}
        if values:
            changes[cast(int, node.key)] = values  # the nodes were built from primary keys
    _write_changes(changes)
    return len(changes)


def _write_changes(changes: dict[int, dict[str, object]], batch_size: int = 500) -> None:
    """Writes only the changed fields of each region (pk -> {field: value}).

    Rows are grouped by the fields that changed, so that a shift of lft/rght does not rewrite names; a
    single field many rows share a value of (tree_id, when a new province renumbers the trees) becomes one
    UPDATE per value instead of a CASE over every row, which Django builds slowly.
    """
    by_fields: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for pk, values in changes.items():
        by_fields[tuple(sorted(values))].append(pk)
    for fields, pks in by_fields.items():
        if len(fields) == 1:
            (name,) = fields
            by_value: dict[object, list[int]] = defaultdict(list)
            for pk in pks:
                by_value[changes[pk][name]].append(pk)
            if len(by_value) * 4 <= len(pks):
                for value, group in by_value.items():
                    for start in range(0, len(group), batch_size):
                        Region.objects.filter(pk__in=group[start : start + batch_size]).update(**{name: value})
                continue
        regions = [Region(pk=pk, **{name: changes[pk][name] for name in fields}) for pk in pks]
        Region.objects.bulk_update(regions, list(fields), batch_size=batch_size)
