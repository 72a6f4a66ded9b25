"""Who may do what (API.md "Applications" and "Authentication"; access.py, workflow.py).

Every (action, role) pair of API.md's action table, the object rules, If-Match, wrong-state 409s and
login throttling, all through the JSON API of the demo county.

One representative account per role, chosen so that its other roles grant nothing on the
applications below (they are all filed by ``gaj``):

- applicant ``gaj``: the applicant only, and the applicant of every application here;
- member_unit ``jwjw``: a member unit only; the one reviewer assigned below;
- secretariat ``bb``: also a member unit, but never assigned as reviewer;
- lead_unit ``zzb``: also applicant and member unit, but never the applicant nor a reviewer here;
- township ``sgz``: also applicant and member unit, never the applicant nor a reviewer here; its
  villages are consulted (scope ``villages``);
- village ``sgz-dyz``: a village of ``sgz``, village only;
- county ``xwxzf``: the county only.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import time_machine

from tests.support import factories
from tests.support.procedure import DECIDED, YEAR, county_decision, forward

REPS = {
    "applicant": "gaj",
    "member_unit": "jwjw",
    "secretariat": "bb",
    "lead_unit": "zzb",
    "township": "sgz",
    "village": "sgz-dyz",
    "county": "xwxzf",
}

# A review round of three (ADMISSION_MIN_REVIEWERS): jwjw, the member unit the tests follow, and two
# units no test looks at.
TRIO = ["jwjw", "rsj", "sfj"]

BEFORE_COUNTY = ("draft", "submitted", "preliminary_review", "consultation", "re_review", "returned")
# API.md's action table for an admission: the role named for each action and the states it runs from.
TABLE = {
    "submit": ("applicant", ("draft", "returned")),
    "withdraw": ("applicant", BEFORE_COUNTY),
    "start_preliminary_review": ("secretariat", ("submitted",)),
    "review": ("member_unit", ("preliminary_review",)),
    "open_consultation": ("secretariat", ("preliminary_review",)),
    "reply": ("village", ("consultation",)),
    "township_feedback": ("township", ("consultation",)),
    "close_consultation": ("secretariat", ("consultation",)),
    "forward": ("secretariat", ("re_review",)),
    "return": ("secretariat", ("preliminary_review", "consultation", "re_review")),
    "reject": ("secretariat", ("preliminary_review", "re_review")),
    "decide": ("county", ("county_review",)),
    "respond_to_objections": ("secretariat", ("consultation", "re_review")),
    # Not in API.md's table: a township reminds its villages that have not replied (issue 11).
    "remind_villages": ("township", ("consultation",)),
    # Not in API.md's table: the secretariat extends a stage's due date (issue 5).
    "extend_deadline": ("secretariat", ("preliminary_review", "consultation")),
}


def _today() -> dt.date:
    # The service's dates are Asia/Shanghai dates; the test machine's may differ near midnight.
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


# A valid body for each action, so that a refusal is about who calls, never about the body.
BODIES = {
    "submit": {},
    "withdraw": {"comment": "不再需要"},
    "start_preliminary_review": {
        "reviewers": TRIO,
        "exclusion_reason": "其余成员单位职责与本事项无关",
        "due": _today().isoformat(),
    },
    "review": {"opinion": "agree", "comment": "同意"},
    "open_consultation": {"due": _today().isoformat()},
    "reply": {"opinion": "agree", "comment": "同意承接", "capacity": "able", "decided_by": "two_committees"},
    "remind_villages": {"comment": "请尽快答复"},
    "respond_to_objections": {"responses": [{"subject": "sgz", "response": "adopted", "text": "已采纳"}]},
    "township_feedback": {"summary": "所辖村原则同意"},
    "close_consultation": {"comment": "征求意见结束"},
    "forward": {"comment": "复审通过"},
    "return": {"comment": "请补充经费测算依据"},
    "reject": {"comment": "不符合准入条件"},
    "decide": {
        "decision": "approve",
        "document_number": f"临发〔{_today().year}〕8号",
        "county_meeting": "县委常委会会议",
    },
    "extend_deadline": {"due": (_today() + dt.timedelta(days=30)).isoformat(), "comment": "延期"},
}

OVERSIGHT = {"secretariat", "lead_unit"}
# Who may see the application walked through below, state by state (access.py): its applicant and
# the oversight units always; the assigned reviewer from preliminary review on; the consulted township
# and village from consultation on; the county from county review on.
SEES = {
    "draft": OVERSIGHT | {"applicant"},
    "submitted": OVERSIGHT | {"applicant"},
    "preliminary_review": OVERSIGHT | {"applicant", "member_unit"},
    "consultation": OVERSIGHT | {"applicant", "member_unit", "township", "village"},
    "re_review": OVERSIGHT | {"applicant", "member_unit", "township", "village"},
    "county_review": set(REPS),
    "approved": set(REPS),
}


def _url(app_id: int, action: str | None = None) -> str:
    return f"/api/v1/applications/{app_id}" + (f"/actions/{action}" if action else "")


def _later(days: int):
    """Travel past a due date: the stage may then conclude with the missing rows overdue."""
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True)


def _create(api, applicant: str = "gaj", **changes) -> int:
    created = api.post("/api/v1/applications", applicant, json=factories.admission(**changes))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _submitted(api, applicant: str = "gaj") -> int:
    app_id = _create(api, applicant)
    api.action(app_id, "submit", applicant)
    return app_id


def _in_consultation(api) -> int:
    app_id = _submitted(api)
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=TRIO,
        due=_today().isoformat(),
    )
    for unit in TRIO:
        api.action(app_id, "review", unit, opinion="agree")
    opened = api.action(app_id, "open_consultation", "bb", due=_today().isoformat())
    assert opened["state"] == "consultation" and opened["consultation"]["scope"] == "villages"
    return app_id


def _error_code(response) -> str | None:
    body = response.get_json(silent=True) or {}
    return (body.get("error") or {}).get("code")


def check_state(api, app_id: int, state: str, sees: set[str]) -> None:
    """At ``state``, for every action of the table and every role:

    - an action the state allows, called by a role not named for it: 403 if the role may see the
      application, else 404;
    - an action the state does not allow, called by its named role: 409 (404 if it may not see it);
    - GET answers 200 with ``allowed_actions`` = the actions named for the role there, or 404.
    Nothing here changes the application.
    """
    assert api.get(_url(app_id), "bb").get_json()["state"] == state
    wrong = []
    for action, (named, sources) in TABLE.items():
        for role, unit in REPS.items():
            if state in sources and role != named:
                expected = 403 if role in sees else 404
            elif state not in sources and role == named:
                expected = 409 if role in sees else 404
            else:
                continue
            response = api.post(_url(app_id, action), unit, json=BODIES[action])
            if response.status_code != expected:
                wrong.append((state, action, role, unit, expected, response.status_code, response.get_json()))
            elif expected in (403, 409) and _error_code(response) != {403: "forbidden", 409: "conflict"}[expected]:
                wrong.append((state, action, role, unit, "error code", response.get_json()))
    for role, unit in REPS.items():
        response = api.get(_url(app_id), unit)
        if role in sees:
            mine = sorted(a for a, (named, sources) in TABLE.items() if named == role and state in sources)
            if response.status_code != 200 or sorted(response.get_json()["allowed_actions"]) != mine:
                wrong.append((state, "GET", role, unit, mine, response.status_code, response.get_json()))
        elif response.status_code != 404:
            wrong.append((state, "GET", role, unit, 404, response.status_code))
    assert wrong == []
    assert api.get(_url(app_id), "bb").get_json()["state"] == state


# ----------------------------------------------------------------------------- 1. the action table


def test_every_action_is_refused_to_every_role_not_named_for_it(api):
    """The whole procedure once; at each state every (action, role) pair of the table is tried.

    Also: the named role succeeds (each step of the walk is done by it), an action outside its
    states is 409, and withdraw is refused (409) once the application is in county review.
    """
    app_id = _create(api)
    check_state(api, app_id, "draft", SEES["draft"])
    assert api.action(app_id, "submit", "gaj")["state"] == "submitted"

    check_state(api, app_id, "submitted", SEES["submitted"])
    started = api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=TRIO,
        due=_today().isoformat(),
    )
    assert started["state"] == "preliminary_review" and [r["unit"] for r in started["reviews"]] == TRIO

    check_state(api, app_id, "preliminary_review", SEES["preliminary_review"])
    for unit in TRIO:
        reviewed = api.action(app_id, "review", unit, opinion="agree", comment="同意")
    assert [r["status"] for r in reviewed["reviews"]] == ["answered"] * 3
    assert api.action(app_id, "open_consultation", "bb", due=_today().isoformat())["state"] == "consultation"

    check_state(api, app_id, "consultation", SEES["consultation"])
    replied = api.action(
        app_id, "reply", "sgz-dyz", capacity="able", decided_by="two_committees", opinion="agree", comment="同意承接"
    )
    assert replied["consultation"]["replied"] == 1
    fed_back = api.action(app_id, "township_feedback", "sgz", summary="三管镇所辖村原则同意")
    assert fed_back["consultation"]["feedback_received"] == 1
    with _later(1):
        assert api.action(app_id, "close_consultation", "bb", comment="征求意见结束")["state"] == "re_review"

    check_state(api, app_id, "re_review", SEES["re_review"])
    assert forward(api, app_id)["state"] == "county_review"

    check_state(api, app_id, "county_review", SEES["county_review"])
    # Withdrawal is possible only before county review.
    refused = api.post(_url(app_id, "withdraw"), "gaj", json={"comment": "撤回"})
    assert refused.status_code == 409 and _error_code(refused) == "conflict"
    decided = api.action(app_id, "decide", "xwxzf", **county_decision(document_number=f"临发〔{YEAR}〕8号"))
    assert decided["state"] == "approved"

    check_state(api, app_id, "approved", SEES["approved"])


def test_withdraw_return_and_reject_succeed_for_their_named_role(api):
    """The terminal or backward actions, each run by its named role after the others were refused."""
    withdrawn_id = _submitted(api)
    check_state(api, withdrawn_id, "submitted", SEES["submitted"])
    assert api.action(withdrawn_id, "withdraw", "gaj", comment="不再需要")["state"] == "withdrawn"

    app_id = _submitted(api)
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=TRIO,
        due=_today().isoformat(),
    )
    assert api.action(app_id, "return", "bb", comment="请补充经费测算依据")["state"] == "returned"
    # Returned: the reviewer of the first round still sees it; submit and withdraw are the applicant's.
    check_state(api, app_id, "returned", OVERSIGHT | {"applicant", "member_unit"})
    assert api.action(app_id, "submit", "gaj")["state"] == "submitted"
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=TRIO,
        due=_today().isoformat(),
    )
    assert api.action(app_id, "reject", "bb", comment="不符合准入条件")["state"] == "rejected"
    assert api.get(_url(app_id), "gaj").get_json()["state"] == "rejected"


# ----------------------------------------------------------------------------- 2. object rules


def _listed(api, unit: str, **params) -> set[int]:
    response = api.get("/api/v1/applications", unit, query_string=params)
    assert response.status_code == 200, response.get_json()
    return {a["id"] for a in response.get_json()}


def test_applicant_sees_and_edits_only_its_own_applications(api):
    own = _create(api, "gaj")
    other = _create(api, "xcb")
    # Another applicant (applicant only, or also a member unit not assigned) may not know it exists.
    for stranger in ("xcb", "mzj"):
        assert api.get(_url(own), stranger).status_code == 404
        assert api.get(f"{_url(own)}/history", stranger).status_code == 404
        patched = api.patch(_url(own), stranger, json={"mechanism": "改写他人的申请"})
        assert patched.status_code == 404, patched.get_json()
        assert api.post(_url(own, "submit"), stranger, json={}).status_code == 404
        assert own not in _listed(api, stranger)
        assert _listed(api, stranger, applicant="gaj") == set()
    assert _listed(api, "gaj") == {own} and _listed(api, "xcb") == {other}
    assert api.get(_url(other), "gaj").status_code == 404

    # Its own: read and edit.
    patched = api.patch(_url(own), "gaj", json={"mechanism": "每周巡查两次"})
    assert patched.status_code == 200 and patched.get_json()["mechanism"] == "每周巡查两次"
    # The oversight units see it but may not edit it (the lead unit is an applicant too, not this one's).
    for overseer in ("bb", "zzb"):
        assert api.get(_url(own), overseer).status_code == 200
        refused = api.patch(_url(own), overseer, json={"mechanism": "代为修改"})
        assert refused.status_code == 403 and _error_code(refused) == "forbidden"
    assert api.get(_url(own), "gaj").get_json()["mechanism"] == "每周巡查两次"

    # Still hidden from other applicants after submission.
    api.action(own, "submit", "gaj")
    assert api.get(_url(own), "xcb").status_code == 404 and own not in _listed(api, "xcb")


def test_secretariat_and_lead_unit_see_everything(api):
    drafts = {_create(api, "gaj"), _create(api, "xcb")}
    submitted = _submitted(api, "mzj")
    for overseer in ("bb", "zzb"):
        assert _listed(api, overseer) == drafts | {submitted}
        for app_id in drafts | {submitted}:
            assert api.get(_url(app_id), overseer).status_code == 200
    # The county sees none of them yet (nothing reached county review).
    assert _listed(api, "xwxzf") == set()


def test_member_unit_sees_what_is_assigned_and_writes_only_its_own_opinion(api):
    app_id = _submitted(api)
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["jwjw", "czj", "rsj"],
        due=_today().isoformat(),
    )

    # An unassigned member unit may not know it exists.
    for unassigned in ("zfb", "sjj"):
        assert api.get(_url(app_id), unassigned).status_code == 404
        assert api.post(_url(app_id, "review"), unassigned, json={"opinion": "agree"}).status_code == 404
        assert app_id not in _listed(api, unassigned)
    assert app_id in _listed(api, "jwjw") and app_id in _listed(api, "czj")
    assert api.get(_url(app_id), "czj").get_json()["allowed_actions"] == ["review"]

    # A second opinion replaces the first; the other reviewer's row is untouched.
    api.action(app_id, "review", "jwjw", opinion="agree", comment="同意")
    second = api.action(app_id, "review", "jwjw", opinion="disagree", comment="经费来源不明确")
    rows = [(r["round"], r["unit"], r["status"], r["opinion"], r["comment"]) for r in second["reviews"]]
    assert sorted(rows) == [
        (1, "czj", "pending", None, None), (1, "jwjw", "answered", "disagree", "经费来源不明确"),
        (1, "rsj", "pending", None, None),
    ]  # fmt: skip

    # A unit assigned in an earlier round still sees the application, but may not review this round.
    api.action(app_id, "return", "bb", comment="请说明经费来源")
    api.action(app_id, "submit", "gaj")
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["czj", "rsj", "sfj"],
        due=_today().isoformat(),
    )
    assert api.get(_url(app_id), "jwjw").get_json()["allowed_actions"] == []
    refused = api.post(_url(app_id, "review"), "jwjw", json={"opinion": "agree"})
    assert refused.status_code == 403 and _error_code(refused) == "forbidden"
    ok = api.action(app_id, "review", "czj", opinion="agree")
    assert [(r["round"], r["unit"], r["status"]) for r in ok["reviews"] if r["round"] == 2] == [
        (2, "czj", "answered"), (2, "rsj", "pending"), (2, "sfj", "pending")
    ]  # fmt: skip


def test_village_replies_only_for_itself_and_sees_only_what_it_was_consulted_on(api):
    app_id = _in_consultation(api)
    other = _submitted(api)  # never consulted

    # Out of scope (scope: villages): the county agency's communities and a township's communities.
    for outside in ("sqzg-cd", "ysz-fd"):
        assert api.get(_url(app_id), outside).status_code == 404
        assert api.post(_url(app_id, "reply"), outside, json={"opinion": "agree", **DECIDED}).status_code == 404
        assert _listed(api, outside) == set()

    # In scope: a village of Sanguan and one of another township; each sees only what it was consulted on.
    for village in ("sgz-dyz", "ysz-dg"):
        assert _listed(api, village) == {app_id}
        assert api.get(_url(other), village).status_code == 404
        seen = api.get(_url(app_id), village).get_json()
        assert seen["allowed_actions"] == ["reply"]
        # A village sees the overall counts, neither the reviews nor per-township progress.
        assert seen["reviews"] == [] and seen["consultation"]["per_township"] == []

    api.action(
        app_id, "reply", "sgz-dyz", capacity="able", decided_by="two_committees", opinion="agree", comment="同意"
    )
    again = api.action(
        app_id, "reply", "sgz-dyz", capacity="able", decided_by="two_committees", opinion="disagree", comment="人手不足"
    )
    assert again["consultation"]["replied"] == 1 and again["consultation"]["disagree"] == 1
    # Its reply is its own: Sanguan has one reply among its ten villages, the other townships none.
    progress = {t["township"]: t for t in api.get(_url(app_id), "bb").get_json()["consultation"]["per_township"]}
    assert (progress["sgz"]["in_scope"], progress["sgz"]["replied"]) == (10, 1)
    assert sum(t["replied"] for t in progress.values()) == 1


def test_township_sees_only_its_own_villages_progress(api):
    app_id = _in_consultation(api)
    everything = api.get(_url(app_id), "bb").get_json()["consultation"]["per_township"]
    assert len(everything) > 2 and {"sgz", "ysz"} <= {t["township"] for t in everything}
    assert api.get(_url(app_id), "zzb").get_json()["consultation"]["per_township"] == everything

    # The county community agency relays to communities only: out of scope, it may not know of it.
    assert api.get(_url(app_id), "sqzg").status_code == 404
    assert api.post(_url(app_id, "township_feedback"), "sqzg", json={"summary": "无"}).status_code == 404

    fed_back = api.action(app_id, "township_feedback", "sgz", summary="三管镇所辖村原则同意")
    for township in ("sgz", "ysz"):
        seen = api.get(_url(app_id), township)
        assert seen.status_code == 200 and app_id in _listed(api, township)
        assert [t["township"] for t in seen.get_json()["consultation"]["per_township"]] == [township], township
    assert [t["township"] for t in fed_back["consultation"]["per_township"]] == ["sgz"]
    # Its feedback is its own: Yingshi's is still pending.
    progress = {t["township"]: t for t in api.get(_url(app_id), "bb").get_json()["consultation"]["per_township"]}
    assert progress["sgz"]["feedback"] == {"status": "answered", "summary": "三管镇所辖村原则同意"}
    assert progress["ysz"]["feedback"]["status"] == "pending"


def test_only_units_consulted_in_this_round_reply_or_feed_back(api):
    """A township's feedback and a village's reply are for the current round's scope only, even for
    units that may see the application (its applicant township; units consulted in an earlier round)."""
    body = factories.admission()
    body["proposed"]["clauses"][0]["applies_to"] = "communities"
    created = api.post("/api/v1/applications", "sgz", json=body)
    assert created.status_code == 201, created.get_json()
    app_id = created.get_json()["id"]
    api.action(app_id, "submit", "sgz")
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=TRIO,
        due=_today().isoformat(),
    )
    for unit in TRIO:
        api.action(app_id, "review", unit, opinion="agree")
    api.action(app_id, "open_consultation", "bb", due=_today().isoformat(), scope="communities")

    # Sanguan Town applied, so it sees the application, but it has no community in scope.
    assert api.get(_url(app_id), "sgz").get_json()["allowed_actions"] == ["withdraw"]
    refused = api.post(_url(app_id, "township_feedback"), "sgz", json={"summary": "三管镇无社区"})
    assert refused.status_code == 403 and _error_code(refused) == "forbidden"
    assert api.post(_url(app_id, "reply"), "sgz-dyz", json={"opinion": "agree", **DECIDED}).status_code == 404
    api.action(app_id, "reply", "sqzg-cd", capacity="able", decided_by="two_committees", opinion="agree")
    api.action(app_id, "township_feedback", "sqzg", summary="社区原则同意")

    # Round 2 consults villages only (the duty now applies to villages): the community and the agency
    # of round 1 still see it, but may not answer.
    api.action(app_id, "return", "bb", comment="请按社区意见修改")
    body["proposed"]["clauses"][0]["applies_to"] = "villages"
    assert api.patch(_url(app_id), "sgz", json={"proposed": body["proposed"]}).status_code == 200
    api.action(app_id, "submit", "sgz")
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=TRIO,
        due=_today().isoformat(),
    )
    for unit in TRIO:
        api.action(app_id, "review", unit, opinion="agree")
    api.action(app_id, "open_consultation", "bb", due=_today().isoformat(), scope="villages")
    for unit, action, payload in (
        ("sqzg-cd", "reply", {"opinion": "agree", **DECIDED}),
        ("sqzg", "township_feedback", {"summary": "社区原则同意"}),
    ):
        assert api.get(_url(app_id), unit).get_json()["allowed_actions"] == []
        refused = api.post(_url(app_id, action), unit, json=payload)
        assert refused.status_code == 403 and _error_code(refused) == "forbidden", (unit, refused.get_json())
    fed_back = api.action(app_id, "township_feedback", "sgz", summary="三管镇所辖村原则同意")
    assert fed_back["consultation"]["feedback_received"] == 1
    assert (
        api.action(app_id, "reply", "sgz-dyz", capacity="able", decided_by="two_committees", opinion="agree")[
            "consultation"
        ]["replied"]
        == 1
    )


# ----------------------------------------------------------------------------- public, tokens


def test_public_reads_the_catalogue_but_not_applications(api):
    app_id = _create(api)
    for method, url in (
        ("GET", "/api/v1/applications"),
        ("POST", "/api/v1/applications"),
        ("GET", _url(app_id)),
        ("PATCH", _url(app_id)),
        ("GET", f"{_url(app_id)}/history"),
        ("POST", _url(app_id, "submit")),
        ("GET", "/api/v1/me"),
    ):
        response = api.client.open(url, method=method, json={} if method != "GET" else None)
        assert response.status_code == 401, (method, url, response.get_json())
        assert _error_code(response) == "unauthorized"
    for url in ("/api/v1/catalogue", "/api/v1/catalogue/releases", "/api/v1/one-offs", "/api/v1/units"):
        assert api.client.get(url).status_code == 200, url
    assert api.get(_url(app_id), "gaj").get_json()["state"] == "draft"


def test_bad_and_revoked_tokens_are_refused(api):
    app_id = _create(api)
    for header in ("Bearer not-a-token", "Bearer " + "x" * 43):
        for url in ("/api/v1/me", "/api/v1/applications", _url(app_id)):
            response = api.client.get(url, headers={"Authorization": header})
            assert response.status_code == 401, (header, url)

    issued = api.client.post("/api/v1/auth/token", json={"username": "gaj", "password": "demo-pass-2026"})
    assert issued.status_code == 200
    headers = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    assert api.client.get(_url(app_id), headers=headers).status_code == 200
    assert api.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    for url in ("/api/v1/me", "/api/v1/applications", _url(app_id)):
        assert api.client.get(url, headers=headers).status_code == 401, url
    assert api.client.post(_url(app_id, "submit"), headers=headers, json={}).status_code == 401
    # Only that token is revoked: the account's other token still works.
    assert api.get(_url(app_id), "gaj").status_code == 200


# ----------------------------------------------------------------------------- 3. If-Match, state


def test_stale_if_match_is_refused_with_412(api):
    created = api.post("/api/v1/applications", "gaj", json=factories.admission())
    app_id, first = created.get_json()["id"], created.headers["ETag"]
    assert api.get(_url(app_id), "gaj").headers["ETag"] == first

    edited = api.patch(_url(app_id), "gaj", headers={"If-Match": first}, json={"mechanism": "每周巡查两次"})
    assert edited.status_code == 200
    second = edited.headers["ETag"]
    assert second != first

    stale = api.patch(_url(app_id), "gaj", headers={"If-Match": first}, json={"mechanism": "被覆盖"})
    assert stale.status_code == 412 and _error_code(stale) == "precondition_failed"
    stale = api.post(_url(app_id, "submit"), "gaj", headers={"If-Match": first}, json={})
    assert stale.status_code == 412 and _error_code(stale) == "precondition_failed"
    current = api.get(_url(app_id), "gaj").get_json()
    assert current["state"] == "draft" and current["mechanism"] == "每周巡查两次"

    submitted = api.post(_url(app_id, "submit"), "gaj", headers={"If-Match": second}, json={})
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    stale = api.post(_url(app_id, "withdraw"), "gaj", headers={"If-Match": second}, json={})
    assert stale.status_code == 412
    assert api.get(_url(app_id), "gaj").get_json()["state"] == "submitted"


def test_action_in_the_wrong_state_is_409(api):
    app_id = _create(api)
    refused = api.post(_url(app_id, "start_preliminary_review"), "bb", json={})
    assert refused.status_code == 409 and _error_code(refused) == "conflict"
    api.action(app_id, "submit", "gaj")
    again = api.post(_url(app_id, "submit"), "gaj", json={})
    assert again.status_code == 409 and _error_code(again) == "conflict"
    edit = api.patch(_url(app_id), "gaj", json={"mechanism": "提交后修改"})
    assert edit.status_code == 409 and _error_code(edit) == "conflict"
    assert api.get(_url(app_id), "gaj").get_json()["state"] == "submitted"


# ----------------------------------------------------------------------------- 4. login


def _login(api, username: str, password: str):
    return api.client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_login_is_throttled_after_five_wrong_passwords(api):
    for attempt in range(5):
        response = _login(api, "gaj", f"wrong-password-{attempt}")
        assert response.status_code == 401, (attempt, response.get_json())
    locked = _login(api, "gaj", "demo-pass-2026")
    assert locked.status_code == 429, locked.get_json()
    message = locked.get_json()["error"]["message"]
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert "token" not in locked.get_json()
    # Per username: another account logs in as usual.
    assert _login(api, "mzj", "demo-pass-2026").status_code == 200


def test_failed_login_does_not_reveal_whether_the_username_exists(api):
    unknown = _login(api, "no-such-unit", "demo-pass-2026")
    wrong = _login(api, "gaj", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    assert re.search(r"[\u4e00-\u9fff]", wrong.get_json()["error"]["message"])
    assert _login(api, "gaj", "demo-pass-2026").status_code == 200
