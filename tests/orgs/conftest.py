import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pdf():
    return SimpleUploadedFile("方案.pdf", PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def day():
    """day(n): the date n days ago (local time)."""
    return lambda n: timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def policies(db):
    from census.coverage.services import policies_load

    policies_load()
