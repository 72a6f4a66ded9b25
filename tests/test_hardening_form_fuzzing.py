"""Fuzzing the web forms with a signed-in session, as the API is fuzzed (tests/test_attacks.py).

The forms have no OpenAPI document of their own, so this module describes their fields in one
(form-encoded bodies), lets schemathesis generate valid and invalid submissions from it, and posts
each with the role's session cookie and CSRF token. Whatever comes in, the answer is never a 500.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.support import factories
from tests.support.html import csrf_token, signed_in
from tests.support.procedure import file_and_submit

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
EXAMPLES = 40

TEXT = {"type": "string", "maxLength": 300}
IDS = {"type": "array", "items": {"type": "string", "maxLength": 25}, "maxItems": 60}
ACTIONS = ["review", "reply", "township_feedback", "extend_deadline", "start_preliminary_review",
           "open_consultation", "close_consultation", "forward", "return", "reject", "decide", "withdraw"]  # fmt: skip


def form(properties: dict) -> dict:
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": properties, "additionalProperties": False}
            }
        },
    }


def operation(properties: dict, parameters: list | None = None) -> dict:
    return {
        "post": {
            "parameters": parameters or [],
            "requestBody": form(properties),
            "responses": {"default": {"description": "any"}},
        }
    }


def path_parameter(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


FORMS = {
    "/login": ("anonymous", operation({"username": TEXT, "password": TEXT})),
    "/locale": ("anonymous", operation({"locale": TEXT, "next": TEXT})),
    "/meetings": (
        "bb",
        operation({"scheduled_at": TEXT, "location": TEXT, "agenda": IDS, "attendees": IDS}),
    ),
    "/meetings/{meeting_id}/minutes": (
        "bb",
        operation(
            {"text": TEXT, "attended": IDS, "outcome-1": TEXT},
            [path_parameter("meeting_id", {"type": "integer", "minimum": 1, "maximum": 3})],
        ),
    ),
    "/manage/releases": (
        "bb",
        operation({"applications": IDS, "title": TEXT, "document_number": TEXT, "effective_on": TEXT}),
    ),
    "/applications/new/admission": (
        "nyncj",
        operation(
            {
                "title": TEXT,
                "category": TEXT,
                "reason": TEXT,
                "clauses-0-content": TEXT,
                "clauses-0-heading": TEXT,
                "clauses-0-applies_to": TEXT,
                "clauses-0-role": TEXT,
                "clauses-60-content": TEXT,
                "funding_amount": TEXT,
                "funding_per": TEXT,
                "valid_until": TEXT,
                "add_clause": TEXT,
                "remove_clause": TEXT,
                "duty_code": TEXT,
            }
        ),
    ),  # fmt: skip
    "/applications/{application_id}/actions/{action}": (
        "bb",
        operation(
            {
                "comment": TEXT,
                "opinion": TEXT,
                "summary": TEXT,
                "scope": TEXT,
                "decision": TEXT,
                "document_number": TEXT,
                "unit": TEXT,
                "due": TEXT,
                "decided_on": TEXT,
                "reviewers": IDS,
                "meeting_id": TEXT,
            },
            [
                path_parameter("application_id", {"type": "integer", "minimum": 1, "maximum": 3}),
                path_parameter("action", {"type": "string", "enum": ACTIONS}),
            ],
        ),
    ),  # fmt: skip
    "/settings": ("mzj", operation({"email": TEXT, "email_mode": TEXT})),
}


def test_fuzzing_every_web_form_with_a_session_gives_no_server_error(demo_app):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    demo_app.config["PROPAGATE_EXCEPTIONS"] = False
    from tests.support.api import Api

    api = Api(demo_app)
    for _ in range(2):
        file_and_submit(api, factories.admission())
    api.post("/api/v1/meetings", "bb", json={"scheduled_at": "2030-12-01T09:00:00+08:00", "location": "会议室"})

    clients, tokens = {}, {}
    for role in {role for role, _ in FORMS.values()}:
        clients[role] = demo_app.test_client() if role == "anonymous" else signed_in(demo_app, role)
        tokens[role] = csrf_token(clients[role].get("/login" if role == "anonymous" else "/settings"))

    document = {
        "openapi": "3.0.3",
        "info": {"title": "web forms", "version": "1"},
        "paths": {path: spec for path, (_, spec) in FORMS.items()},
    }
    schema = schemathesis.openapi.from_dict(document)
    failures: dict[str, str] = {}
    cases: dict[str, int] = defaultdict(int)

    def fuzz_operation(op) -> None:
        role = FORMS[op.path][0]
        strategies = [
            op.as_strategy(generation_mode=mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]

        @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=st.one_of(strategies))
        def fuzz(case):
            if not isinstance(case.body, dict):
                return  # not a form at all: the browser cannot send it
            cases[op.label] += 1
            data = {k: [str(i) for i in v] if isinstance(v, list) else str(v) for k, v in case.body.items()}
            data["csrf_token"] = tokens[role]
            response = clients[role].post(case.formatted_path, data=data)
            if response.status_code >= 500 and response.status_code != 503:
                failures.setdefault(op.label, f"{case.formatted_path} {str(data)[:300]} -> {response.status_code}")

        fuzz()

    for result in schema.get_all_operations():
        fuzz_operation(result.ok())

    assert all(cases[label] >= 3 for label in cases), dict(cases)
    assert len(cases) == len(FORMS), dict(cases)
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())
