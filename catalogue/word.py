"""The list and its notice as Word files (python-docx), because county staff paste them into
documents: the table of annex 1 with a duty's cells merged down its rows and a category's down
all of its duties' rows, as in the seed's Word table."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from catalogue.layout import COLUMNS, has_headings, records_to_rows

WIDTHS_CM = (1.2, 2.2, 3.0, 6.5, 6.0, 3.2, 2.6, 1.8)
FONT = "SimSun"
# Columns merged down a duty's rows when every row of the duty says the same.
SAME_TEXT_COLUMNS = (4, 5, 6)


def _document(landscape: bool):
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    # East Asian text takes the eastAsia font, not the Latin one.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(1.5))
    return doc


def _heading(doc, text: str, size: int = 16) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(size)


def _spans(records: list[dict]) -> list[tuple[int, int, int]]:
    """(first row, last row, column) of every merge: number and name down a duty (the name down
    each heading's rows where one duty covers several items), category down a category."""
    spans = []
    row = 0
    category_start = 0
    for index, duty in enumerate(records):
        last = row + len(duty["clauses"]) - 1
        spans.append((row, last, 0))
        if has_headings(duty):
            start = row
            headings = [c.get("heading") for c in duty["clauses"]]
            for i in range(1, len(headings) + 1):
                if i == len(headings) or headings[i] != headings[i - 1]:
                    spans.append((start, row + i - 1, 2))
                    start = row + i
        else:
            spans.append((row, last, 2))
        next_category = records[index + 1]["category"] if index + 1 < len(records) else None
        if next_category != duty["category"]:
            spans.append((category_start, last, 1))
            category_start = last + 1
        row = last + 1
    return [s for s in spans if s[1] > s[0]]


def _same_text_spans(records: list[dict], rows: list[list]) -> list[tuple[int, int, int]]:
    spans = []
    row = 0
    for duty in records:
        last = row + len(duty["clauses"]) - 1
        for column in SAME_TEXT_COLUMNS:
            if last > row and len({rows[r][column] for r in range(row, last + 1)}) == 1:
                spans.append((row, last, column))
        row = last + 1
    return spans


def list_docx(records: list[dict], title: str) -> bytes:
    doc = _document(landscape=True)
    _heading(doc, title)
    rows = records_to_rows(records, with_code=False)
    table = doc.add_table(rows=1 + len(rows), cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, name in enumerate(COLUMNS):
        cell = table.cell(0, column)
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    spans = _spans(records) + _same_text_spans(records, rows)
    # A merged cell keeps its first row's text only: python-docx joins the texts it merges.
    covered = {(r, c) for first, last, c in spans for r in range(first + 1, last + 1)}
    for r, values in enumerate(rows):
        cells = table.rows[r + 1].cells
        for c, value in enumerate(values):
            if (r, c) not in covered and value not in (None, ""):
                cells[c].text = str(value)
    for first, last, column in spans:
        table.cell(first + 1, column).merge(table.cell(last + 1, column))
    for row in table.rows:
        for column, cell in enumerate(row.cells):
            cell.width = Cm(WIDTHS_CM[column])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def notice_docx(notice_text: str, *, issued_by: str | None = None, dated: str | None = None) -> bytes:
    """The public notice: its first line the title, then one paragraph per line."""
    doc = _document(landscape=False)
    lines = (notice_text or "").split("\n")
    _heading(doc, lines[0] if lines else "", size=18)
    for line in lines[1:]:
        paragraph = doc.add_paragraph(line)
        paragraph.paragraph_format.first_line_indent = Pt(21) if line and not line.startswith(" ") else None
    for closing in (issued_by, dated):
        if closing:
            doc.add_paragraph(closing).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
