"""The progress report as PDF (WeasyPrint): A4 in the manner of GB/T 9704 official documents, Chinese
fonts from fontconfig (Noto CJK), charts as inline SVG.

WeasyPrint fetches nothing but the project's own static files: `StaticOnlyFetcher` refuses every other
URL (http, file, data …), whatever a region name, task title or reason contains (and Django's template
escaping already turns such text into text)."""
from __future__ import annotations

import logging
import mimetypes
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.reports.charts import report_charts
from tasks.reports.data import ReportData

logger = logging.getLogger(__name__)

BASE_URL = "https://qiaolian.invalid/"
# Long lists are cut into tables of this many rows: WeasyPrint lays out many small tables much faster
# than one huge one, and each still repeats its header row on every page.
ROWS_PER_TABLE = 150
# Beyond this many rows a list is set as numbered lines instead of table rows: WeasyPrint lays out a
# table row about four times slower than a paragraph, and a province has thousands of gaps.
TABLE_ROWS_MAX = 300


class ReportError(Exception):
    """A report cannot be built (the message, in Chinese, is recorded on the job)."""


def _static_file(url: str) -> Path | None:
    """The file of one of the project's own static URLs, or None."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query or parts.fragment:
        return None
    path = unquote(parts.path)
    if not path.startswith(settings.STATIC_URL) or ".." in path.split("/"):
        return None
    found = finders.find(path[len(settings.STATIC_URL):])
    return Path(found) if found else None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves the project's static files; refuses (and records) every other URL."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=())
            self.served: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = _static_file(url)
            if path is None:
                self.refused.append(url)
                logger.warning("report PDF: refused to fetch %s", url[:200])
                raise ValueError(f"refused: {url[:80]}")
            self.served.append(url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

    return StaticOnlyFetcher


def static_only_fetcher():
    """A new fetcher (it records what it served and refused)."""
    return _fetcher_class()()


def cjk_font() -> str:
    """The CJK font family WeasyPrint will use; fails loudly when none is installed (no empty boxes)."""

    family = cjk_font_family()
    if family is None:
        raise ReportError(_("服务器未安装中文字体（如 fonts-noto-cjk），无法生成 PDF 报告"))
    return family


def _chunks(rows: list, size: int = ROWS_PER_TABLE) -> list[list]:
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]


def _by_level(gaps) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for gap in gaps:
        groups.setdefault(gap.level_label, []).append(gap)
    return list(groups.items())


def report_html(data: ReportData) -> str:
    """The report as print HTML (what the PDF is made from)."""
    font = cjk_font()
    serif = font.replace("Sans", "Serif") if "Sans" in font else font
    return render_to_string("reports/report_pdf.html", {
        "data": data,
        "charts": report_charts(data),
        "levels": list(data.levels.values()),
        "gap_tables": _chunks(data.gaps),
        "gap_lines": len(data.gaps) > TABLE_ROWS_MAX,
        "gap_groups": _by_level(data.gaps),
        "home_tables": _chunks(data.homes),
        "home_lines": len(data.homes) > TABLE_ROWS_MAX,
        "overdue_tables": _chunks(data.overdue_tasks),
        "overdue_lines": len(data.overdue_tasks) > TABLE_ROWS_MAX,
        "area_tables": _chunks(data.areas, 60),
        "generated_at": timezone.localtime(),
        "serif_font": serif,
        "sans_font": serif.replace("Serif", "Sans"),
    })


def report_pdf(data: ReportData, *, fetcher=None) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import HTML

    html = report_html(data)
    fetcher = fetcher or static_only_fetcher()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


@lru_cache(maxsize=1)
def cjk_font_family() -> str | None:
    """The first CJK font fontconfig knows (what WeasyPrint will use for Chinese), or None."""
    if not shutil.which("fc-list"):
        return None
    try:
        output = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families = sorted({line.split(",")[0].strip() for line in output.splitlines() if line.strip()})
    simplified = [f for f in families if " SC" in f or f.endswith("SC")]
    candidates = simplified or families
    return candidates[0] if candidates else None
