"""Small helpers shared by the tests."""

from __future__ import annotations

import io

import yaml
from openpyxl import Workbook

from catalogue.imports import release1_data
from catalogue.layout import COLUMNS


def release1_doc() -> dict:
    return yaml.safe_load(release1_data())


def yaml_bytes(doc: dict) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


def xlsx_bytes(rows: list[list], header: list | tuple = COLUMNS, title: str | None = "测试清单") -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
