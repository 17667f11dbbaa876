"""Issue 18 §5: a document whose content is not what it claims is refused: a "PDF" that starts with %PDF- but holds
a web page, an image with a script, an Office file of another kind. What is accepted is sealed on disk and comes
back whole through the scoped download."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.common.documents import validate_document
from orgs.common.sealing import MAGIC
from orgs.organizations import network
from orgs.organizations.choices import OrganizationKind
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Activity
from orgs.regions.models import Region
from tests.census.import_files import PNG_BYTES
from tests.orgs.conftest import PDF_BYTES
from tests.orgs.factories import OrganizationFactory


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def office(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


HTML_AS_PDF = b"%PDF-1.4\n<html><body><script>fetch('/api/persons/').then(r => r.text()).then(alert)</script></body></html>"


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("通知.pdf", HTML_AS_PDF, "含有网页（HTML）内容，不是真正的 PDF 文件"),
    ("通知.pdf", b"%PDF-1.7\n<!DOCTYPE html><p>hi</p>", "含有网页（HTML）内容"),
    ("通知.pdf", b"%PDF-1.7\n1 0 obj <</JS 1>> <SVG onload=alert(1)>", "含有网页（HTML）内容"),
    ("照片.png", PNG_BYTES + b"<script>alert(1)</script>", "不是真正的 PNG 文件"),
    ("照片.jpg", b"\xff\xd8\xff\xe0<iframe src=//x>", "不是真正的 JPEG 文件"),
    ("方案.docx", office({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}), "不是 .docx 格式的 Office 文档"),
    ("方案.pdf", b"<html>%PDF-1.4</html>", "内容与扩展名 .pdf 不符"),
])
def test_a_document_that_is_not_what_it_claims_is_refused(name, content, reason):
    with pytest.raises(ValidationError) as refused:
        validate_document(upload(name, content))
    assert reason in " ".join(refused.value.messages)


@pytest.mark.parametrize(("name", "content"), [
    ("方案.pdf", PDF_BYTES),
    ("照片.png", PNG_BYTES),
    ("方案.docx", office({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document><w:body/></w:document>"})),
])
def test_real_documents_pass(name, content):
    validate_document(upload(name, content))


@pytest.mark.django_db
def test_an_activity_attachment_is_refused_or_sealed(tonghai_official, client_for):
    township = OrganizationFactory(
        name="河西镇侨联", kind=OrganizationKind.TOWNSHIP, region=Region.objects.get(code="530423101"), status=OrganizationStatus.ACTIVE
    )
    activity = Activity.objects.create(organization=township, duty="liaison", title="中秋联谊", held_on="2026-09-01")
    with pytest.raises(ValidationError, match="含有网页"):
        network.activity_attachment_add(activity=activity, actor=tonghai_official, file=upload("签到表.pdf", HTML_AS_PDF))
    assert not activity.attachments.exists()

    content = PDF_BYTES + b"% 11010519491231002X\n"
    attachment = network.activity_attachment_add(activity=activity, actor=tonghai_official, file=upload("签到表.pdf", content))
    stored = Path(attachment.file.path).read_bytes()
    assert stored.startswith(MAGIC) and b"11010519491231002X" not in stored
    response = client_for(tonghai_official).get(f"/organizations/attachments/{attachment.pk}/")
    assert b"".join(response.streaming_content) == content
