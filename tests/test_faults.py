"""Faults the application must survive in-process: the cache (Redis) down makes pages compute instead of fail; the
database unreachable answers 503 with Retry-After and no trace (a page, or JSON under /api/); connections are
checked before reuse so the application recovers from a database restart by itself. The scripts of
tests/production/ (make fault-redis, make fault-postgres) prove the same against real servers."""
from __future__ import annotations

import socket
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template import loader
from django.test import Client, override_settings

from qiaolian.cache import FailSoftRedisCache

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dead_redis_cache_settings() -> dict:
    return {"default": {"BACKEND": "qiaolian.cache.FailSoftRedisCache", "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
                        "OPTIONS": {"socket_connect_timeout": 1, "RETRY_AFTER": 0}}}


def test_production_settings_use_the_failing_soft_cache_and_checked_connections():
    if settings.REDIS_URL:
        assert settings.CACHES["default"]["BACKEND"] == "qiaolian.cache.FailSoftRedisCache"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"  # a Redis outage logs nobody out


def test_a_dead_redis_is_a_miss_never_an_error():
    dead = FailSoftRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {"OPTIONS": {"RETRY_AFTER": 0}})
    started = time.monotonic()
    assert dead.get("k", "default") == "default"
    assert time.monotonic() - started < 0.5  # no retries with back-off (redis-py's default costs seconds)
    dead.set("k", 1)
    assert dead.add("k", 1) is False
    assert dead.get_many(["a", "b"]) == {}
    assert dead.set_many({"a": 1}) == ["a"]
    assert dead.delete("k") is False and dead.has_key("k") is False and dead.touch("k") is False
    dead.delete_many(["a"])
    dead.clear()
    with pytest.raises(ValueError):
        dead.incr("k")  # as for a missing key, which callers handle
    assert dead.get_or_set("k", lambda: 42) == 42


def test_after_an_error_redis_is_left_alone_for_a_while():
    dead = FailSoftRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {"OPTIONS": {"RETRY_AFTER": 60}})
    assert dead.get("k") is None
    dead._cache.get = None  # were it tried again, calling None would raise TypeError, which is not failed soft
    assert dead.get("k") is None


def test_pages_answer_with_the_cache_down(client_for, yuxi_staff):
    client = client_for(yuxi_staff)
    with override_settings(CACHES=_dead_redis_cache_settings()):
        for url in ("/", "/dashboard/530400/", "/organizations/", "/census/persons/"):
            response = client.get(url)
            assert response.status_code == 200, url
        assert cache.get("anything") is None


@override_settings(ROOT_URLCONF="tests.faults_urls")
@pytest.mark.parametrize("url", ["/faults/database-gone/", "/faults/connection-closed/"])
def test_database_unavailable_is_a_503_page_without_a_trace(url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "数据库暂时不可用，请稍后再试" in text and "服务暂时不可用" in text
    assert "Traceback" not in text and "server closed" not in text and "already closed" not in text


@override_settings(ROOT_URLCONF="tests.faults_urls")
def test_the_503_page_offers_to_try_the_same_address_again():
    response = Client(raise_request_exception=False).get("/faults/database-gone/?page=2")
    assert response.status_code == 503
    assert 'href="/faults/database-gone/?page=2" data-testid="retry"' in response.content.decode()


@pytest.mark.parametrize(("template", "says"), [("500.html", "系统暂时出现故障"), ("503.html", "服务暂时不可用")])
def test_the_server_error_pages_render_without_the_database_or_a_request(django_db_blocker, template, says):
    """As server_error renders them while the database is down: no request, so no context processor."""
    with django_db_blocker.block():
        page = loader.get_template(template).render({"message": "数据库暂时不可用，请稍后再试"})
    assert says in page and 'class="site-header"' in page
    assert "site-nav" not in page and "csrfmiddlewaretoken" not in page  # no navigation, no language form


@override_settings(ROOT_URLCONF="tests.faults_urls")
def test_database_unavailable_is_a_503_json_under_the_api():
    response = Client(raise_request_exception=False).get("/api/faults/database-gone/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json() == {"detail": "数据库暂时不可用，请稍后再试"}


@override_settings(ROOT_URLCONF="tests.faults_urls")
def test_the_503_is_translated():
    response = Client(raise_request_exception=False, headers={"accept-language": "en"}).get("/faults/database-gone/")
    assert response.status_code == 503
    assert "数据库暂时不可用" not in response.content.decode()


@override_settings(ROOT_URLCONF="tests.faults_urls")
def test_other_errors_stay_a_500():
    response = Client(raise_request_exception=False).get("/faults/bug/")
    assert response.status_code == 500 and "Retry-After" not in response
    assert "系统暂时出现故障" in response.content.decode()
