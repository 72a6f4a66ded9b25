"""The application form speaks Chinese beside each field, takes amounts as people type them, and a
refused submission can be reloaded without creating a second draft."""

from __future__ import annotations

import pytest

from admission.web.forms import parse_amount
from tests.support import factories
from tests.support.api import Api
from tests.support.html import main, post_form, signed_in

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
NEW = "/applications/new/admission"


def form_data(body: dict, button: str | None = "save", **overrides) -> dict:
    proposed, guarantees = body["proposed"], body["guarantees"]
    funding, clause = guarantees["funding"], body["proposed"]["clauses"][0]
    data = {
        "reason": body["reason"],
        "category": proposed["category"],
        "title": proposed["title"],
        "flow_steps": "\n".join(proposed["flow"]["steps"]),
        "boundary": body["boundary"],
        "mechanism": body["mechanism"],
        "authority": guarantees["authority"],
        "institutional": guarantees["institutional"],
        "personnel": guarantees["personnel"],
        "equipment": guarantees["equipment"],
        "funding_amount": str(funding.get("amount") or ""),
        "funding_per": funding.get("per") or "",
        "funding_source": funding.get("source") or "",
        "clauses-0-content": clause["content"],
        "clauses-0-legal_basis": "\n".join(clause["legal_basis"]),
        "clauses-0-implementing_bodies": "\n".join(clause["implementing_bodies"]),
        "clauses-0-guiding_units": "\n".join(clause["guiding_units"]),
        "clauses-0-applies_to": clause["applies_to"],
        "clauses-0-role": clause["role"],
    }
    if button:
        data[button] = "1"
    return data | overrides


@pytest.mark.parametrize(
    "typed, value",
    [
        ("3000", 3000),
        ("3,000", 3000),
        ("3，000", 3000),
        ("3000元", 3000),
        ("0.3万", 3000),
        (" 1.5万元 ", 15000),
        ("", None),
    ],
)
def test_amounts_as_people_type_them(typed, value):
    assert parse_amount(typed) == value


@pytest.mark.parametrize("typed", ["三千", "3000美元", "-5", "3..0"])
def test_amounts_that_are_not_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        parse_amount(typed)


def test_a_typed_amount_with_yuan_and_commas_is_saved_as_a_number(demo_app):
    client = signed_in(demo_app, "nyncj")
    response = post_form(client, NEW, NEW, form_data(factories.admission(), funding_amount="3,000元"))
    assert response.status_code == 302
    stored = Api(demo_app).get("/api/v1/applications", "nyncj").get_json()
    detail = Api(demo_app).get(f"/api/v1/applications/{stored[0]['id']}", "nyncj").get_json()
    assert detail["guarantees"]["funding"]["amount"] == 3000


def test_an_amount_in_words_is_refused_in_chinese_beside_its_field(demo_app):
    client = signed_in(demo_app, "nyncj")
    response = post_form(client, NEW, NEW, form_data(factories.admission(), funding_amount="三千块"))
    assert response.status_code == 400
    page = main(response)
    notes = page.find("div", id="funding_amount-notes").text
    assert "请填写金额，如 3000、3,000、3000元 或 0.3万" in notes
    text = response.get_data(as_text=True)
    assert "Not a valid" not in text and "{'" not in text
    assert Api(demo_app).get("/api/v1/applications", "nyncj").get_json() == []


def test_a_schema_limit_is_shown_in_chinese_beside_its_field(demo_app):
    client = signed_in(demo_app, "nyncj")
    data = form_data(factories.admission(), **{"clauses-0-implementing_bodies": "村" * 201})
    response = post_form(client, NEW, NEW, data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "表单有误" not in text and "Longer than" not in text and "{'" not in text
    notes = main(response).find("div", id="clauses-0-implementing_bodies-notes").text
    assert "过长（最多 200 字）" in notes


def test_reloading_a_refused_submission_creates_no_second_draft(demo_app):
    client = signed_in(demo_app, "nyncj")
    body = factories.admission()
    body["guarantees"]["funding"] = {}
    data = form_data(body, "submit")
    posted = post_form(client, NEW, NEW, data)
    assert posted.status_code == 303
    # The browser's reload repeats the GET it was sent to, not the POST.
    again = client.get(posted.location)
    assert again.status_code == 200 and "未写明经费保障" in main(again).find("div", id="funding_amount-notes").text
    client.get(posted.location)
    stored = Api(demo_app).get("/api/v1/applications", "nyncj").get_json()
    assert [a["state"] for a in stored] == ["draft"]


def test_the_category_is_chosen_from_the_list_or_said_to_be_new(demo_app):
    client = signed_in(demo_app, "nyncj")
    page = main(client.get(NEW))
    field = page.find("input", id="category")
    assert field.attrs["list"] == "categories"
    options = [o.attrs["value"] for o in page.find("datalist", id="categories").find_all("option")]
    assert options[0] == "组织建设" and "乡村振兴" in options and len(options) == len(set(options))
    response = post_form(client, NEW, NEW, form_data(factories.admission(), category="人居环境"))
    edit = main(client.get(response.location))
    assert "新类别" in edit.find("input", id="category").ancestor("div", cls="field").text


def test_the_remark_says_villages_only_once():
    from catalogue.layout import remark_cell

    assert remark_cell({"applies_to": "villages", "remark": "社区不涉及"}) == "社区不涉及"
    assert remark_cell({"applies_to": "villages", "remark": None}) == "社区不涉及"
    assert remark_cell({"applies_to": "villages", "remark": "按季度"}) == "社区不涉及；按季度"


def test_an_operations_message_is_english_on_an_english_page(demo_app):
    from admission.core.i18n import ENGLISH_PUNCTUATION

    client = signed_in(demo_app, "nyncj")
    client.set_cookie("locale", "en")
    body = factories.admission()
    body["guarantees"]["funding"] = {}
    posted = post_form(client, NEW, NEW, form_data(body, "submit"))
    text = main(client.get(posted.location)).find("p", cls="flash").text
    assert text == "The application did not pass screening; correct it as noted and submit again."
    # a message built from values keeps its words but not its Chinese punctuation
    assert "，".translate(ENGLISH_PUNCTUATION) == ", "
