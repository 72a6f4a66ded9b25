"""One order everywhere: a duty added to a category sits at its end and 序号 run down the list."""

from __future__ import annotations

import copy
import csv
import io
import json

from openpyxl import load_workbook

from admission.releases import operations as release_ops
from catalogue.releases import build_release, current_release, publish_release, release_records


def _with_new_duty(session):
    records = release_records(session, current_release(session))
    new = copy.deepcopy(next(r for r in records if r["category"] == "乡村振兴"))
    new |= {"code": None, "number": len(records) + 1, "title": "农村公共厕所日常管护"}
    release = build_release(session, [*records, new], title="临猗县村（社区）履行职责事项清单")
    publish_release(session, release)
    session.flush()
    return release


def test_a_new_duty_sits_at_the_end_of_its_category_and_numbers_run_in_order(session):
    release = _with_new_duty(session)
    records = release_records(session, release)
    assert [r["number"] for r in records] == list(range(1, 61))
    rural = [r for r in records if r["category"] == "乡村振兴"]
    assert [r["number"] for r in rural] == [20, 21, 22, 23] and rural[-1]["title"] == "农村公共厕所日常管护"
    categories = [r["category"] for r in records]
    # each category is one run of rows
    runs = [c for i, c in enumerate(categories) if i == 0 or categories[i - 1] != c]
    assert len(runs) == len(set(categories))

    version = release.version
    ws = load_workbook(io.BytesIO(release_ops.export_release(session, version, "xlsx"))).active
    xlsx_numbers = [row[0] for row in ws.iter_rows(min_row=3, values_only=True) if row[0] is not None]
    assert xlsx_numbers == list(range(1, 61))
    xlsx_titles = {row[0]: row[2] for row in ws.iter_rows(min_row=3, values_only=True) if row[0] is not None}
    assert xlsx_titles[23] == "农村公共厕所日常管护"
    rows = list(csv.reader(io.StringIO(release_ops.export_release(session, version, "csv").decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:] if r[0] == "23"] == ["农村公共厕所日常管护"]
    doc = json.loads(release_ops.export_release(session, version, "json"))
    assert [d["number"] for d in doc["duties"]] == list(range(1, 61))
    assert doc["duties"][22]["title"] == "农村公共厕所日常管护"


def test_the_public_page_shows_the_new_duty_with_its_number_after_22(app):
    from admission.core.db import get_session

    with app.app_context():
        session = get_session()
        _with_new_duty(session)
        session.commit()
    page = app.test_client().get("/").get_data(as_text=True)
    assert page.index("农村公共厕所日常管护") > page.index("乡村振兴")
    text = page[page.index("农村公共厕所日常管护") - 400 : page.index("农村公共厕所日常管护")]
    assert "23" in text
