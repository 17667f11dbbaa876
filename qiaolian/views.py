"""Project-level views: the health check, the 404 handler. The pages live in the apps' concern packages."""
from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found

from tasks.reports.pdf import cjk_font_family


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as error:
        return {"ok": False, "vendor": connection.vendor, "error": str(error)}


def _check_cache() -> dict:
    try:
        cache.set("healthz", "ok", 10)
        ok = cache.get("healthz") == "ok"
        return {"ok": ok, "backend": str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]}
    except Exception as error:
        return {"ok": False, "error": str(error)}


def _check_broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "eager"}
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return {"ok": True, "mode": "redis"}
    except Exception as error:
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


def not_found(request, exception=None):
    """handler404: JSON ({"detail": …}, as DRF answers) under /api/, the 404 page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    return page_not_found(request, exception)
