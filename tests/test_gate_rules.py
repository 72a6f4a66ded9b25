"""The gate's rules (DESIGN.md): the review, the consultation and the objections change the outcome."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from tests.support import factories
from tests.support.procedure import (
    COMMUNITIES,
    DECIDED,
    EXCLUSION_REASON,
    REVIEWERS,
    TODAY,
    answer_objections,
    file_and_submit,
    forward,
    get,
    start_review,
)


def _post(api, app_id, action, as_, **body):
    return api.post(f"/api/v1/applications/{app_id}/actions/{action}", as_, json=body)


def _notices(demo_app, kind, application_id):
    from admission.accounts.models import Unit
    from admission.core.db import get_session
    from admission.notifications.models import Notification

    with demo_app.app_context():
        return set(
            get_session().scalars(
                select(Unit.code).join(Notification, Notification.unit_id == Unit.id)
                .where(Notification.kind == kind, Notification.application_id == application_id)
            )
        )  # fmt: skip


def _reviewed(api, opinions: dict[str, tuple[str, str | None]], body=None) -> int:
    app_id = file_and_submit(api, body or factories.admission())["id"]
    start_review(api, app_id, tuple(opinions), due=TODAY.isoformat())
    for unit, (opinion, comment) in opinions.items():
        api.action(app_id, "review", unit, opinion=opinion, comment=comment)
    return app_id


def _later(days: int):
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True)


# --------------------------------------------------------------------------- preliminary review


def test_by_default_every_member_unit_but_the_applicant_reviews(api):
    app_id = file_and_submit(api, factories.admission())["id"]
    started = api.action(app_id, "start_preliminary_review", "bb")
    units = {r["unit"] for r in started["reviews"]}
    assert "nyncj" not in units and {"zzb", "mzj", "jwjw", "bb", "sgz"} <= units


def test_the_applicant_cannot_review_its_own_application(api):
    app_id = file_and_submit(api, factories.admission())["id"]
    refused = _post(api, app_id, "start_preliminary_review", "bb", reviewers=["nyncj", "zzb", "mzj"],
                    exclusion_reason=EXCLUSION_REASON)  # fmt: skip
    assert refused.status_code == 422
    assert "不能" in refused.get_json()["error"]["details"]["fields"]["reviewers"]
    assert get(api, app_id)["state"] == "submitted"


def test_leaving_member_units_out_needs_a_reason_and_enough_remain(api):
    app_id = file_and_submit(api, factories.admission())["id"]
    no_reason = _post(api, app_id, "start_preliminary_review", "bb", reviewers=list(REVIEWERS))
    assert no_reason.status_code == 422 and "exclusion_reason" in no_reason.get_json()["error"]["details"]["fields"]
    too_few = _post(api, app_id, "start_preliminary_review", "bb", reviewers=["zzb", "mzj"],
                    exclusion_reason=EXCLUSION_REASON)  # fmt: skip
    assert too_few.status_code == 422 and "3" in too_few.get_json()["error"]["details"]["fields"]["reviewers"]
    started = start_review(api, app_id)
    assert started["state"] == "preliminary_review" and len(started["reviews"]) == 3
    history = api.get(f"/api/v1/applications/{app_id}/history", "bb").get_json()
    assert history[-1]["changes"]["exclusion_reason"] == EXCLUSION_REASON


def test_conditions_and_disagreement_state_their_reasons(api):
    app_id = file_and_submit(api, factories.admission())["id"]
    start_review(api, app_id)
    for opinion in ("agree_with_conditions", "disagree"):
        refused = _post(api, app_id, "review", "zzb", opinion=opinion, comment=" ")
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "comment_required"
    assert _post(api, app_id, "review", "zzb", opinion="agree").status_code == 200


def test_a_disagreement_keeps_the_consultation_closed_until_the_unit_changes_its_mind(api, demo_app):
    app_id = _reviewed(api, {"zzb": ("agree", None), "mzj": ("disagree", "职责应由部门承担"), "czj": ("agree", None)})
    refused = _post(api, app_id, "open_consultation", "bb")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "review_not_passed"
    # The secretariat was told when the last opinion came in.
    assert _notices(demo_app, "reviews_complete", app_id) == {"bb"}
    api.action(app_id, "review", "mzj", opinion="agree_with_conditions", comment="经费须足额到位")
    assert api.action(app_id, "open_consultation", "bb")["state"] == "consultation"


def test_a_majority_pass_rule_is_configurable(api, demo_app):
    demo_app.config["ADMISSION_PRELIMINARY_PASS"] = "majority"
    app_id = _reviewed(api, {"zzb": ("agree", None), "mzj": ("disagree", "不宜列入"), "czj": ("agree", None)})
    assert api.action(app_id, "open_consultation", "bb")["state"] == "consultation"


def test_a_one_off_its_reviewer_rejects_cannot_be_forwarded(api):
    body = factories.one_off()
    app_id = file_and_submit(api, body, applicant="zrzyj")["id"]
    start_review(api, app_id, due=TODAY.isoformat())
    api.action(app_id, "review", "zzb", opinion="disagree", comment="应列入清单而非一事一批")
    for unit in ("mzj", "czj"):
        api.action(app_id, "review", unit, opinion="agree")
    refused = _post(api, app_id, "forward", "bb")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "review_not_passed"
    api.action(app_id, "review", "zzb", opinion="agree_with_conditions", comment="本年度内不再重复")
    unanswered = _post(api, app_id, "forward", "bb")
    assert unanswered.status_code == 409 and unanswered.get_json()["error"]["code"] == "objections_unanswered"
    answer_objections(api, app_id)
    assert api.action(app_id, "forward", "bb")["state"] == "county_review"


# --------------------------------------------------------------------------- consultation


def test_a_duty_for_villages_and_communities_cannot_be_consulted_with_communities_only(api):
    body = factories.admission()
    body["proposed"]["clauses"][0]["applies_to"] = "both"
    app_id = _reviewed(api, dict.fromkeys(REVIEWERS, ("agree", None)), body)
    refused = _post(api, app_id, "open_consultation", "bb", scope="communities")
    assert refused.status_code == 422 and "scope" in refused.get_json()["error"]["details"]["fields"]
    assert get(api, app_id)["state"] == "preliminary_review"
    opened = api.action(app_id, "open_consultation", "bb", scope="both")
    assert opened["consultation"]["scope"] == "both"


def test_every_consulted_village_is_told(api, demo_app):
    body = factories.admission()
    body["proposed"]["clauses"][0]["applies_to"] = "communities"
    app_id = _reviewed(api, dict.fromkeys(REVIEWERS, ("agree", None)), body)
    api.action(app_id, "open_consultation", "bb")
    assert _notices(demo_app, "consultation_request", app_id) == set(COMMUNITIES)


def _consulting(api) -> int:
    app_id = _reviewed(api, dict.fromkeys(REVIEWERS, ("agree", None)))
    api.action(app_id, "open_consultation", "bb", due=TODAY.isoformat())
    return app_id


def test_a_reply_records_capacity_the_deciding_body_and_the_date(api):
    app_id = _consulting(api)
    missing = _post(api, app_id, "reply", "sgz-dyz", opinion="agree")
    assert missing.status_code == 422
    assert {"capacity", "decided_by"} <= set(missing.get_json()["error"]["details"]["fields"])
    no_reason = _post(api, app_id, "reply", "sgz-dyz", opinion="disagree", **DECIDED)
    assert no_reason.status_code == 422 and no_reason.get_json()["error"]["code"] == "comment_required"
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    assert _post(api, app_id, "reply", "sgz-dyz", opinion="agree", decided_on=future, **DECIDED).status_code == 422
    api.action(app_id, "reply", "sgz-dyz", opinion="agree_with_conditions", comment="需配发工具",
               capacity="with_support", decided_by="representatives", decided_on=TODAY.isoformat())  # fmt: skip
    # The township reads each of its villages' replies with their text; others' townships do not.
    seen = get(api, app_id, "sgz")["consultation"]["per_township"]
    assert [t["township"] for t in seen] == ["sgz"]
    replies = {r["village"]: r for r in seen[0]["replies"]}
    assert replies["sgz-dyz"] | {} == replies["sgz-dyz"] and replies["sgz-dyz"]["comment"] == "需配发工具"
    assert (replies["sgz-dyz"]["capacity"], replies["sgz-dyz"]["decided_by"]) == ("with_support", "representatives")
    assert replies["sgz-sg"]["status"] == "pending"


def test_the_township_reminds_its_villages_that_have_not_replied(api, demo_app):
    app_id = _consulting(api)
    api.action(app_id, "reply", "sgz-dyz", opinion="agree", **DECIDED)
    api.action(app_id, "remind_villages", "sgz", comment="请本周内答复")
    reminded = _notices(demo_app, "reminder", app_id)
    assert "sgz-sg" in reminded and "sgz-dyz" not in reminded and all(u.startswith("sgz-") for u in reminded)
    assert _post(api, app_id, "remind_villages", "sgz-sg").status_code == 403
    history = api.get(f"/api/v1/applications/{app_id}/history", "bb").get_json()
    assert history[-1]["action"] == "remind_villages" and history[-1]["actor_unit"] == "sgz"


# --------------------------------------------------------------------------- objections


def _in_re_review(api, replies: dict[str, dict]) -> int:
    app_id = _consulting(api)
    for village, reply in replies.items():
        api.action(app_id, "reply", village, **reply)
    with _later(1):
        api.action(app_id, "close_consultation", "bb")
    return app_id


def test_objections_are_answered_before_forwarding(api):
    app_id = _in_re_review(api, {
        "sgz-dyz": {"opinion": "agree", "capacity": "unable", "decided_by": "assembly"},
        "sgz-sg": {"opinion": "agree_with_conditions", "comment": "需配发工具", **DECIDED},
    })  # fmt: skip
    objections = get(api, app_id)["objections"]
    assert [(o["subject"], o["kind"], o["response"]) for o in objections] == [("sgz", "consultation", None)]
    refused = _post(api, app_id, "forward", "bb")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "objections_unanswered"
    assert refused.get_json()["error"]["details"]["subjects"] == ["sgz"]
    no_text = _post(api, app_id, "respond_to_objections", "bb",
                    responses=[{"subject": "sgz", "response": "adopted", "text": ""}])  # fmt: skip
    assert no_text.status_code == 422
    unknown = _post(api, app_id, "respond_to_objections", "bb",
                    responses=[{"subject": "myz", "response": "adopted", "text": "x"}])  # fmt: skip
    assert unknown.status_code == 422
    api.action(app_id, "respond_to_objections", "bb",
               responses=[{"subject": "sgz", "response": "not_adopted", "text": "初稿"}])  # fmt: skip
    answered = api.action(app_id, "respond_to_objections", "bb",
                          responses=[{"subject": "sgz", "response": "partly_adopted", "text": "县里配发工具"}])  # fmt: skip
    assert answered["objections"][0] | {} == {"subject": "sgz", "subject_name": "三管镇", "kind": "consultation",
        "summary": "所辖村（社区）1 个有条件同意，1 个无法承接", "response": "partly_adopted", "text": "县里配发工具"}  # fmt: skip
    assert forward(api, app_id)["state"] == "county_review"


def test_a_duty_a_third_of_its_villages_reject_cannot_be_forwarded(api, demo_app):
    demo_app.config["ADMISSION_OBJECTION_LIMIT"] = 0.004  # one of the 221 villages is already too many
    app_id = _in_re_review(api, {"sgz-dyz": {"opinion": "disagree", "comment": "无力承担", **DECIDED}})
    answer_objections(api, app_id)
    refused = _post(api, app_id, "forward", "bb")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "villages_object"
    assert "不得报送" in refused.get_json()["error"]["message"]


def test_a_duty_its_reviewer_and_villages_rejected_cannot_be_forwarded(api):
    """The measured case: every reply 不同意 (here the 10 communities of a community duty)."""
    body = factories.admission()
    body["proposed"]["clauses"][0]["applies_to"] = "communities"
    app_id = _reviewed(api, dict.fromkeys(REVIEWERS, ("agree", None)), body)
    api.action(app_id, "open_consultation", "bb", due=TODAY.isoformat())
    for community in COMMUNITIES[:4]:
        api.action(app_id, "reply", community, opinion="disagree", comment="无力承担", **DECIDED)
    with _later(1):
        api.action(app_id, "close_consultation", "bb")
    answer_objections(api, app_id, response="not_adopted", text="坚持列入")
    refused = _post(api, app_id, "forward", "bb")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "villages_object"
    assert api.action(app_id, "return", "bb", comment="请重新研究")["state"] == "returned"


def test_a_consulted_village_is_reminded_before_its_due_date(api, demo_app):
    from tests.support.procedure import at, in_consultation, run

    start = at(dt.date(2026, 12, 1))
    app_id = in_consultation(api, start, dt.date(2026, 12, 10))
    api.action(app_id, "reply", COMMUNITIES[0], opinion="agree", **DECIDED)
    run(demo_app, at(dt.date(2026, 12, 7)))  # three working days before the due date
    reminded = _notices(demo_app, "reminder", app_id)
    assert set(COMMUNITIES[1:]) <= reminded and COMMUNITIES[0] not in reminded
