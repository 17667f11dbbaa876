"""The PDF: Chinese fonts embedded (not empty boxes), page numbers “— n —”, pages rendered to PNG for a
look, nothing fetched but the project's static files whatever names contain, and a loud failure when the
server has no CJK font."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from tasks.reports import pdf as pdf_module
from tasks.reports.data import report_data
from tasks.reports.pdf import ReportError, report_html, report_pdf, static_only_fetcher
from tests.reports.factories import AS_OF

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def embedded_fonts(pdf: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(pdf)
        lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [line.split()[0] for line in lines if " yes " in line]


def test_cjk_fonts_are_embedded_and_pages_numbered(world):
    pdf = report_pdf(report_data(world.yuxi, as_of=AS_OF))
    assert pdf.startswith(b"%PDF")
    fonts = embedded_fonts(pdf)
    assert any("CJK-SC" in f and "Serif" in f for f in fonts), fonts
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
        pages = text.split("\f")
        assert re.search(r"—\s*2\s*—", pages[1]) and not re.search(r"—\s*1\s*—", pages[0])  # the cover carries no number
        assert "云南省玉溪市基层侨联组织建设" in pages[0] and "玉溪市侨联" in pages[0]
        # Pages as pictures (looked at while developing; kept as artifacts).
        ARTIFACTS.mkdir(exist_ok=True)
        for old in ARTIFACTS.glob("report-page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "report-page")], check=True)
    rendered = sorted(ARTIFACTS.glob("report-page-*.png"))
    assert len(rendered) == len([p for p in pages if p.strip()]) >= 5
    assert all(p.stat().st_size > 3000 for p in rendered)


@pytest.mark.parametrize("url", [
    "http://example.com/x.png", "https://qiaolian.invalid/media/census/imports/a.csv", "file:///etc/passwd",
    "https://qiaolian.invalid/static/../../etc/passwd", "data:image/png;base64,AAAA", "https://qiaolian.invalid/static/img/nothing.png",
])
def test_fetcher_refuses_everything_but_static_files(url):
    fetcher = static_only_fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert fetcher.fetch("https://qiaolian.invalid/static/img/emblem.svg").read().startswith(b"<")


def test_names_with_markup_fetch_nothing(world):
    hostile = '<img src="http://169.254.169.254/latest">&'
    world.township.name = f"镇{hostile}"
    world.township.save()
    world.overdue_task.title = '任务<img src="file:///etc/passwd">'
    world.overdue_task.responsible_unit = '<link rel=stylesheet href="file:///etc/passwd">'
    world.overdue_task.save()
    data = report_data(world.tonghai, as_of=AS_OF)
    html = report_html(data)
    assert "<img src=\"http://169" not in html and "&lt;img src=&quot;http://169" in html
    fetcher = static_only_fetcher()
    report_pdf(data, fetcher=fetcher)
    assert fetcher.refused == []
    assert fetcher.served == ["https://qiaolian.invalid/static/img/emblem.svg"]


def test_no_cjk_font_fails_loudly(world, monkeypatch):
    import tasks.reports.pdf

    monkeypatch.setattr(tasks.reports.pdf, "cjk_font_family", lambda: None)
    with pytest.raises(ReportError, match="中文字体"):
        pdf_module.report_pdf(report_data(world.tonghai, as_of=AS_OF))


def test_long_lists_are_split_so_layout_stays_fast(world):
    data = report_data(world.yuxi, as_of=AS_OF)
    original = list(data.gaps)
    data.gaps = original * 10  # 260 rows: tables of ROWS_PER_TABLE rows, each repeating its header
    html = report_html(data)
    assert html.count('<table data-section="gaps">') == -(-len(data.gaps) // pdf_module.ROWS_PER_TABLE) == 2
    data.gaps = original * 20  # 520 rows: numbered lines grouped by level (a table row costs four lines)
    html = report_html(data)
    assert '<table data-section="gaps">' not in html
    assert html.count('<div class="lines" data-section="gaps">') == len({g.level for g in original})
    assert html.count("</p>") >= len(data.gaps)
    assert original[0].reason in html
