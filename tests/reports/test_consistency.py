"""The numbers agree everywhere: the dashboard page, /api/dashboard/, the PDF's text and the Excel cells
show the same figures, and those are the verdicts evaluate_coverage stored (Requirement rows)."""
from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db.models import Count
from openpyxl import load_workbook

from census.coverage.models import Requirement
from tasks.reports.data import report_data
from tasks.reports.pdf import report_pdf
from tasks.reports.xlsx import report_xlsx
from tests.reports.factories import AS_OF

pytestmark = pytest.mark.django_db

LABELS = {"county": "县级侨联", "township": "乡镇(街道)侨联", "village": "村(社区)侨联", "unit": "单位侨联"}


def stored_counts(root) -> dict[str, dict[str, int]]:
    """From the Requirement rows evaluate_coverage wrote: per level, required and each fulfilment."""
    counts = {level: {"required": 0, "satisfied": 0, "under_way": 0, "missing": 0} for level in LABELS}
    rows = Requirement.objects.within(root).filter(verdict="required").values("level", "status").annotate(n=Count("pk"))
    for row in rows:
        counts[row["level"]]["required"] += row["n"]
        counts[row["level"]][row["status"]] += row["n"]
    return counts


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_levels(text: str) -> dict[str, dict[str, int]]:
    result = {}
    for level, label in LABELS.items():
        match = re.search(rf"^\s*{re.escape(label)}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)", text, re.M)
        assert match, f"no summary row for {label}"
        result[level] = dict(zip(("required", "satisfied", "under_way", "missing"), map(int, match.groups()[:4])))
    return result


def xlsx_levels(content: bytes) -> tuple[dict[str, dict[str, int]], dict]:
    wb = load_workbook(io.BytesIO(content))
    ws = wb["概况"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    levels = {
        level: dict(zip(("required", "satisfied", "under_way", "missing"), rows[label][1:5]))
        for level, label in LABELS.items()
    }
    return levels, rows


def page_levels(html: str) -> dict[str, dict[str, int]]:
    result = {}
    for level in LABELS:
        founded = re.search(rf'data-testid="level-{level}-founded">(\d+)<', html).group(1)
        required = re.search(rf'data-testid="level-{level}-required">(\d+)<', html).group(1)
        result[level] = {"satisfied": int(founded), "required": int(required)}
    return result


def test_dashboard_pdf_excel_and_api_agree_with_the_stored_verdicts(world, client_for, api_client_for, yuxi_staff):
    stored = stored_counts(world.yuxi)
    assert stored["county"]["required"] == 9 and stored["county"]["satisfied"] == 3
    data = report_data(world.yuxi, as_of=AS_OF)

    text = pdf_text(report_pdf(data))
    assert pdf_levels(text) == stored
    percent = re.search(r"^\s*县级侨联\s+9\s+3\s+0\s+6\s+(\S+)", text, re.M).group(1)
    assert percent == "33.3%"
    assert re.search(rf"应建未建（个）\s+{data.gaps_missing}\b", text)
    assert re.search(rf"逾期任务（项）\s+{data.overdue_count}\b", text)
    assert re.search(rf"登记侨务工作对象（人）\s+{data.people_total}\b", text)

    levels, rows = xlsx_levels(report_xlsx(data))
    assert levels == stored
    assert rows["县级侨联"][5] == pytest.approx(0.333)
    assert rows["逾期任务（项）"][1] == data.overdue_count == 2
    assert rows["登记侨务工作对象（人）"][1] == data.people_total == 200
    assert rows["应建未建合计"][3:5] == (data.gaps_under_way, data.gaps_missing)

    html = client_for(yuxi_staff).get("/dashboard/530400/").content.decode()
    on_page = page_levels(html)
    assert on_page == {level: {"satisfied": c["satisfied"], "required": c["required"]} for level, c in stored.items()}
    assert re.search(rf'data-testid="gaps-missing">{data.gaps_missing}<', html)
    assert re.search(rf'data-testid="people-total">{data.people_total}<', html)

    api = api_client_for(yuxi_staff).get("/api/dashboard/", {"region": "530400"}).json()
    for level, c in stored.items():
        figures = api["coverage"][level]
        assert (figures["required"], figures["founded"], figures["under_way"], figures["missing"]) == (
            c["required"], c["satisfied"], c["under_way"], c["missing"])
    assert api["gaps"] == {"missing": data.gaps_missing, "under_way": data.gaps_under_way}
    assert api["people"]["total"] == 200


def test_excel_sheets_are_formatted(world):
    wb = load_workbook(io.BytesIO(report_xlsx(report_data(world.yuxi, as_of=AS_OF))))
    assert wb.sheetnames == ["概况", "各地情况", "时间节点", "应建未建", "逾期任务", "侨胞之家", "侨情统计", "联系网络", "人员配备", "侨胞之家称号", "队伍培训", "督查考核", "经费保障"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    summary = wb["概况"]
    assert len(summary._charts) == 1
    assert summary["F2"].number_format == "0.0%"
    areas = wb["各地情况"]
    assert [row[1] for row in areas.iter_rows(min_row=2, values_only=True)][:2] == ["红塔区", "江川区"]
    assert areas.column_dimensions["B"].width >= 10
    gaps = wb["应建未建"]
    reasons = [row[5] for row in gaps.iter_rows(min_row=2, values_only=True)]
    assert len(reasons) == len(report_data(world.yuxi, as_of=AS_OF).gaps) and all("：" in r for r in reasons)
    overdue = list(wb["逾期任务"].iter_rows(min_row=2, values_only=True))
    assert overdue[0][3] == "通海县侨联" and overdue[0][6] == 60


def test_excel_escapes_formulas(world):
    world.overdue_task.title = "=HYPERLINK(\"http://evil\")"
    world.overdue_task.save()
    wb = load_workbook(io.BytesIO(report_xlsx(report_data(world.yuxi, as_of=AS_OF))))
    titles = [row[0] for row in wb["逾期任务"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://evil\")" in titles


def test_per_county_figures_agree_in_excel_and_pdf(world):
    data = report_data(world.yuxi, as_of=AS_OF)
    ws = load_workbook(io.BytesIO(report_xlsx(data)))["各地情况"]
    header = [c.value for c in ws[1]]
    rows = {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)}
    text = pdf_text(report_pdf(data))
    for area in data.areas:
        stored = stored_counts(world.yuxi.__class__.objects.get(pk=area.region.pk))
        row = rows[area.region.code]
        for level, label in (("county", "县级"), ("township", "乡镇级"), ("village", "村级"), ("unit", "单位")):
            for field, word in (("required", "应建"), ("satisfied", "已建"), ("under_way", "筹建中"), ("missing", "未建")):
                assert row[f"{label}{word}"] == stored[level][field] == getattr(area.levels[level], field)
        assert row["合计未建"] == area.missing
        figures = [str(getattr(area.levels[level], f)) for level in LABELS for f in ("required", "satisfied", "under_way", "missing")]
        assert re.search(rf"^\s*{re.escape(area.region.name)}\s+" + r"\s+".join(figures), text, re.M), area.region.name
