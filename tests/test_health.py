"""/healthz: database, cache, broker, the CJK font for PDFs, version; 503 when a service is down."""
from __future__ import annotations

import shutil
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db


def health(client=None):
    response = (client or Client()).get("/healthz")
    return response, response.json()


def test_healthy():
    response, body = health()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert body["status"] == "ok"
    assert body["version"] == settings.VERSION
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["cache"]["ok"] is True
    expected_cache = "FailSoftRedisCache" if settings.REDIS_URL else "LocMemCache"
    assert body["cache"]["backend"] == expected_cache


def test_broker_mode_follows_redis_url():
    _, body = health()
    if settings.REDIS_URL:
        assert body["broker"] == {"ok": True, "mode": "redis"}
    else:
        assert body["broker"] == {"ok": True, "mode": "eager"}
        assert settings.CELERY_TASK_ALWAYS_EAGER is True


@pytest.mark.skipif(not shutil.which("fc-list"), reason="fontconfig is not installed")
def test_cjk_font_is_found():
    _, body = health()
    assert body["cjk_font"]["ok"] is True
    assert "CJK" in body["cjk_font"]["family"] or "Noto" in body["cjk_font"]["family"]


def test_missing_font_is_reported_without_failing_health():
    with mock.patch("qiaolian.views.cjk_font_family", return_value=None):
        response, body = health()
    assert response.status_code == 200
    assert body["cjk_font"] == {"ok": False, "family": None}


def test_cache_down_is_503():
    with mock.patch("qiaolian.views.cache.set", side_effect=ConnectionError("cache down")):
        response, body = health()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["cache"]["ok"] is False and "cache down" in body["cache"]["error"]


def test_broker_down_is_503(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response, body = health()
    assert response.status_code == 503
    assert body["broker"]["ok"] is False and body["broker"]["mode"] == "redis"


def test_healthz_needs_no_login_and_only_reads():
    assert Client().get("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405
