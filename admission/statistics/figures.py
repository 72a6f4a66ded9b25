"""The statistics as figures: each a table (its rows are also its CSV) and a chart drawn as SVG on
the server (pygal), readable without JavaScript. Everything is kept until the data changes: the key
is the newest audit event's id (every counted change writes one) and the local date (one-offs in
force change at midnight); the public page is kept whole per language."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable
from typing import NamedTuple

import pygal
from flask import current_app
from pygal.style import Style

from admission.applications.enums import State
from admission.core.caching import LRUCache
from admission.core.fragments import data_version
from admission.core.i18n import gettext as _
from admission.core.i18n import lazy_gettext as _l
from admission.core.i18n import select_locale
from admission.reports.enums import Outcome
from admission.statistics import queries

STYLE = Style(
    background="white", plot_background="white", foreground="#222", foreground_strong="#111",
    foreground_subtle="#666", font_family="'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
    colors=("#1f5fa8", "#c0392b", "#e67e22", "#27ae60", "#8e44ad", "#7f8c8d"),
)  # fmt: skip


class Figure(NamedTuple):
    title: object
    columns: tuple
    rows: Callable[[dict], list[tuple]]
    # One bar per unit: a province has 20,000 villages, so the chart and the page's table show the
    # first rows (the largest counts) and the CSV and the JSON hold them all.
    horizontal: bool = False


SHOWN = 20


def _release_rows(s: dict) -> list[tuple]:
    return [(f"v{r['version']}", r["effective_on"], c, n) for r in s["releases"] for c, n in r["by_category"].items()]


FIGURES = {
    "releases": Figure(
        _l("历次版本各类别事项数"), (_l("版本"), _l("施行日期"), _l("类别"), _l("事项数")), _release_rows
    ),
    "outcomes": Figure(
        _l("申请结果"),
        (_l("结果"), _l("申请数")),
        lambda s: [
            (_("办理中") if k == "open" else State.label_of(k), n) for k, n in s["applications"]["by_outcome"].items()
        ],
    ),
    "applicants": Figure(
        _l("各申请单位的申请"),
        (_l("单位"), _l("提交"), _l("准入"), _l("不予准入"), _l("撤回")),
        lambda s: [
            (a["name"], a["submitted"], a["admitted"], a["rejected"], a["withdrawn"])
            for a in s["applications"]["by_applicant"]
        ],
        horizontal=True,
    ),
    "stages": Figure(
        _l("各环节用时（天）"),
        (_l("环节"), _l("次数"), _l("中位数"), _l("90% 分位")),
        lambda s: [(State.label_of(k), v["count"], v["median_days"], v["p90_days"]) for k, v in s["stages"].items()],
    ),
    "overdue": Figure(
        _l("逾期未答复（按单位）"),
        (_l("单位"), _l("初审意见"), _l("征求意见答复")),
        lambda s: [(u["name"], u["reviews"], u["replies"]) for u in s["overdue"]],
        horizontal=True,
    ),
    "consultations": Figure(
        _l("村（社区）答复情况"),
        (_l("项目"), _l("数量")),
        lambda s: [
            (_("答复"), s["consultations"]["replies"]),
            (_("不同意"), s["consultations"]["disagreed"]),
            (_("无法承接"), s["consultations"]["unable"]),
        ],
    ),
    "one_offs": Figure(
        _l("“一事一批”"),
        (_l("项目"), _l("数值")),
        lambda s: [
            (_("已批准"), s["one_offs"]["approved"]),
            (_("有效期内"), s["one_offs"]["in_force"]),
            (_("有效期内经费合计（元）"), s["one_offs"]["funding_total"]),
        ],
    ),
    "report_outcomes": Figure(
        _l("清单外事项反映办理结果"),
        (_l("结果"), _l("件数")),
        lambda s: (
            [(_("收到"), s["reports"]["received"]), (_("办结"), s["reports"]["concluded"])]
            + [(Outcome.label_of(k), n) for k, n in s["reports"]["by_outcome"].items()]
        ),
    ),
    "report_departments": Figure(
        _l("清单外事项反映（按提出要求的单位）"),
        (_l("单位"), _l("件数"), _l("已叫停")),
        lambda s: [(d["name"], d["reports"], d["stopped"]) for d in s["reports"]["by_department"]],
        horizontal=True,
    ),
}
# Values not drawn beside the others (a money amount beside counts, a count beside days): in the table only.
SKIP_ROWS = {"one_offs": {2}}
SKIP_COLUMNS = {"stages": {1}}


def _cache() -> LRUCache:
    return current_app.extensions.setdefault("admission.statistics_cache", LRUCache(128))


def _kept(key: tuple, produce: Callable):
    value = _cache().get(key)
    if value is None:
        value = produce()
        _cache().put(key, value)
    return value


def current(session, today) -> dict:
    return _kept(("statistics", data_version(), today), lambda: queries.statistics(session, today))


def as_json(session, today) -> bytes:
    """The API's answer, serialised once per data version (a province's is a few megabytes)."""
    return _kept(("json", data_version(), today),
                 lambda: json.dumps(current(session, today), ensure_ascii=False).encode())  # fmt: skip


def kept_page(today, path: str, render: Callable[[], str]) -> str:
    """The statistics page as a visitor without an account sees it, rendered once per data version and language."""
    return _kept(("page", data_version(), today, select_locale(), path), render)


def table(session, today, name: str) -> tuple[list[str], list[tuple]]:
    figure = FIGURES[name]
    return [str(c) for c in figure.columns], figure.rows(current(session, today))


def as_csv(session, today, name: str) -> str:
    columns, rows = table(session, today, name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read the Chinese as UTF-8


def _chart(name: str, columns: list[str], rows: list[tuple]) -> bytes:
    figure = FIGURES[name]
    options = dict(style=STYLE, js=[], width=720, height=max(300, 28 * len(rows) + 120) if figure.horizontal else 360,
                   legend_at_bottom=True, print_values=False, no_data_text=_("暂无数据"), title=str(figure.title),
                   x_label_rotation=0 if figure.horizontal else 20, truncate_label=24)  # fmt: skip
    if name == "releases":
        chart = pygal.StackedBar(**options)
        versions = list(dict.fromkeys(r[0] for r in rows))
        chart.x_labels = versions
        for category in dict.fromkeys(r[2] for r in rows):
            counts = {r[0]: r[3] for r in rows if r[2] == category}
            chart.add(category, [counts.get(v, 0) for v in versions])
        return chart.render()
    chart = (pygal.HorizontalBar if figure.horizontal else pygal.Bar)(**options)
    # pygal draws horizontal bars bottom up: reversed, they read in the table's order.
    rows = list(reversed(rows[:SHOWN])) if figure.horizontal else rows
    chart.x_labels = [str(r[0]) for r in rows]
    skip = SKIP_ROWS.get(name, set())
    series = [
        (column, [None if (j in skip or r[i] is None) else r[i] for j, r in enumerate(rows)])
        for i, column in enumerate(columns[1:], start=1)
        if i not in SKIP_COLUMNS.get(name, ())
    ]
    if name != "stages":  # counts: whole numbers on the axis
        top = max((v for _, values in series for v in values if v is not None), default=0)
        step = max(1, math.ceil(top / 8))
        chart.y_labels = list(range(0, int(top) + step + 1, step))
    for column, values in series:
        chart.add(column, values)
    return chart.render()


# pygal always writes its configuration for its (here unused) script; an image needs none.
SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)


def svg(session, today, name: str) -> bytes:
    def produce():
        columns, rows = table(session, today, name)
        return SCRIPT.sub(b"", _chart(name, columns, rows))

    return _kept(("svg", name, data_version(), today, select_locale()), produce)
