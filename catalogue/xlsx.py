"""The official table as an .xlsx workbook, both ways (openpyxl)."""

from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter, range_boundaries

from catalogue.layout import (
    CODE_COLUMN,
    COLUMNS,
    LayoutError,
    Problem,
    Row,
    find_columns,
    has_headings,
    records_to_rows,
)

WIDTHS = (6, 10, 16, 48, 48, 22, 22, 12, 10)
MAX_ROWS = 20000
MAX_COLUMNS = 50
MAX_FILE_BYTES = 20 * 2**20
MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = 100 * 2**20
MAX_UNPACKED_BYTES = 200 * 2**20
MAX_MERGED = 50000


def neutralise(value):
    """A cell a spreadsheet would run as a formula is stored as text (no formula injection), and
    characters no cell can hold are dropped: input is checked for them, but an export must never
    fail on a row stored before that rule (openpyxl raises IllegalCharacterError)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


def write_xlsx(records: list[dict], title: str, out: BinaryIO) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "清单"
    header = [*COLUMNS, CODE_COLUMN]
    ws.append([neutralise(title)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(header)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col in range(1, len(header) + 1):
        ws.cell(row=2, column=col).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS[col - 1]
    for row in records_to_rows(records):
        ws.append([neutralise(v) for v in row])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.border = border
            c.alignment = Alignment(wrap_text=True, vertical="center")
    _merge_duty_cells(ws, records, first_row=3)
    ws.freeze_panes = "A3"
    wb.save(out)


def _merge_duty_cells(ws, records: list[dict], first_row: int) -> None:
    """Merge number, name and code down each duty's rows, and the category down all its duties' rows,
    as annex 1 does."""
    row = first_row
    category_start = first_row
    for index, duty in enumerate(records):
        last = row + len(duty["clauses"]) - 1
        following = records[index + 1] if index + 1 < len(records) else None
        if following is None or following["category"] != duty["category"]:
            if last > category_start:
                ws.merge_cells(start_row=category_start, start_column=2, end_row=last, end_column=2)
            category_start = last + 1
        if last > row:
            for col in (1, 9):
                ws.merge_cells(start_row=row, start_column=col, end_row=last, end_column=col)
            if has_headings(duty):
                start = row
                headings = [c["heading"] for c in duty["clauses"]]
                for i in range(1, len(headings) + 1):
                    if i == len(headings) or headings[i] != headings[i - 1]:
                        end = row + i - 1
                        if end > start:
                            ws.merge_cells(start_row=start, start_column=3, end_row=end, end_column=3)
                        start = end + 1
            else:
                ws.merge_cells(start_row=row, start_column=3, end_row=last, end_column=3)
        row = last + 1


def _check_archive(data: bytes) -> zipfile.ZipFile:
    """Refuse, before anything is decompressed, a file whose members would not fit in memory (a zip
    bomb: a small file declaring a huge member)."""
    if len(data) > MAX_FILE_BYTES:
        raise LayoutError([Problem(0, None, f"文件过大（最多 {MAX_FILE_BYTES // 2**20} MB）")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LayoutError([Problem(0, None, "文件不是有效的 .xlsx 表格")]) from exc
    total = sum(m.file_size for m in members)
    if len(members) > MAX_MEMBERS or total > MAX_UNPACKED_BYTES or any(m.file_size > MAX_MEMBER_BYTES for m in members):
        raise LayoutError([Problem(0, None, f"表格解压后过大（最多 {MAX_UNPACKED_BYTES // 2**20} MB）")])
    return archive


def _merged_ranges(archive: zipfile.ZipFile, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges (min_row, min_col, max_row, max_col), read from its XML as a stream:
    a read-only workbook does not keep them, and a loaded one would allocate every covered cell."""
    from xml.etree.ElementTree import iterparse

    ranges = []
    with archive.open(sheet_path.lstrip("/")) as stream:
        for _event, element in iterparse(stream):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                ranges.append((min_row, min_col, max_row, max_col))
                if len(ranges) > MAX_MERGED:
                    raise LayoutError([Problem(0, None, f"合并单元格过多（最多 {MAX_MERGED} 处）")])
            elif not element.tag.endswith("}mergeCells") and not element.tag.endswith("}mergeCell"):
                element.clear()
    return ranges


def read_xlsx(data: bytes) -> tuple[list, list[Row]]:
    """The header row and the data rows below it, merged cells filled with their anchor's value.

    Bounded: file size, unpacked size, rows and merged ranges are checked before the work they
    would cost, and the sheet is read as a stream (read-only). Any fault in the file is reported
    by row and column, never as a traceback.
    """
    archive = _check_archive(data)
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML parse errors
        raise LayoutError([Problem(0, None, "文件不是有效的 .xlsx 表格")]) from exc
    if not wb.worksheets:
        raise LayoutError([Problem(0, None, "表格中没有工作表")])
    ws, ws_formulas = wb.worksheets[0], formulas.worksheets[0]
    values: list[list] = []
    try:
        # The sheet's own claim of its size (its dimension) is not believed: rows are read as they
        # come, never more than MAX_COLUMNS wide.
        for sheet in (ws, ws_formulas):
            sheet.reset_dimensions()
        pairs = zip(
            ws.iter_rows(max_col=MAX_COLUMNS, values_only=True),
            ws_formulas.iter_rows(max_col=MAX_COLUMNS, values_only=True),
            strict=False,
        )
        for r, (cached, written) in enumerate(pairs, start=1):
            if r > MAX_ROWS:
                raise LayoutError([Problem(0, None, f"表格行数过多（最多 {MAX_ROWS} 行）")])
            for c, (value, source) in enumerate(zip(cached, written, strict=False), start=1):
                if value is None and isinstance(source, str) and source.startswith("="):
                    message = "公式没有计算结果，请在 Excel 中保存后再导入，或改为数值"
                    raise LayoutError([Problem(r, get_column_letter(c), message)])
            values.append(list(cached))
        merged_ranges = _merged_ranges(archive, ws._worksheet_path)
    except LayoutError:
        raise
    except Exception as exc:
        at = len(values) + 1
        raise LayoutError([Problem(at, None, f"第 {at} 行附近的表格内容无法读取（文件已损坏）")]) from exc
    finally:
        wb.close()
        formulas.close()
    height, width = len(values), max((len(v) for v in values), default=0)
    # Cells covered by a merge below its first row, and the value of the merge's first cell; a
    # merge is clamped to the cells the sheet really has (J3:XFD1048576 names 16 billion cells).
    merged: dict[tuple[int, int], object] = {}
    for min_row, min_col, max_row, max_col in merged_ranges:
        if min_row > height or min_col > width:
            continue
        anchor = values[min_row - 1][min_col - 1] if min_col <= len(values[min_row - 1]) else None
        for r in range(min_row, min(max_row, height) + 1):
            for c in range(min_col, min(max_col, width) + 1):
                if (r, c) != (min_row, min_col):
                    merged[(r, c)] = anchor
    rows = []
    for r, cells_read in enumerate(values, start=1):
        cells = [merged.get((r, c + 1), v) for c, v in enumerate(cells_read)]
        cells = [
            v[1:] if isinstance(v, str) and v.startswith("'") and v[1:2] in ("=", "+", "-", "@") else v for v in cells
        ]
        continued = {c for c in range(len(cells_read)) if (r, c + 1) in merged}
        rows.append(Row(r, cells, continued))
    for index, (r, cells, _) in enumerate(rows[:20]):
        positions, problems = find_columns(cells)
        if "序号" in positions and "事项名称" in positions:
            if problems:
                raise LayoutError([Problem(r, p.column, p.message) for p in problems])
            return cells, rows[index + 1 :]
    raise LayoutError([Problem(0, None, f"找不到表头（需要列：{'、'.join(COLUMNS)}）")])
