"""Project-level views: the health check, the 404 handler and the server error page (503 while the database is
down). The pages live in the apps' concern packages."""
from __future__ import annotations

import sys

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
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
        ok = cache.get("healthz") == "ok"  # a failing-soft cache that is down answers a miss
        backend = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
        return {"ok": ok, "backend": backend} if ok else {"ok": False, "backend": backend, "error": "unavailable"}
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


# Seconds a client is asked to wait before trying again while the database is unavailable.
DATABASE_RETRY_AFTER = 30


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    """handler500: an error Django did not handle. The database unreachable (restarting, connection lost) is a 503
    that says so, with Retry-After, a JSON body under /api/, and no trace; anything else is the 500 page. Both are
    rendered without the request's context (which would query the database again)."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request)
    return HttpResponseServerError(loader.get_template(template_name).render())


def database_unavailable(request) -> HttpResponse:
    message = _("数据库暂时不可用，请稍后再试")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        # Rendered without the request (its context processors query the database); a GET can simply be tried again.
        retry_url = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        page = loader.get_template("503.html").render({"message": message, "retry_url": retry_url})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def not_found(request, exception=None):
    """handler404: JSON ({"detail": …}, as DRF answers) under /api/, the 404 page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    return page_not_found(request, exception)
