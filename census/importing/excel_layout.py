"""An .xlsx laid out as Excel (and WPS) saves one: the texts in the shared strings table, numbers as numbers, the
XML prolog, control characters escaped as Excel escapes them. openpyxl writes every text as an inline string with
character references for non-ASCII text: the same 100,000 census rows are then 92 MB of sheet XML instead of 48 MB
and take the reader 0.4 s longer than the file an office makes (docs/benchmarks.md). `generate_census` writes its
sheets this way; the import tests build their workbooks with it (shared strings or inline)."""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl.utils import get_column_letter

_EXCEL_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_EXCEL_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="侨情登记" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="1"><xf xfId="0"/></cellXfs></styleSheet>'
    ),
}
_XML_PROLOG = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def excel_text(text: str) -> str:
    """Text as Excel writes it in a workbook's XML: control characters as _x0007_ (XML cannot hold them), and a
    literal "_x0041_" kept apart from such an escape as _x005F_x0041_; then the XML escapes."""
    escaped = _EXCEL_ESCAPED.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_excel_xlsx(path: Path, header: Sequence[object], rows: Iterable[Sequence[object]], *, shared_strings: bool = True) -> Path:
    """An .xlsx laid out as Excel saves one (openpyxl writes every text as an inline string): texts in the shared
    strings table (or inline, `shared_strings=False`), numbers as numbers, the XML prolog, control characters
    escaped as Excel escapes them. Rows are streamed: a million rows cost no memory."""
    strings: dict[str, int] = {}
    uses = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((_XML_PROLOG + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>').encode())
            for r, values in enumerate([header, *rows], start=1):
                cells = []
                for c, value in enumerate(values):
                    reference = f"{get_column_letter(c + 1)}{r}"
                    if value is None or value == "":
                        continue
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        cells.append(f'<c r="{reference}"><v>{value}</v></c>')
                    elif shared_strings:
                        uses += 1
                        cells.append(f'<c r="{reference}" t="s"><v>{strings.setdefault(str(value), len(strings))}</v></c>')
                    else:
                        cells.append(f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{excel_text(str(value))}</t></is></c>')
                sheet.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        table = "".join(f'<si><t xml:space="preserve">{excel_text(text)}</t></si>' for text in strings)
        archive.writestr(
            "xl/sharedStrings.xml",
            _XML_PROLOG + f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{uses}" '
            f'uniqueCount="{len(strings)}">{table}</sst>',
        )
        for name, text in _EXCEL_PARTS.items():
            archive.writestr(name, _XML_PROLOG + text)
    return path
