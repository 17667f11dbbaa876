"""Project-level pages: the home page and the health check."""
from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from orgs.scoping import user_scope
from orgs.selectors import visible_ancestors


def _dashboard(request, code: str | None):
    from tasks.dashboard import dashboard_data, dashboard_links, dashboard_region
    from tasks.reports.charts import report_charts
    from tasks.reports.data import DASHBOARD_OVERDUE_SHOWN

    region = dashboard_region(request.user, code)
    data = dashboard_data(region, as_of=timezone.localdate())
    scope = user_scope(request.user)
    crumbs = [(r.code, r.name) for r in visible_ancestors(region, request.user)] if region is not None else []
    links = dashboard_links(data)
    charts = report_charts(data, links=links["areas"])
    return render(request, "dashboard/dashboard.html", {
        "data": data,
        "links": links,
        "levels": [(c, links["levels"][level]) for level, c in data.levels.items()],
        "areas": [(a, links["areas"][a.region.code]) for a in data.areas],
        "milestones": [(m, links["milestones"][m.pk]) for m in data.milestones],
        "overdue_tasks": [(t, links["task"][t.pk]) for t in data.overdue_tasks],
        "categories": [(data.category_labels[c], n, links["categories"][c]) for c, n in data.people_by_category.items()],
        "charts": charts,
        "crumbs": crumbs,
        "can_write": scope.edits_region(region) if region is not None else scope.is_admin,
        "overdue_shown": DASHBOARD_OVERDUE_SHOWN,
        "region": region,
    })


@require_safe
@login_required
def home(request):
    """首页: the dashboard of the user's scope region (or of `?region=CODE` inside the scope)."""
    return _dashboard(request, request.GET.get("region") or None)


@require_safe
@login_required
def dashboard(request, code: str):
    """The dashboard of one region of the user's scope (drill-down from a county row or dot)."""
    return _dashboard(request, code)


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
    return (simplified or families or [None])[0]


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as error:  # noqa: BLE001 - a health check reports, it does not raise
        return {"ok": False, "vendor": connection.vendor, "error": str(error)}


def _check_cache() -> dict:
    try:
        cache.set("healthz", "ok", 10)
        ok = cache.get("healthz") == "ok"
        return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "error": str(error)}


def _check_broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "eager"}
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return {"ok": True, "mode": "redis"}
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "mode": "redis", "error": str(error)}


@never_cache
@require_safe
def healthz(request):
    """JSON health: database, cache, broker, the CJK font for PDFs, version. 503 when a service is down."""
    font = cjk_font_family()
    checks = {
        "database": _check_database(),
        "cache": _check_cache(),
        "broker": _check_broker(),
        "cjk_font": {"ok": font is not None, "family": font},
    }
    healthy = all(checks[name]["ok"] for name in ("database", "cache", "broker"))
    body = {"status": "ok" if healthy else "degraded", "version": settings.VERSION, **checks}
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
