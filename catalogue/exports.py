"""A release as .csv and .json, for machines and for the public."""

from __future__ import annotations

import csv
import io
import json

from catalogue.layout import CODE_COLUMN, COLUMNS, records_to_rows
from catalogue.xlsx import neutralise


def release_document(release, records: list[dict]) -> dict:
    """The release as API.md's ``GET /api/v1/catalogue`` returns it."""
    return {
        "version": release.version,
        "title": release.title,
        "document_number": release.document_number,
        "effective_on": release.effective_on.isoformat() if release.effective_on else None,
        "published_at": release.published_at.isoformat() if release.published_at else None,
        "issued_by": release.issued_by,
        "source": release.source,
        "provenance": release.provenance,
        "notes": release.notes or [],
        "duties": records,
    }


def to_csv(records: list[dict]) -> str:
    # A UTF-8 BOM so that Excel, which most county offices open CSV files with, reads the Chinese.
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, CODE_COLUMN])
    for row in records_to_rows(records):
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue()


def to_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)
