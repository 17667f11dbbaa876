import pytest
from django.core.cache import cache

from tests.reports.factories import yuxi_world


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return yuxi_world()
