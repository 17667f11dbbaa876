"""Server-rendered SVG charts, the same markup on the dashboard and in the PDF: coverage by level (stacked
bars), coverage by area (bars), people by category (bars), the trend across census rounds (line), the
milestone timeline and the map of the scope's counties (dots by coverage status, with a legend).

Every text is XML-escaped (names may hold `<` or `&`); nothing refers to anything outside the SVG."""
from __future__ import annotations

import datetime as dt
import math
from xml.sax.saxutils import escape as _escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

FONT = "Noto Sans CJK SC, Source Han Sans SC, sans-serif"
GREEN, AMBER, RED, GREY, BLUE, INK, MUTED, LINE = "#1e7b4a", "#d89a1c", "#b71c1c", "#9aa2ad", "#1d4f8f", "#1f2733", "#6b7482", "#e3e6ea"
STATUS_COLOURS = {"complete": GREEN, "partial": AMBER, "missing": RED, "none": GREY}


def esc(text) -> str:
    return _escape(str(text), {'"': "&quot;", "'": "&#39;"})


def _svg(width: float, height: float, body: list[str], title: str) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{esc(title)}" font-family="{FONT}" font-size="12">'
        f"<title>{esc(title)}</title>{''.join(body)}</svg>"
    )


def _text(x, y, text, *, anchor="start", size=12, fill=INK, weight="normal") -> str:
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{bold}>{esc(text)}</text>'


def _rect(x, y, w, h, fill, title: str | None = None) -> str:
    tip = f"<title>{esc(title)}</title>" if title else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}">{tip}</rect>'


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _legend(x: float, y: float, items: list[tuple[str, str]]) -> list[str]:
    out = []
    for colour, label in items:
        out.append(_rect(x, y - 9, 10, 10, colour))
        out.append(_text(x + 14, y, label, size=11, fill=MUTED))
        x += 24 + 12 * len(label)
    return out


def coverage_by_level(levels) -> SafeString:
    """Stacked bars per level: founded, under way, missing (of the required places)."""
    width, label_w, bar_w, row_h = 640, 190, 380, 34
    rows = list(levels)
    height = 34 + row_h * len(rows)
    body = _legend(label_w, 16, [(GREEN, _("已建")), (AMBER, _("筹建中")), (RED, _("未建"))])
    for i, c in enumerate(rows):
        y = 30 + i * row_h
        body.append(_text(0, y + 15, f"{c.federation_label} {c.satisfied}/{c.required}", size=12))
        body.append(_rect(label_w, y + 3, bar_w, 16, "#f3f4f6"))
        x = label_w
        for value, colour, name in ((c.satisfied, GREEN, _("已建")), (c.under_way, AMBER, _("筹建中")), (c.missing, RED, _("未建"))):
            if c.required and value:
                w = bar_w * value / c.required
                body.append(_rect(x, y + 3, w, 16, colour, f"{name} {value}"))
                x += w
        body.append(_text(label_w + bar_w + 8, y + 16, _pct(c.percent), size=12, weight="bold"))
    return _svg(width, height, body, _("各层级建会覆盖情况"))


def coverage_by_area(areas, *, title: str | None = None) -> SafeString:
    """One bar per county (or township): the share of its required places that are founded."""
    width, label_w, bar_w, row_h = 640, 150, 390, 18
    height = 30 + row_h * max(len(areas), 1)
    body = _legend(label_w, 14, [(GREEN, _("全部建成")), (AMBER, _("部分建成")), (RED, _("尚未建成")), (GREY, _("无应建"))])
    for i, a in enumerate(areas):
        y = 24 + i * row_h
        body.append(_text(label_w - 6, y + 12, a.region.name, anchor="end", size=11))
        body.append(_rect(label_w, y + 3, bar_w, 11, "#f3f4f6"))
        if a.percent:
            body.append(_rect(label_w, y + 3, bar_w * a.percent / 100, 11, STATUS_COLOURS[a.status], f"{a.region.name} {_pct(a.percent)}"))
        body.append(_text(label_w + bar_w + 6, y + 12, f"{a.satisfied}/{a.required} {_pct(a.percent)}", size=10, fill=MUTED))
    if not areas:
        body.append(_text(label_w, 40, _("无下级区划"), fill=MUTED))
    return _svg(width, height, body, title or _("各地建会覆盖率"))


def people_by_category(counts: dict[str, int], labels: dict[str, str]) -> SafeString:
    """Vertical bars: registered people per category."""
    width, height, left, bottom, top = 640, 230, 40, 190, 20
    items = [(labels[c], n) for c, n in counts.items()]
    peak = max([n for _l, n in items] + [1])
    step = (width - left - 10) / max(len(items), 1)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="{LINE}"/>']
    for i, (label, n) in enumerate(items):
        h = (bottom - top - 14) * n / peak
        x = left + i * step + step * 0.2
        body.append(_rect(x, bottom - h, step * 0.6, h, BLUE, f"{label} {n}"))
        body.append(_text(x + step * 0.3, bottom - h - 4, f"{n:,}", anchor="middle", size=11))
        body.append(_text(x + step * 0.3, bottom + 16, label, anchor="middle", size=11, fill=MUTED))
    return _svg(width, height, body, _("侨务工作对象分类人数"))


def census_trend(rounds) -> SafeString:
    """A line of the people counted in each census round (years)."""
    width, height, left, right, bottom, top = 640, 200, 60, 30, 160, 24
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}" stroke="{LINE}"/>']
    if not rounds:
        body.append(_text(width / 2, 90, _("暂无侨情调查轮次"), anchor="middle", fill=MUTED))
        return _svg(width, height, body, _("历次侨情调查人数变化"))
    peak = max([r.total for r in rounds] + [1])
    span = max(len(rounds) - 1, 1)
    points = []
    for i, r in enumerate(rounds):
        x = left + (width - left - right) * (i / span if len(rounds) > 1 else 0.5)
        y = bottom - (bottom - top) * r.total / peak
        points.append((x, y))
        body.append(_text(x, bottom + 18, f"{r.year}", anchor="middle", size=11, fill=MUTED))
        body.append(_text(x, y - 8, f"{r.total:,}", anchor="middle", size=11))
    body.append(f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>')
    body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BLUE}"/>' for x, y in points]
    return _svg(width, height, body, _("历次侨情调查人数变化"))


def milestone_timeline(milestones, as_of: dt.date) -> SafeString:
    """Milestones on a time axis with today's date; each marked done, late or pending."""
    width, left, right, axis_y = 640, 20, 20, 40
    height = 60 + 22 * max(len(milestones), 1)
    body = _legend(left, 14, [(GREEN, _("已完成")), (RED, _("已逾期")), (BLUE, _("进行中"))])
    if not milestones:
        body.append(_text(width / 2, 60, _("暂无时间节点"), anchor="middle", fill=MUTED))
        return _svg(width, height, body, _("时间节点"))
    dates = [m.deadline for m in milestones] + [as_of]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)

    def x_of(day: dt.date) -> float:
        return left + (width - left - right - 180) * (day - first).days / span

    body.append(f'<line x1="{left}" y1="{axis_y}" x2="{width - right - 180}" y2="{axis_y}" stroke="{MUTED}"/>')
    tx = x_of(as_of)
    body.append(f'<line x1="{tx:.1f}" y1="{axis_y - 8}" x2="{tx:.1f}" y2="{height - 6}" stroke="{RED}" stroke-dasharray="4 3"/>')
    body.append(_text(tx, axis_y - 10, _("今日 %(d)s") % {"d": as_of.isoformat()}, anchor="middle", size=10, fill=RED))
    for i, m in enumerate(milestones):
        x, y = x_of(m.deadline), axis_y + 22 + i * 22
        colour = GREEN if m.is_done else RED if m.is_late else BLUE
        body.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{y - 6}" stroke="{LINE}"/>')
        body.append(f'<path d="M{x:.1f},{y - 6:.1f} l6,6 l-6,6 l-6,-6 z" fill="{colour}"><title>{esc(m.name)}</title></path>')
        body.append(_text(x + 10, y + 4, f"{m.deadline:%Y-%m-%d} {m.name}", size=11))
    return _svg(width, height, body, _("时间节点"))


def region_map(points, *, title: str | None = None, unplotted: int = 0, links: dict[str, str] | None = None) -> SafeString:
    """The scope's counties (or a county and its townships) drawn from their coordinates: a dot per place,
    coloured by coverage status, with names and a legend. Equirectangular, corrected for latitude. With
    `links` (code → URL, the dashboard's drill-down) each dot links to its place's page."""
    width, height, pad = 640, 460, 40
    legend = [(GREEN, _("全部建成")), (AMBER, _("部分建成/筹建中")), (RED, _("尚未建成")), (GREY, _("无应建"))]
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f7f9fb" stroke="{LINE}"/>']
    body += _legend(12, height - 12, legend)
    title = title or _("辖区建会覆盖分布图")
    if unplotted and points:
        body.append(_text(width - 12, 20, _("另有 %(n)d 处区划无坐标，未在图中绘出") % {"n": unplotted}, anchor="end", size=11, fill=MUTED))
    if not points:
        body.append(_text(width / 2, height / 2, _("辖区内的区划没有坐标，无法绘制地图"), anchor="middle", fill=MUTED))
        return _svg(width, height, body, title)
    lons = [p.longitude for p in points]
    lats = [p.latitude for p in points]
    mid_lat = math.radians((min(lats) + max(lats)) / 2)
    x_span = max((max(lons) - min(lons)) * math.cos(mid_lat), 0.05)
    y_span = max(max(lats) - min(lats), 0.05)
    scale = min((width - 2 * pad) / x_span, (height - 2 * pad - 20) / y_span)
    # Around the centre of the places (one place, or places close together, sit in the middle).
    centre_lon, centre_lat = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    small = len(points) > 40
    for p in points:
        x = width / 2 + (p.longitude - centre_lon) * math.cos(mid_lat) * scale
        y = (height - 20) / 2 - (p.latitude - centre_lat) * scale
        tip = f"{p.region.name} {p.satisfied}/{p.required} {_pct(p.percent)}"
        dot = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{4 if small else 7}" fill="{STATUS_COLOURS[p.status]}" '
            f'stroke="#fff" stroke-width="1.5"><title>{esc(tip)}</title></circle>'
            + _text(x + (6 if small else 10), y + 4, p.region.name, size=9 if small else 12)
        )
        url = (links or {}).get(p.region.code)
        body.append(f'<a href="{esc(url)}">{dot}</a>' if url else dot)
    return _svg(width, height, body, title)


def report_charts(data, *, links: dict[str, str] | None = None) -> dict[str, SafeString]:
    """Every chart of a report, by name (the dashboard and the PDF template embed them); `links` make the
    map's dots drill down (the dashboard only)."""
    return {
        "levels": coverage_by_level(data.levels.values()),
        "areas": coverage_by_area(data.areas),
        "people": people_by_category(data.people_by_category, data.category_labels),
        "trend": census_trend(data.census_rounds),
        "milestones": milestone_timeline(data.milestones, data.as_of),
        "map": region_map(data.map_points, unplotted=data.map_unplotted, links=links),
    }
