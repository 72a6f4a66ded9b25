"""The English locale: a complete catalogue, kept in step with the source, and pages that use it.

The msgids are the Chinese source strings. A page in English may still show Chinese *data* (unit
names, duty titles, legal citations), so "no untranslated string" is checked against the same page
rendered with every message blanked out: whatever Chinese is left there is data, and a source
string that shows up more often in the English page than in the blanked one went untranslated.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import flask_babel
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from markupsafe import escape

from admission.core.caching import LRUCache
from tests.support import factories
from tests.support.api import DEMO_PASSWORD, Api

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "admission" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)s")

# Every role's start page: applicant, secretariat (joint-meeting office), member unit, township,
# village, county.
ROLE_ACCOUNTS = ("nyncj", "bb", "mzj", "sgz", "sgz-dyz", "xwxzf")


def _read_po(path: Path, locale: str | None = None):
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def _ids(catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


# --- (a) the catalogue is complete ---------------------------------------------------------------


def test_every_msgid_has_an_english_translation_and_none_is_fuzzy():
    catalog = _read_po(PO, "en")
    messages = [m for m in catalog if m.id]
    assert messages, "the English catalogue is empty"
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy (pybabel compile would skip it)"
    assert [m.id for m in messages if not (m.string or "").strip()] == [], "untranslated msgids"
    assert [m.id for m in messages if m.fuzzy] == [], "fuzzy entries"
    assert [m.id for m in messages if CJK.search(m.string)] == [], "translations that are still Chinese"
    mismatched = [m.id for m in messages if sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert mismatched == [], "translations that lose or add a %(name)s placeholder"
    # Jinja's newstyle gettext always %-formats, so a bare % in a translation breaks the page.
    assert [m.id for m in messages if "%" in PLACEHOLDER.sub("", m.string)] == []


def test_po_follows_the_template_and_the_mo_is_compiled_from_it():
    po = _read_po(PO, "en")
    assert _ids(po) == _ids(_read_po(POT)), "run pybabel update -i admission/translations/messages.pot -d ..."
    with open(MO, "rb") as f:
        mo = read_mo(f)
    compiled = {m.id: m.string for m in mo if m.id}
    assert compiled == {m.id: m.string for m in po if m.id}, "run pybabel compile -d admission/translations"


# --- (b) the catalogue is up to date -------------------------------------------------------------


def test_committed_template_has_every_string_in_the_source(tmp_path):
    extracted = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
         "-o", str(extracted), str(ROOT)]
    )  # fmt: skip
    fresh, committed = _ids(_read_po(extracted)), _ids(_read_po(POT))
    assert fresh, "extraction found no messages: is babel.cfg right?"
    assert not fresh - committed, (
        f"new strings missing from messages.pot (extract, update, translate): {sorted(fresh - committed)}"
    )
    assert not committed - fresh, f"messages.pot has strings no longer in the source: {sorted(committed - fresh)}"


# --- (c) and (d) pages -----------------------------------------------------------------------------


class _Blank(NullTranslations):
    """Every message renders as ``#``: what Chinese is left on the page is data."""

    def gettext(self, message):
        return "#"

    def ngettext(self, singular, plural, n):
        return "#"

    def pgettext(self, context, message):
        return "#"

    def npgettext(self, context, singular, plural, n):
        return "#"

    ugettext = gettext
    ungettext = ngettext
    upgettext = pgettext
    unpgettext = npgettext


@cache
def _chinese_msgids() -> tuple[tuple[str, re.Pattern], ...]:
    """Each Chinese msgid with a pattern for it as a page shows it (escaped, placeholders filled)."""
    found = []
    for msgid in sorted(_ids(_read_po(POT))):
        if not CJK.search(msgid):
            continue
        parts = [re.escape(str(escape(part))) for part in PLACEHOLDER.split(msgid)]
        found.append((msgid, re.compile(r"[^<>]*?".join(parts))))
    return tuple(found)


def _untranslated(page: str, data_only: str) -> list[str]:
    """Source strings the page shows more often than the page with every message blanked."""
    return [
        msgid for msgid, pattern in _chinese_msgids() if len(pattern.findall(page)) > len(pattern.findall(data_only))
    ]


def _log_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, (username, response.status_code)


def _pages(client, paths, monkeypatch) -> list[tuple[str, str, str]]:
    """(path, page in English, the same page with every message blanked)."""
    rendered = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        with monkeypatch.context() as m:
            m.setattr(flask_babel.Domain, "get_translations", lambda self: _Blank())
            # The header and footer are kept per language: the blanked page renders its own.
            m.setitem(client.application.extensions, "admission.layout_cache", LRUCache(16))
            blank = client.get(path)
        rendered.append((path, response.get_data(as_text=True), blank.get_data(as_text=True)))
    return rendered


def _assert_english(rendered, who: str = "anonymous") -> None:
    for path, page, data_only in rendered:
        assert '<html lang="en">' in page, (who, path)
        assert "Sign in" in page or "Sign out" in page, (who, path)
        assert _untranslated(page, data_only) == [], f"untranslated on {path} (signed in as {who})"


@pytest.fixture
def demo(make_app):
    return make_app("demo")


def test_public_pages_render_in_english(demo, monkeypatch):
    client = demo.test_client()
    client.set_cookie("locale", "en")
    index = client.get("/").get_data(as_text=True)
    duty = re.search(r'href="(/duties/[^"#]+)"', index).group(1)
    rendered = _pages(client, ["/", "/releases", "/releases/1", "/releases/diff", duty, "/login"], monkeypatch)
    _assert_english(rendered)
    page = rendered[0][1]
    assert "Current duty list" in page
    # The label filters give lazy strings; they must render in the request's locale.
    assert "Applies to" in page and ("Villages and communities" in page or "Villages (communities" in page)
    assert "Village (community) performs" in page or "Village (community) assists" in page


@pytest.fixture
def county(demo):
    """The demo county with applications in progress, so the start pages have something in each section."""
    api = Api(demo)

    def submitted(body, applicant="nyncj") -> int:
        response = api.post("/api/v1/applications", applicant, json=body)
        assert response.status_code == 201, response.get_json()
        app_id = response.get_json()["id"]
        api.action(app_id, "submit", applicant)
        return app_id

    api.post("/api/v1/applications", "nyncj", json=factories.admission())  # a draft
    review = submitted(factories.admission())
    api.action(
        review,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
    )
    api.action(review, "review", "zzb", opinion="agree_with_conditions", comment="同意")
    consultation = submitted(factories.admission())
    api.action(
        consultation,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
    )
    for unit in ("zzb", "mzj", "czj"):
        api.action(consultation, "review", unit, opinion="agree")
    api.action(consultation, "open_consultation", "bb")
    api.action(
        consultation,
        "reply",
        "sgz-sg",
        capacity="able",
        decided_by="two_committees",
        opinion="agree_with_conditions",
        comment="需配发工具",
    )
    county_review = submitted(factories.one_off(), "zrzyj")
    api.action(
        county_review,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
    )
    for unit in ("zzb", "mzj", "czj"):
        api.action(county_review, "review", unit, opinion="agree")
    api.action(county_review, "forward", "bb", comment="一事一批")
    return demo


def test_each_role_start_page_renders_in_english(county, monkeypatch):
    for username in ROLE_ACCOUNTS:
        client = county.test_client()
        client.set_cookie("locale", "en")
        _log_in(client, username)
        home = client.get("/home").get_data(as_text=True)
        paths = ["/home", "/notifications"]
        # The applications the start page links to, with the actions this unit may take on them.
        paths += sorted(set(re.findall(r'href="(/applications/\d+)[#"]', home)))
        if username == "nyncj":
            paths += [f"/applications/new/{kind}" for kind in ("admission", "amendment", "withdrawal", "one_off")]
        if username == "bb":
            paths += ["/manage/releases", "/meetings"]
        assert len(paths) > 2 or username == "sgz", (username, "the start page links to no application")
        _assert_english(_pages(client, paths, monkeypatch), username)


def test_label_filters_and_globals_translate_lazily(demo):
    # Variables, not literals: Jinja would fold a filter on a constant when compiling the template.
    template = demo.jinja_env.from_string(
        "{{ scope|applies_to }}|{{ role|role }}|{{ state_label(state) }}|{{ kind_label(kind) }}|{{ path|field_label }}"
    )
    values = {"scope": "both", "role": "assist", "state": "re_review", "kind": "one_off", "path": "clauses[2].content"}
    with demo.test_request_context("/", headers={"Cookie": "locale=en"}):
        assert (
            template.render(values)
            == "Villages and communities|assists|Re-review|One-off approval|Clause 2 Main content"
        )
    with demo.test_request_context("/"):
        assert template.render(values) == "村和社区|协助配合|复审|一事一批|第2条主要内容"


def test_workflow_labels_translate_in_the_request_locale(demo):
    from admission.applications.workflow import STATE_LABELS, TRANSITIONS

    reject = next(t for t in TRANSITIONS if t.action == "reject")
    with demo.test_request_context("/", headers={"Cookie": "locale=en"}):
        assert f"“{STATE_LABELS['re_review']}” / “{reject.label}”" == "“Re-review” / “Admission refused”"
    with demo.test_request_context("/"):
        assert f"“{STATE_LABELS['re_review']}” / “{reject.label}”" == "“复审” / “不予准入”"


def test_default_locale_is_chinese(demo, monkeypatch):
    client = demo.test_client()
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "现行清单" in page and "Current duty list" not in page
    _log_in(client, "nyncj")
    rendered = _pages(client, ["/", "/home"], monkeypatch)
    for path, page, data_only in rendered:
        assert '<html lang="zh-CN">' in page, path
        # The detector works: the Chinese page shows source strings the blanked page does not.
        assert {"现行清单", "我的工作台", "退出"} <= set(_untranslated(page, data_only)), path
    assert "本单位的申请" in rendered[1][1]


def test_locale_switch_sets_the_cookie(demo):
    client = demo.test_client()
    response = client.post("/locale", data={"locale": "en", "next": "/"})
    assert response.status_code in (302, 303)
    assert "locale=en" in response.headers.get("Set-Cookie", "")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
