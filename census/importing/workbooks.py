"""Workbooks the import hands out: the blank template (with drop-downs) and the error report.
Every text cell goes through the project's one formula escaper; no cell is ever a formula."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from census.importing.columns import PERSON_COLUMNS, TEMPLATE_CATEGORIES, TEMPLATE_DOCUMENTS, UNIT_COLUMNS
from census.importing.values import clean_text
from orgs.common.exports import escape_cell
from orgs.common.text import CELL_CONTROL_RE

HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
ERROR_FONT = Font(color="B71C1C")


def write_cell(sheet, row: int, column: int, value):
    """Writes one cell as data: escaped text, and explicitly not a formula. Control characters (which an .xlsx
    cannot hold, and those no import accepts: the error report lists their rows, naming them in its reasons) are
    dropped first, so that what remains is what the escaper judges."""
    if isinstance(value, str):
        value = CELL_CONTROL_RE.sub("", value)
    value = escape_cell(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _header(sheet, headers: list[str], widths: list[int]) -> None:
    for index, (text, width) in enumerate(zip(headers, widths), start=1):
        cell = write_cell(sheet, 1, index, text)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def census_template_workbook(max_rows: int = 5000) -> bytes:
    """The blank census template: Chinese headers, text-formatted ID/phone columns, drop-down lists."""
    book = Workbook()
    sheet = book.active
    sheet.title = "侨情登记"
    _header(sheet, [c.header for c in PERSON_COLUMNS], [c.width for c in PERSON_COLUMNS])
    letters = {c.key: get_column_letter(i) for i, c in enumerate(PERSON_COLUMNS, start=1)}
    lists = {
        "category": ",".join(TEMPLATE_CATEGORIES),
        "id_type": ",".join(TEMPLATE_DOCUMENTS),
        "gender": "男,女",
        **dict.fromkeys(("is_needy", "is_left_behind_child", "is_empty_nest_elderly", "is_high_level_talent", "is_new_overseas"), "是,否"),
    }
    for key, choices in lists.items():
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=key != "category")
        validation.error = "请从下拉列表中选择"
        validation.errorTitle = "无效的值"
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(f"{letters[key]}2:{letters[key]}{max_rows + 1}")
    # Text format for IDs, phones and region codes (Excel would round an 18-digit number): as the
    # column's style, which Excel gives the cells typed into it, and on the rows the drop-downs cover.
    for key in ("id_number", "phone", "region"):
        sheet.column_dimensions[letters[key]].number_format = "@"
        for row in range(2, max_rows + 2):
            sheet[f"{letters[key]}{row}"].number_format = "@"
    notes = book.create_sheet("填写说明")
    _header(notes, ["列", "必填", "说明"], [16, 8, 80])
    for row, column in enumerate(PERSON_COLUMNS, start=2):
        write_cell(notes, row, 1, column.header)
        write_cell(notes, row, 2, "是" if column.required else "")
        synonyms = f"（也可写作：{'、'.join(column.synonyms)}）" if column.synonyms else ""
        write_cell(notes, row, 3, f"{column.help}{synonyms}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unit_template_workbook(kinds: list[str], max_rows: int = 2000) -> bytes:
    """The blank unit-directory template: Chinese headers, the credit code and place as text, drop-downs for the
    kind (`kinds`: the labels) and 两新组织, and a sheet that explains each column."""
    book = Workbook()
    sheet = book.active
    sheet.title = "单位名录"
    _header(sheet, [c.header for c in UNIT_COLUMNS], [c.width for c in UNIT_COLUMNS])
    letters = {c.key: get_column_letter(i) for i, c in enumerate(UNIT_COLUMNS, start=1)}
    for key, choices in (("kind", ",".join(kinds)), ("is_two_new", "是,否")):
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        validation.error = "请从下拉列表中选择"
        validation.errorTitle = "无效的值"
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(f"{letters[key]}2:{letters[key]}{max_rows + 1}")
    for key in ("credit_code", "region"):
        sheet.column_dimensions[letters[key]].number_format = "@"
        for row in range(2, max_rows + 2):
            sheet[f"{letters[key]}{row}"].number_format = "@"
    notes = book.create_sheet("填写说明")
    _header(notes, ["列", "必填", "说明"], [18, 8, 90])
    for row, column in enumerate(UNIT_COLUMNS, start=2):
        write_cell(notes, row, 1, column.header)
        write_cell(notes, row, 2, "是" if column.required else "")
        synonyms = f"（也可写作：{'、'.join(column.synonyms)}）" if column.synonyms else ""
        write_cell(notes, row, 3, f"{column.help}{synonyms}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def error_report_workbook(header: list[object], invalid_rows: dict[int, list[object]], errors_by_row: dict) -> bytes:
    """The refused rows as uploaded, with their sheet row number and the reasons in a last column."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "错误报告"
    headers = ["原行号", *[clean_text(h) for h in header], "错误原因"]
    _header(sheet, headers, [8, *([14] * len(header)), 60])
    for out_row, row_number in enumerate(sorted(invalid_rows), start=2):
        write_cell(sheet, out_row, 1, row_number)
        for index, value in enumerate(invalid_rows[row_number], start=2):
            write_cell(sheet, out_row, index, value)
        reasons = "；".join(f"【{e.column}】{e.reason}" for e in errors_by_row.get(row_number, []))
        write_cell(sheet, out_row, len(headers), reasons).font = ERROR_FONT
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
