"""Fixtures of the task tests: the shipped plans loaded as on 2022-11-01, with a liaison for each Yuxi county."""
import datetime

import pytest

from qiaolian.demo.plans import demo_liaisons_create
from tasks.plans.models import Plan
from tasks.plans.services import plans_load

WALK_START = datetime.date(2022, 11, 1)


@pytest.fixture
def yuxi_plan(db):
    demo_liaisons_create()
    plans_load(today=WALK_START)
    return Plan.objects.get(key="yuxi-2020")


@pytest.fixture
def email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
