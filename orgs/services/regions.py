"""Region writes: the CSV upsert behind `import_regions` and the demo loader."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import LEVEL_RANK, Region, RegionLevel, infer_region_kind, region_row_errors
from ..tree import TreeNode, layout_forest

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
OPTIONAL_COLUMNS = ("longitude", "latitude", "kind", "is_key_area")
TREE_FIELDS = ("tree_id", "lft", "rght", "depth", "full_name")
DATA_FIELDS = ("name", "level", "kind", "parent_id", "longitude", "latitude", "is_key_area")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "t"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "f"}


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
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader], header


def _parse_coordinate(value: str, low: int, high: int, name: str, line: int, errors: list[RowError]):
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
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
        row_errors: list[RowError] = []
        code, name, level = row.get("code", ""), row.get("name", ""), row.get("level", "")
        if not name:
            row_errors.append(RowError(line, "name", name, _("名称不能为空")))
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

    # Resolve parents from the top level down so a child of an invalid row is itself invalid.
    valid: dict[str, _Row] = {}
    for row in sorted(parsed, key=lambda r: (LEVEL_RANK[RegionLevel(r.level)], r.line)):
        if not row.parent_code:
            parent_level = None
        elif row.parent_code in valid:
            parent_level = valid[row.parent_code].level
        elif row.parent_code in existing:
            parent_level = existing[row.parent_code]["level"]
        else:
            errors.append(RowError(row.line, "parent_code", row.parent_code, _("上级区划代码不存在或该行无效")))
            bad_lines.add(row.line)
            continue
        problems = [m for f, m in region_row_errors(code=row.code, level=row.level, parent_level=parent_level) if f == "parent"]
        if problems:
            errors.append(RowError(row.line, "parent_code", row.parent_code, str(problems[0])))
            bad_lines.add(row.line)
            continue
        valid[row.code] = row

    result = RegionImportResult(invalid=len(bad_lines), errors=sorted(errors, key=lambda e: (e.row, e.field)))
    if bad_lines and not skip_invalid:
        return result

    # Upsert: new rows are created level by level so each knows its parent's id.
    to_create: list[Region] = []
    changed: dict[str, dict] = {}
    for row in valid.values():
        kind = row.kind or infer_region_kind(row.name, row.level)
        current = existing.get(row.code)
        wanted = {
            "name": row.name,
            "level": row.level,
            "kind": kind,
            "parent_code": row.parent_code or None,
            "longitude": row.longitude,
            "latitude": row.latitude,
        }
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
            nodes[code].name = difference["name"]
    for row in to_create:
        nodes[row.code] = TreeNode(row.code, row.parent_code or None, row.code, row.name)
    before = {code: (n.tree_id, n.lft, n.rght, n.depth, n.full_name) for code, n in nodes.items()}
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

    to_update: list[Region] = []
    for code, current in existing.items():
        node = nodes[code]
        difference = changed.get(code, {})
        moved = before[code] != (node.tree_id, node.lft, node.rght, node.depth, node.full_name)
        if not difference and not moved:
            continue
        region = Region(pk=current["id"], code=code)
        for name in DATA_FIELDS:
            key = "parent_code" if name == "parent_id" else name
            if key == "parent_code":
                parent_code = difference.get("parent_code", code_by_id.get(current["parent_id"]))
                region.parent_id = id_by_code[parent_code] if parent_code else None
            else:
                setattr(region, name, difference.get(key, current[name]))
        region.tree_id, region.lft, region.rght, region.depth, region.full_name = (
            node.tree_id, node.lft, node.rght, node.depth, node.full_name,
        )
        to_update.append(region)
    Region.objects.bulk_update(to_update, [*DATA_FIELDS, *TREE_FIELDS], batch_size=500)
    result.written = True
    return result


def regions_import_file(path: str | Path, *, skip_invalid: bool = False, dry_run: bool = False) -> RegionImportResult:
    """Reads a region CSV and upserts it (see `regions_import`)."""
    rows, header = read_region_csv(path)
    return regions_import(rows, header, skip_invalid=skip_invalid, dry_run=dry_run)


def regions_refresh_tree() -> int:
    """Recomputes MPTT fields and full names of every region; writes only what changed. Returns that count."""
    current = list(Region.objects.values_list("id", "parent_id", "code", "name", *TREE_FIELDS))
    nodes = [TreeNode(*row) for row in current]
    before = {row[0]: row[4:] for row in current}
    layout_forest(nodes)
    stale = [
        Region(pk=n.key, tree_id=n.tree_id, lft=n.lft, rght=n.rght, depth=n.depth, full_name=n.full_name)
        for n in nodes
        if before[n.key] != (n.tree_id, n.lft, n.rght, n.depth, n.full_name)
    ]
    Region.objects.bulk_update(stale, list(TREE_FIELDS), batch_size=500)
    return len(stale)
