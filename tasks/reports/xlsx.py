"""The progress report as an Excel workbook (openpyxl): one sheet per section with a Chinese name, the
header row frozen and filtered, number and percentage formats, column widths from the contents, and a
chart on the summary sheet. Every text written is formula-escaped (`orgs.common.exports.escape_cell`)."""
from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from orgs.common.exports import escape_cell
from tasks.reports.data import NetworkRow, ReportData
from tasks.reports.standing import StandingRow

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
PERCENT = "0.0%"
INTEGER = "#,##0"
DATE = "yyyy-mm-dd"
MAX_WIDTH = 60


def _width(value) -> int:
    text = str(value) if value is not None else ""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _fraction(pct: float | None):
    return None if pct is None else round(pct / 100, 4)


def _sheet(wb: Workbook, title: str, headers: list[str], rows, formats: dict[int, str] | None = None, *, first: bool = False):
    """A sheet with a frozen, filtered header row; `formats` maps a column index (0-based) to a number format."""
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(headers)
    widths = [_width(h) + 2 for h in headers]
    formats = formats or {}
    count = 0
    for row in rows:
        ws.append([escape_cell(v) for v in row])
        count += 1
        for i, v in enumerate(row):
            if i < len(widths) and count <= 2000:  # widths from the first rows are enough
                widths[i] = max(widths[i], _width(v) + 2)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, max_row=count + 1, min_col=index + 1, max_col=index + 1):
            cell.number_format = fmt
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(w, 8), MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    return ws


def report_workbook(data: ReportData) -> Workbook:
    wb = Workbook()
    levels = list(data.levels.values())
    level_names = [c.label for c in levels]

    # ---- 概况: per level, then the other figures; the report's facts to the right; a chart below ----------------
    summary = _sheet(
        wb, _("概况"), [_("层级"), _("应建"), _("已建"), _("筹建中"), _("未建"), _("覆盖率")],
        [[c.federation_label, c.required, c.satisfied, c.under_way, c.missing, _fraction(c.percent)] for c in levels]
        + [
            [_("应建未建合计"), None, None, data.gaps_under_way, data.gaps_missing, None],
            [_("逾期任务（项）"), data.overdue_count, None, None, None, None],
            [_("登记侨务工作对象（人）"), data.people_total, None, None, None, None],
            [_("侨胞之家（个）"), data.homes_total, None, None, None, None],
            *([[_("本辖区尚无生效的建会门槛，结论未计算"), None, None, None, None, None]] if not data.policy_in_force else []),
        ],
        {1: INTEGER, 2: INTEGER, 3: INTEGER, 4: INTEGER, 5: PERCENT}, first=True,
    )
    facts = [
        (_("报告"), _("%(name)s基层侨联组织建设工作进度报告") % {"name": data.region.full_name}),
        (_("报告范围"), data.region.full_name),
        (_("统计截止"), data.as_of),
        (_("发布单位"), data.issuer),
        (_("生成时间"), timezone.localtime().replace(tzinfo=None)),
        *([(_("数据依据"), data.basis.description)] if data.basis else []),
    ]
    for offset, (label, value) in enumerate(facts, start=1):
        summary.cell(row=offset, column=8, value=label).font = HEADER_FONT
        cell = summary.cell(row=offset, column=9, value=escape_cell(value))
        if offset == 3:
            cell.number_format = DATE
        elif offset == 5:
            cell.number_format = "yyyy-mm-dd hh:mm"
    summary.column_dimensions["H"].width = 12
    summary.column_dimensions["I"].width = min(max(_width(facts[0][1]) + 2, 20), MAX_WIDTH)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = _("各层级建会覆盖情况")
    chart.y_axis.title = _("个数")
    chart.add_data(Reference(summary, min_col=3, max_col=5, min_row=1, max_row=1 + len(levels)), titles_from_data=True)
    chart.set_categories(Reference(summary, min_col=1, min_row=2, max_row=1 + len(levels)))
    chart.height, chart.width = 8, 16
    summary.add_chart(chart, "A12")

    # ---- 各地情况 ----------------------------------------------------------------------------------------------
    headers = [_("区划代码"), _("区划")]
    for name in level_names:
        headers += [f"{name}{_('应建')}", f"{name}{_('已建')}", f"{name}{_('筹建中')}", f"{name}{_('未建')}"]
    headers += [_("合计应建"), _("合计已建"), _("合计筹建中"), _("合计未建"), _("覆盖率")]
    numbers = 4 * len(levels) + 4
    _sheet(
        wb, _("各地情况"), headers,
        ([a.region.code, a.region.name,
          *[v for c in a.levels.values() for v in (c.required, c.satisfied, c.under_way, c.missing)],
          a.required, a.satisfied, a.under_way, a.missing, _fraction(a.percent)] for a in data.areas),
        {**dict.fromkeys(range(2, 2 + numbers), INTEGER), 2 + numbers: PERCENT},
    )
    _sheet(
        wb, _("时间节点"), [_("时间节点"), _("实施方案"), _("完成时限"), _("任务数"), _("已完成"), _("进度"), _("剩余天数（负数为逾期）")],
        ([m.name, m.plan, m.deadline, m.tasks_total, m.tasks_done, _fraction(m.percent), m.days_left] for m in data.milestones),
        {2: DATE, 3: INTEGER, 4: INTEGER, 5: PERCENT, 6: "0"},
    )
    _sheet(
        wb, _("应建未建"), [_("层级"), _("地方/单位"), _("区划代码"), _("状态"), _("计入人数"), _("理由")],
        ([g.level_label, g.place, g.region_code, g.status_label, g.headcount, g.reason] for g in data.gaps),
        {4: INTEGER},
    )
    _sheet(
        wb, _("逾期任务"), [_("任务"), _("所在区划"), _("时间节点"), _("责任单位"), _("责任人"), _("完成时限"), _("逾期天数")],
        ([t.title, t.region, t.milestone, t.responsible_unit, t.responsible_people, t.deadline, t.days_late] for t in data.overdue_tasks),
        {5: DATE, 6: "0"},
    )
    _sheet(
        wb, _("侨胞之家"), [_("侨胞之家"), _("类型"), _("侨联组织"), _("所在区划"), _("五有情况")],
        ([h.name, h.kind_label, h.organization, h.region, h.standing_label] for h in data.homes),
    )
    rounds = data.census_rounds
    _sheet(
        wb, _("侨情统计"), [_("类别"), _("登记人数"), *[f"{r.year}{_('年调查')}" for r in rounds]],
        [[data.category_labels[c], n, *[r.by_category.get(c, 0) for r in rounds]] for c, n in data.people_by_category.items()]
        + [[_("合计"), data.people_total, *[r.total for r in rounds]]],
        dict.fromkeys(range(1, 2 + len(rounds)), INTEGER),
    )
    # ---- 联系网络: 1+N and 1+Y coverage, WeChat groups, per area, then the scope with its own level -------------------
    def network_row(code: str, name: str, n: NetworkRow) -> list:
        return [code, name, n.organizations, n.with_affiliated, _fraction(n.affiliated_percent), n.affiliated,
                n.with_overseas, _fraction(n.overseas_percent), n.overseas, n.groups_overseas, n.groups_service, n.groups,
                n.groups_required, n.groups_complete]

    _sheet(
        wb, _("联系网络"),
        [_("区划代码"), _("区划"), _("已成立组织"), _("1+N已建组织"), _("1+N覆盖率"), _("涉侨社团数"), _("1+Y已结对组织"),
         _("1+Y覆盖率"), _("海外社团数"), _("海外联谊群"), _("侨界服务群"), _("微信群合计"), _("应建群组织"), _("两类群齐全")],
        [*(network_row(a.region.code, a.region.name, a.network) for a in data.areas),
         network_row(data.region.code, _("合计（含本级）"), data.network)],
        {**dict.fromkeys((2, 3, 5, 6, 8, 9, 10, 11, 12, 13), INTEGER), 4: PERCENT, 7: PERCENT},
    )
    _staffing_sheet(wb, data)
    designations_sheet(wb, data)
    _training_sheet(wb, data)
    _standing_sheets(wb, data)
    _leadership_sheet(wb, data)
    return wb


def _staffing_sheet(wb: Workbook, data: ReportData) -> None:
    """人员配备: per area, then the scope with its own level; below, the organizations without both responsible people."""
    staffing = data.staffing
    if staffing is None:
        return
    headers = [_("区划代码"), _("区划"), _("已成立乡镇村侨联"), _("缺分管班子成员"), _("缺日常事务干部"), _("负责人有缺口"),
               _("班子成员为归侨侨眷"), _("日常干部为归侨侨眷"), _("专职岗位"), _("兼职岗位"), _("编制"), _("政府购买服务"),
               _("公益性岗位"), _("归侨侨眷在岗"), _("办事机构已批准"), _("已按群众团体登记"), _("已赋信用代码")]

    def figures(code: str, name: str, f) -> list:
        return [code, name, f.organizations, f.missing_leader, f.missing_cadre, f.with_gaps, f.leader_returned, f.cadre_returned,
                f.posts_full_time, f.posts_part_time, f.posts_establishment, f.posts_purchased, f.posts_public_welfare,
                f.posts_returned, f.offices, f.registered, f.credit_codes]

    rows = [*(figures(a.code, a.name, a.figures) for a in staffing.areas),
            figures(data.region.code, _("合计（含本级）"), staffing.total), [],
            [_("未明确负责人的乡镇、村侨联"), _("所在区划"), _("类别"), _("缺分管班子成员"), _("缺日常事务干部")],
            *([g.name, g.region, g.kind_label, _("是") if g.missing_leader else "", _("是") if g.missing_cadre else ""]
              for g in staffing.gaps)]
    if staffing.gaps_unlisted:
        rows.append([_("另有 %(n)d 个未列出") % {"n": staffing.gaps_unlisted}])
    _sheet(wb, _("人员配备"), headers, rows, dict.fromkeys(range(2, len(headers)), INTEGER))


def designations_sheet(wb: Workbook, data: ReportData) -> None:
    """称号: per area the designations awarded by level and by kind, the open nominations; then the scope's total."""
    d = data.designations
    if d is None:
        return

    def row(r) -> list:
        return [r.code, r.name, r.city, r.province, *r.by_kind, r.pending, r.returned]

    _sheet(
        wb, _("侨胞之家称号"),
        [_("区划代码"), _("区划"), _("市级称号"), _("省级称号"), *d.kind_labels, _("待审推荐"), _("已退回")],
        [*(row(r) for r in d.areas), [data.region.code, _("合计（含本级）"), *row(d.total)[2:]]],
        dict.fromkeys(range(2, 6 + len(d.kind_labels)), INTEGER),
    )


def _training_sheet(wb: Workbook, data: ReportData) -> None:
    """培训 (Jiangxi 40; Yuxi 三(五)): per area the year's sessions, hours and distinct trained people, then the scope."""
    report = data.training
    if report is None:
        return
    _sheet(
        wb, _("队伍培训"),
        [_("区划代码"), _("区划"), _("年度"), _("培训期数"), _("学时"), _("参训干部"), _("参训侨胞之家负责人"), _("参训志愿者")],
        [*([r.region.code, r.region.name, report.year, r.figures.sessions, float(r.figures.hours), r.figures.cadres,
            r.figures.home_heads, r.figures.volunteers] for r in report.rows),
         [data.region.code, _("合计（含本级）"), report.year, report.total.sessions, float(report.total.hours),
          report.total.cadres, report.total.home_heads, report.total.volunteers]],
        {3: INTEGER, 4: "0.0", 5: INTEGER, 6: INTEGER, 7: INTEGER},
    )


def _amount(value) -> float:
    return float(value) if value is not None else 0.0


def _standing_sheets(wb: Workbook, data: ReportData) -> None:
    """督查考核 and 经费保障 per area beside coverage, then the scope (with its own level); the organizations assessed."""
    standing = data.standing
    if standing is None:
        return
    names = standing.grade_names
    year = standing.year

    def assessment_row(code: str, name: str, row: StandingRow) -> list:
        average = row.average_score
        return [code, name, _fraction(row.coverage_percent), year, row.assessed,
                float(average) if average is not None else None, *row.grade_counts(names)]

    _sheet(
        wb, _("督查考核"),
        [_("区划代码"), _("区划"), _("建会覆盖率"), _("考核年度"), _("考核组织"), _("平均分"), *names],
        [*(assessment_row(r.code, r.name, r) for r in standing.areas),
         assessment_row(data.region.code, _("合计（含本级）"), standing.total)],
        {2: PERCENT, 4: INTEGER, 5: "0.0", **dict.fromkeys(range(6, 6 + len(names)), INTEGER)},
    )

    def funding_row(code: str, name: str, row: StandingRow) -> list:
        return [code, name, row.organizations, row.funded, row.unfunded, _fraction(row.funded_percent), _amount(row.budget_amount)]

    _sheet(
        wb, _("经费保障"),
        [_("区划代码"), _("区划"), _("已成立组织"), _("经费列入预算"), _("未列入预算"), _("列入比例"), _("年度预算经费（万元）")],
        [*(funding_row(r.code, r.name, r) for r in standing.areas),
         funding_row(data.region.code, _("合计（含本级）"), standing.total)],
        {2: INTEGER, 3: INTEGER, 4: INTEGER, 5: PERCENT, 6: "#,##0.00"},
    )
    if standing.organizations:
        _sheet(
            wb, _("考核明细"), [_("考核年度"), _("侨联组织"), _("类别"), _("所在区划"), _("总分"), _("等次")],
            ([year, o.name, o.kind, o.region, float(o.total), o.grade] for o in standing.organizations),
            {4: "0.0"},
        )


def _leadership_sheet(wb: Workbook, data: ReportData) -> None:
    """The leadership group(s) of the report region's plan(s) (Yuxi 四)."""
    if not data.leadership_groups:
        return
    _sheet(
        wb, _("领导小组"), [_("实施方案"), _("领导小组"), _("办公室设在"), _("职务"), _("姓名"), _("单位及职务")],
        ([g.plan, g.name, g.office, m.role, m.name, m.post] for g in data.leadership_groups for m in g.members),
    )


def report_xlsx(data: ReportData) -> bytes:
    """The report as .xlsx bytes."""
    buffer = io.BytesIO()
    report_workbook(data).save(buffer)
    return buffer.getvalue()
