"""Loading a list from a file as a new release: the county's own .xlsx, or a .yaml data file."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from catalogue.layout import LayoutError, Problem, find_columns, match_current, rows_to_records
from catalogue.models import Release
from catalogue.records import RecordError, normalise_duty
from catalogue.releases import build_release, latest_release, local_today, publish_release, release_records
from catalogue.xlsx import read_xlsx

RELEASE1_FILE = "release1_linyi_2022.yaml"


def parse_yaml(data: bytes) -> tuple[dict, list[dict]]:
    try:
        doc = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LayoutError([Problem(0, None, "文件不是有效的 UTF-8 YAML")]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("duties"), list):
        raise LayoutError([Problem(0, None, "YAML 文件应包含 duties 列表")])
    records, problems = [], []
    for index, raw in enumerate(doc["duties"], start=1):
        try:
            records.append(normalise_duty(raw))
        except RecordError as exc:
            problems.append(Problem(index, exc.field, exc.message))
    if problems:
        raise LayoutError(problems)
    return doc, records


def _names(record: dict) -> list[str]:
    headings = list(dict.fromkeys(c["heading"] for c in record["clauses"] if c.get("heading")))
    return headings if len(headings) > 1 else [record["title"]]


def parse_file(session: Session, filename: str, data: bytes) -> tuple[dict, list[dict]]:
    """``(metadata, records)`` from an uploaded list; raises LayoutError naming every problem."""
    suffix = Path(filename).suffix.lower()
    current = release_records(session, latest_release(session))
    if suffix in (".yaml", ".yml"):
        meta, records = parse_yaml(data)
        for record in records:
            if not record["code"]:
                match = match_current(record["number"], _names(record), current)
                record["code"] = match["code"] if match else None
        return meta, records
    if suffix != ".xlsx":
        raise LayoutError([Problem(0, None, "只能导入 .xlsx 或 .yaml 文件")])
    header, rows = read_xlsx(data)
    positions, _ = find_columns(header)
    return {}, rows_to_records(rows, positions, current)


def import_release(
    session: Session,
    filename: str,
    data: bytes,
    *,
    title: str | None = None,
    document_number: str | None = None,
    effective_on: dt.date | None = None,
    now: dt.datetime | None = None,
    default_effective: bool = True,
) -> Release:
    """Parse the file and publish it as the next release (``source: import``); nothing is written if
    any row is bad. It takes effect on ``effective_on``, else the file's own date, else today unless
    ``default_effective`` is off (a list whose document names no day: in force from the start)."""
    meta, records = parse_file(session, filename, data)
    title = title or meta.get("title") or getattr(latest_release(session), "title", None)
    if not title:
        raise LayoutError([Problem(0, None, "请用 --title 给出清单标题")])
    release = build_release(
        session,
        records,
        title=title,
        document_number=document_number or meta.get("document_number"),
        effective_on=effective_on or meta.get("effective_on") or (local_today() if default_effective else None),
        source="import",
        issued_by=meta.get("issued_by"),
        notes=[str(n) for n in meta.get("notes") or []],
        provenance=meta.get("provenance") or f"《{title}》（{Path(filename).name}）",
    )
    return publish_release(session, release, now=now)


def release1_data() -> bytes:
    return resources.files("catalogue.data").joinpath(RELEASE1_FILE).read_bytes()


def load_release1(
    session: Session,
    *,
    now: dt.datetime | None = None,
    filename: str | None = None,
    data: bytes | None = None,
    title: str | None = None,
) -> Release | None:
    """Publish release 1 unless the county already has a release: the Linyi 2022 list, or the county's
    own list from ``filename``/``data`` (``init --catalogue FILE --title T``)."""
    if latest_release(session) is not None:
        return None
    if data is None:
        return import_release(session, RELEASE1_FILE, release1_data(), now=now, default_effective=False)
    return import_release(session, filename, data, title=title, now=now, default_effective=False)
