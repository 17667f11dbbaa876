"""Units a census file names that the directory lacks (工作单位 by name).

A row whose only fault is such a unit is not refused by the preview: it stands for "将新建 N 个单位", listed
with each unit's name, place and the rows naming it, and the row holds a placeholder unit (a negative id, the
same for every row naming that unit). At commit the user confirms creating them (`create_units`): they are
registered through the unit service inside the import's transaction and the placeholders become their ids.
Without confirmation those rows are refused with the message they always had.

A new unit's place is the lowest region of the importer's scope that holds the residence of every row naming
it (通海县 for people of two townships, the village when all live there); its kind is read from its name
(…中学: 学校, …有限公司: 企业 …; 企业 when the name says nothing) and can be corrected in the unit directory."""
from __future__ import annotations

from dataclasses import dataclass, field

from census.registry.services import unit_create
from orgs.regions.models import Region
from orgs.units.models import UnitKind

# Name endings → kind, the first that matches wins (longer, more specific endings first).
_KIND_ENDINGS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("大学", "学院", "高等专科学校"), UnitKind.UNIVERSITY),
    (("中学", "小学", "学校", "幼儿园", "中心校", "完小", "一中", "二中", "三中"), UnitKind.SCHOOL),
    (("研究院", "研究所", "科学院", "研究中心"), UnitKind.RESEARCH),
    (("产业园", "工业园", "科技园", "园区", "开发区"), UnitKind.PARK),
    (("市场", "商贸城", "批发城"), UnitKind.MARKET),
    (("大厦", "大楼", "写字楼", "商务楼"), UnitKind.BUILDING),
    (("商会", "协会", "学会", "联合会", "促进会", "基金会", "研究会"), UnitKind.SOCIAL_ORGANIZATION),
    (("医院", "卫生院", "卫生室", "中心", "站", "所", "馆", "台", "社"), UnitKind.PUBLIC_INSTITUTION),
    (("人民政府", "政府", "委员会", "局", "委", "办", "厅", "部", "法院", "检察院", "街道办事处"), UnitKind.ORGAN),
    (("公司", "集团", "厂", "店", "企业", "合作社", "农场", "酒店"), UnitKind.ENTERPRISE),
)


def unit_kind_for_name(name: str) -> str:
    """The kind a unit's name suggests (企业 when it suggests none)."""
    for endings, kind in _KIND_ENDINGS:
        if name.endswith(endings):
            return str(kind)  # the plain value: kept in the import's findings (marshal) and JSON
    return str(UnitKind.ENTERPRISE)


@dataclass
class NewUnits:
    """The units to create, in the order the file first names them: placeholder id -(index + 1)."""

    names: list[str] = field(default_factory=list)
    region_ids: list[set[int]] = field(default_factory=list)
    rows: list[list[int]] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)

    def placeholder(self, name: str, region_id: int, row: int) -> int:
        index = self._index.get(name)
        if index is None:
            index = self._index[name] = len(self.names)
            self.names.append(name)
            self.region_ids.append(set())
            self.rows.append([])
        self.region_ids[index].add(region_id)
        self.rows[index].append(row)
        return -(index + 1)

    def listing(self, scope) -> list[dict]:
        """What the preview shows and the commit creates: name, kind, place (id, code, full name), rows."""
        listed = []
        for name, region_ids, rows in zip(self.names, self.region_ids, self.rows):
            place = lowest_common_region(scope, region_ids)
            code, full_name = scope.region_label[place]
            listed.append({
                "name": name, "kind": unit_kind_for_name(name), "region_id": place, "region_code": code,
                "region": full_name, "rows": len(rows), "first_row": min(rows),
            })
        return listed


def lowest_common_region(scope, region_ids: set[int]) -> int:
    """The lowest region of the scope holding all these regions (one of them when they are one)."""
    def chain(region_id: int) -> list[int]:
        path = [region_id]
        parent = scope.region_parent(region_id)
        while parent is not None:
            path.append(parent)
            parent = scope.region_parent(parent)
        return path

    ordered = sorted(region_ids)
    common = chain(ordered[0])
    for region_id in ordered[1:]:
        others = set(chain(region_id))
        common = [r for r in common if r in others]
    return common[0] if common else ordered[0]


def is_placeholder(unit_id: int | None) -> bool:
    return unit_id is not None and unit_id < 0


def new_units_create(listing: list[dict], *, editor) -> dict[int, int]:
    """Registers the listed units (inside the caller's transaction): placeholder id → the new unit's id."""
    regions = Region.objects.in_bulk({unit["region_id"] for unit in listing})
    created = {}
    for index, unit in enumerate(listing):
        made = unit_create(editor=editor, name=unit["name"], kind=unit["kind"], region=regions[unit["region_id"]])
        created[-(index + 1)] = made.pk
    return created

