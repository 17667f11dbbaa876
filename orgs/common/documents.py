"""Uploaded documents of founding steps and activities: the type is judged by content, not by name
(as the census import does), the size is limited. PDF, images (PNG, JPEG) and Office files."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_MAX_BYTES = getattr(settings, "ORGS_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

PDF, PNG, JPEG, OOXML, OLE = "pdf", "png", "jpeg", "ooxml", "ole"
MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"PK\x03\x04", OOXML),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
)
SUFFIXES = {
    PDF: {".pdf"},
    PNG: {".png"},
    JPEG: {".jpg", ".jpeg"},
    OOXML: {".docx", ".xlsx", ".pptx"},
    OLE: {".doc", ".xls", ".ppt"},
}
ALLOWED_SUFFIXES = sorted(s for group in SUFFIXES.values() for s in group)
# Where each Office Open XML type keeps its content: a .docx without word/ is not a Word document.
OOXML_PARTS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
# Markup a browser would render as a page. A PDF or image holding it is a page in disguise (served to another user,
# sniffed as HTML); compressed streams make a chance match vanishingly unlikely.
HTML_MARKUP = re.compile(rb"<(?:html|head|body|script|iframe|object|embed|svg|meta)[\s/>]|<!doctype\s+html", re.IGNORECASE)
# What a download of a document is answered as (FileResponse guesses it from the name; octet-stream when the
# name says nothing): documented in the API schema.
DOCUMENT_MEDIA_TYPES = (
    "application/pdf", "image/png", "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/octet-stream",
)


def sniff_document(head: bytes) -> str | None:
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    return None


def validate_document(upload, *, field: str = "document") -> None:
    """Raises ValidationError({field: why}) unless `upload` is a PDF, PNG/JPEG image or Office file within
    the size limit whose content matches its extension. Leaves the file positioned at its start."""
    name = getattr(upload, "name", "") or ""
    suffix = Path(name).suffix.lower()
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise ValidationError({field: _("文件“%(name)s”是空的") % {"name": name}})
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {field: _("文件“%(name)s”大小 %(size)s 超过上限 %(limit)s")
             % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(DOCUMENT_MAX_BYTES)}}
        )
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(
            {field: _("不支持的文件类型“%(suffix)s”：只接受 %(allowed)s") % {"suffix": suffix or name, "allowed": "、".join(ALLOWED_SUFFIXES)}}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff_document(head)
    if kind is None or suffix not in SUFFIXES[kind]:
        raise ValidationError(
            {field: _("文件“%(name)s”的内容与扩展名 %(suffix)s 不符（按内容判断不是该类型的文件）") % {"name": name, "suffix": suffix}}
        )
    if kind == OOXML:
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise ValidationError({field: _("文件“%(name)s”已损坏，无法打开") % {"name": name}}) from None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" not in names or not any(n.startswith(OOXML_PARTS[suffix]) for n in names):
            raise ValidationError({field: _("文件“%(name)s”不是 %(suffix)s 格式的 Office 文档") % {"name": name, "suffix": suffix}})
    if kind in (PDF, PNG, JPEG):
        _check_body(upload, kind, name, field)


def _check_body(upload, kind: str, name: str, field: str) -> None:
    """A PDF or image that holds a web page is a page in disguise: refused."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if HTML_MARKUP.search(data):
        raise ValidationError(
            {field: _("文件“%(name)s”含有网页（HTML）内容，不是真正的 %(kind)s 文件，已拒绝") % {"name": name, "kind": kind.upper()}}
        )

