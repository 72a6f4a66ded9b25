"""The official table as an .xlsx workbook, both ways (openpyxl)."""

from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

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


def neutralise(value):
    """A cell a spreadsheet would run as a formula is stored as text (no formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_xlsx(records: list[dict], title: str, out: BinaryIO) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "清单"
    header = [*COLUMNS, CODE_COLUMN]
    ws.append([title])
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


def read_xlsx(data: bytes) -> tuple[list, list[Row]]:
    """The header row and the data rows below it, merged cells filled with their anchor's value."""
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LayoutError([Problem(0, None, "文件不是有效的 .xlsx 表格")]) from exc
    ws = wb.worksheets[0]
    if ws.max_row > MAX_ROWS:
        raise LayoutError([Problem(0, None, f"表格行数过多（最多 {MAX_ROWS} 行）")])
    # Cells covered by a merge below its first row, and the value of the merge's first cell.
    merged: dict[tuple[int, int], object] = {}
    for rng in ws.merged_cells.ranges:
        anchor = ws.cell(row=rng.min_row, column=rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    merged[(r, c)] = anchor
    rows = []
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [merged.get((r, c + 1), v) for c, v in enumerate(values)]
        cells = [
            v[1:] if isinstance(v, str) and v.startswith("'") and v[1:2] in ("=", "+", "-", "@") else v for v in cells
        ]
        continued = {c for c in range(len(values)) if (r, c + 1) in merged}
        rows.append(Row(r, cells, continued))
    for index, (r, cells, _) in enumerate(rows[:20]):
        positions, problems = find_columns(cells)
        if "序号" in positions and "事项名称" in positions:
            if problems:
                raise LayoutError([Problem(r, p.column, p.message) for p in problems])
            return cells, rows[index + 1 :]
    raise LayoutError([Problem(0, None, f"找不到表头（需要列：{'、'.join(COLUMNS)}）")])
