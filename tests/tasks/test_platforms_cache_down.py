"""The platforms when the shared cache (Redis) is down: nothing is sent that could not be counted, nothing raises."""
from __future__ import annotations

from django.core.cache import caches

from tasks.notifications.platforms import SENT, THROTTLED, platform_for

DEAD_REDIS = {
    "default": {
        "BACKEND": "qiaolian.cache.FailSoftRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, "RETRY_AFTER": 0},
    }
}


def test_redis_down_throttles_instead_of_sending_uncounted(fake_wecom, settings):
    assert platform_for("wecom").send(to="zhangsan", title="t", body="b", url="", key="1").outcome == SENT
    settings.CACHES = DEAD_REDIS
    try:
        delivery = platform_for("wecom").send(to="zhangsan", title="t", body="b2", url="", key="2")
        assert (delivery.outcome, delivery.retry_after) == (THROTTLED, 60)
        assert len(fake_wecom.messages) == 1
    finally:
        caches["default"].close()
