"""The two datasets, built the way ``admission init`` starts and then mostly in bulk.

county:   14 townships and the county community agency, 600 villages and communities, 30 member
          units; release 1 plus a release 2 of 40 more duties (99 listed); 200 applications spread
          over every state.
province: 300 townships, 20,000 villages and communities, 30 member units; the same catalogue;
          2,000 applications, 20 of them in an open consultation to every village and community
          (400,000 consultation requests, most with replies).

How the rows are made (the results say so too):
- schema: ``admission.runtime.migrate.upgrade``; release 1: ``releases.operations.load_initial_release``;
- units, unit roles, accounts: bulk INSERT, one shared password hash (as ``accounts.demo`` does);
- release 2: 40 approved admissions written in bulk, then ``assemble_release`` and
  ``publish_assembled_release`` (the project's release operations, which move each application to
  published through the transition table);
- five applications go through ``applications.operations`` / ``perform`` end to end (draft,
  submitted, preliminary review with every opinion in, an open consultation to every village and
  community, an approved one-off); the consultation's replies beyond the first twenty are then
  written by one bulk UPDATE, with their audit events and township counts;
- every other application, review, consultation request and township feedback is a bulk INSERT
  of the same rows the operations write (each township's feedback row with its reply counts).
  Bulk rows carry no audit events and no notifications, except the focus consultation's replies:
  each has its chained reply event, so that application's history is as long as in real use;
- reports of demands outside the list (600 / 20,000, one per village): bulk INSERT in every state
  and outcome, each with the chained audit events its steps write (submit, accept, ask_department,
  department_response, conclude); a third sent by a village under its name, the rest anonymous;
- a confirmation round for this year: ``confirmations.operations.open_round``, then two thirds of
  its rows confirmed through ``confirm`` (a few flagged);
- the counts the statistics read (``statistics.counts``): kept by the operations above, then
  recounted once from the rows (``counts.recount``), since bulk rows bypass them.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import case, func, select, text, update

from admission.accounts.models import Account, Unit, UnitRole
from admission.accounts.operations import hash_password
from admission.applications import operations as ops
from admission.applications import stages
from admission.applications.models import (
    KIND_PREFIX,
    WORKFLOW_VERSION,
    Application,
    ConsultationRequest,
    ReferenceCounter,
    Review,
    TownshipFeedback,
)
from admission.confirmations import operations as confirmation_ops
from admission.confirmations.models import Confirmation
from admission.core import audit
from admission.core.audit import AuditEvent
from admission.core.clock import add_working_days, local_today
from admission.core.db import get_engine, get_session
from admission.releases import operations as release_ops
from admission.reports.models import Report
from admission.reports.operations import RECEIPT_ALPHABET, receipt_hash
from admission.runtime import migrate
from admission.statistics import counts as kept_counts
from catalogue.records import normalise_duty
from catalogue.releases import current_release, release_records

PASSWORD = "bench-pass-2026"
CHUNK = 10_000

BODY = {
    "kind": "admission",
    "reason": "农村人居环境整治成果需要长效管护，县农业农村局拟委托村（社区）承担日常管护",
    "proposed": {
        "category": "乡村振兴",
        "title": "农村公共厕所日常管护",
        "clauses": [
            {
                "content": "组织做好村（社区）内公共厕所的日常保洁、设施巡查和损坏报修",
                "legal_basis": ["《农村人居环境整治提升五年行动方案（2021－2025年）》"],
                "implementing_bodies": ["村（居）民委员会"],
                "guiding_units": ["县农业农村局"],
                "applies_to": "both",
                "role": "perform",
            }
        ],
        "flow": {
            "steps": ["日常保洁", "巡查登记", "报修"],
            "supervisor": "村务监督委员会",
            "risks": [],
            "controls": [],
        },
    },
    "boundary": "仅限村（社区）内公共厕所的保洁与巡查，维修由县农业农村局委托的专业单位负责",
    "mechanism": "村（居）委会每周巡查一次，问题当日报乡镇农业站",
    "guarantees": {
        "authority": "授权村（居）委会聘用保洁人员并考核",
        "institutional": "县农业农村局制定管护办法",
        "personnel": "每村可聘用公益性岗位保洁员 1 名",
        "equipment": "县农业农村局配发保洁工具",
        "funding": {"amount": 6000, "per": "village_year", "source": "县级财政乡村振兴专项资金"},
    },
    "special_requirements": {"body": False, "venue": False, "staff": False},
}
CATEGORIES = ("乡村振兴", "社会治理", "民生保障", "基层党建", "平安建设")


@dataclass(frozen=True)
class Scale:
    name: str
    townships: int
    villages: int  # villages and communities
    states: dict  # target number of applications per state, perform-made and release 2 included
    open_consultations: int
    reports: int  # of demands made outside the list: one per village and community


SCALES = {
    "county": Scale(
        "county", 14, 600,
        {"draft": 14, "submitted": 14, "preliminary_review": 16, "consultation": 20, "re_review": 16,
         "county_review": 16, "approved": 16, "published": 40, "returned": 16, "withdrawn": 16, "rejected": 16},
        20, 600,
    ),
    "province": Scale(
        "province", 300, 20_000,
        {"draft": 216, "submitted": 216, "preliminary_review": 216, "consultation": 20, "re_review": 216,
         "county_review": 215, "approved": 215, "published": 40, "returned": 215, "withdrawn": 215, "rejected": 216},
        20, 20_000,
    ),
}  # fmt: skip
RELEASE2_DUTIES = 40


@dataclass
class Built:
    scale: str
    ids: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    made_by: dict = field(default_factory=dict)
    phases: dict = field(default_factory=dict)


class _Ids:
    """Explicit primary keys for bulk rows (max + 1), so child rows can name their parents."""

    def __init__(self, session):
        self.session = session

    def next(self, model) -> int:
        return (self.session.scalar(select(func.max(model.id))) or 0) + 1


def _bulk(session, model, rows: list[dict]) -> None:
    table = model.__table__
    for start in range(0, len(rows), CHUNK):
        session.execute(table.insert(), rows[start : start + CHUNK])


def _sync_sequences(session) -> None:
    """PostgreSQL: explicit ids do not advance the serial sequences; set them past the rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("units", "accounts", "applications", "reviews", "consultation_requests", "township_feedback"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))")
        )


def _take_references(session, kind: str, year: int, count: int) -> list[str]:
    key = f"{kind}:{year}"
    counter = session.get(ReferenceCounter, key)
    if counter is None:
        counter = ReferenceCounter(key=key, value=0)
        session.add(counter)
        session.flush()
    start = counter.value
    counter.value = start + count
    session.flush()
    return [f"{KIND_PREFIX[kind]}〔{year}〕{n}号" for n in range(start + 1, start + count + 1)]


# ----------------------------------------------------------------------------------------- units


def _unit_specs(scale: Scale) -> list[tuple]:
    """(code, name, kind, township code, roles) for every unit."""
    specs = [
        ("bb", "县委编办", "county_department", None, ("member_unit", "secretariat")),
        ("zzb", "县委组织部", "county_department", None, ("applicant", "member_unit", "lead_unit")),
        ("xwxzf", "县委、县政府", "county_leadership", None, ("county",)),
        ("sqzg", "县级社区专管机构", "county_agency", None, ("applicant", "member_unit", "township")),
    ]
    # 27 more member units: 30 in all with bb, zzb and sqzg; the first 20 file applications too.
    for i in range(1, 28):
        roles = ("applicant", "member_unit") if i <= 20 else ("member_unit",)
        specs.append((f"d{i:02d}", f"县直部门{i:02d}", "county_department", None, roles))
    for t in range(1, scale.townships + 1):
        specs.append((f"t{t:03d}", f"第{t}镇", "township", None, ("applicant", "township")))
    if scale.name == "county":
        # 40 villages in each of the 14 townships, 40 urban communities under the county agency.
        per = (scale.villages - 40) // scale.townships
        for t in range(1, scale.townships + 1):
            for j in range(1, per + 1):
                specs.append((f"t{t:03d}-{j:03d}", f"第{t}镇第{j}村", "village", f"t{t:03d}", ("village",)))
        for j in range(1, 41):
            specs.append((f"sq-{j:03d}", f"城区第{j}社区", "community", "sqzg", ("village",)))
    else:
        # 20,000 in 300 townships; every 20th a community its township (a street office) relays.
        for i in range(scale.villages):
            t = i % scale.townships + 1
            j = i // scale.townships + 1
            community = i % 20 == 19
            specs.append((f"t{t:03d}-{j:03d}", f"第{t}镇第{j}{'社区' if community else '村'}",
                          "community" if community else "village", f"t{t:03d}", ("village",)))  # fmt: skip
    return specs


def build_units(session, scale: Scale, now: dt.datetime) -> dict:
    specs = _unit_specs(scale)
    first = _Ids(session).next(Unit)
    ids = {code: first + i for i, (code, *_rest) in enumerate(specs)}
    _bulk(session, Unit, [
        {"id": ids[code], "code": code, "name": name, "kind": kind,
         "township_id": ids[township] if township else None, "active": True, "email": None,
         "email_mode": "immediate"}
        for code, name, kind, township, _roles in specs
    ])  # fmt: skip
    _bulk(session, UnitRole, [{"unit_id": ids[code], "role": r} for code, *_x, roles in specs for r in roles])
    password_hash = hash_password(PASSWORD)  # one hash for every account, as accounts.demo does
    first_account = _Ids(session).next(Account)
    _bulk(session, Account, [
        {"id": first_account + i, "username": code, "display_name": None, "unit_id": ids[code],
         "password_hash": password_hash, "active": True, "created_at": now, "session_version": 0}
        for i, (code, *_rest) in enumerate(specs)
    ])  # fmt: skip
    session.flush()
    return {
        "unit_ids": ids,
        "account_ids": {code: first_account + i for i, (code, *_r) in enumerate(specs)},
        "member_units": [ids[c] for c, *_x, roles in specs if "member_unit" in roles],
        "applicants": [c for c, *_x, roles in specs if "applicant" in roles and c.startswith("d")],
        "villages": [(ids[c], ids[t]) for c, _n, kind, t, _r in specs if kind in ("village", "community")],
        "townships": [c for c, _n, kind, *_r in specs if kind == "township"],
    }


# ---------------------------------------------------------------------------------- applications


class AppWriter:
    """Bulk rows of applications and of their stages, as the operations would have left them."""

    def __init__(self, session, units: dict, now: dt.datetime, today: dt.date, findings: list, listed: list):
        self.session, self.units, self.now, self.today = session, units, now, today
        self.findings, self.listed = findings, listed
        self.applications: list[dict] = []
        self.reviews: list[dict] = []
        self.requests: list[dict] = []
        self.feedback: list[dict] = []
        ids = _Ids(session)
        self.next_app, self.next_review = ids.next(Application), ids.next(Review)
        self.next_request, self.next_feedback = ids.next(ConsultationRequest), ids.next(TownshipFeedback)
        self.references: dict[str, list[str]] = {}
        self.serial = 0

    def proposed(self, kind: str, title: str, category: str, duty_code: str | None):
        if kind == "withdrawal":
            return None
        if kind == "amendment":
            listed = next(d for d in self.listed if d["code"] == duty_code)
            proposed = {
                k: copy.deepcopy(v) for k, v in listed.items() if k not in ("code", "number", "applies_to", "role")
            }
            proposed["clauses"][0]["content"] += "（依法调整）"
            return _normalised(proposed)
        body = copy.deepcopy(BODY["proposed"])
        body["title"], body["category"] = title, category
        if kind == "one_off":
            body["clauses"][0]["role"] = "assist"
        return _normalised(body)

    def add(self, state: str, kind: str, *, applicant: str, consultation: str | None = None,
            replies: float = 0.7, expired: bool = False, duty_code: str | None = None, title: str | None = None,
            valid_until: dt.date | None = None, township: int = 0) -> int:  # fmt: skip
        """One application in ``state``; ``consultation``: None, "open" (every village) or "closed"."""
        self.serial += 1
        n, app_id = self.serial, self.next_app
        self.next_app += 1
        unit_id = self.units["unit_ids"][applicant]
        created = self.now - dt.timedelta(days=200 - n % 180, minutes=n)
        submitted = state not in ("draft",)
        reviewed = state not in ("draft", "submitted", "withdrawn")
        title = title or f"基准测试事项{n}"
        category = CATEGORIES[n % len(CATEGORIES)]
        if kind in ("amendment", "withdrawal") and duty_code is None:
            duty_code = f"D{n % 59 + 1:03d}"
        row = {
            "id": app_id, "reference": None, "kind": kind, "state": state, "workflow_version": WORKFLOW_VERSION,
            "applicant_id": unit_id, "created_by": self.units["account_ids"][applicant], "duty_code": duty_code,
            "reason": BODY["reason"] if kind != "withdrawal" else "机构改革后该事项已由县直部门承担",
            "proposed": self.proposed(kind, title, category, duty_code),
            "boundary": BODY["boundary"] if kind != "withdrawal" else None,
            "mechanism": BODY["mechanism"] if kind != "withdrawal" else None,
            "guarantees": copy.deepcopy(BODY["guarantees"]) if kind != "withdrawal" else None,
            "special_requirements": copy.deepcopy(BODY["special_requirements"]) if kind != "withdrawal" else None,
            "valid_until": valid_until if kind == "one_off" else None,
            "findings": self.findings if submitted else None, "round": 1 if reviewed else 0,
            "review_due": None, "consultation_due": None, "consultation_scope": None,
            "decision_document_number": None, "decided_on": None, "meeting_id": None, "expired_at": None,
            "released_in": None, "created_at": created, "updated_at": created + dt.timedelta(days=20),
            "submitted_at": created + dt.timedelta(days=1) if submitted else None, "version": 1,
        }  # fmt: skip
        if submitted:
            row["reference"] = self._reference(kind)
        if reviewed:
            open_review = state == "preliminary_review"
            row["review_due"] = add_working_days(self.today, 10) if open_review else self.today - dt.timedelta(days=60)
            reviewers = [u for u in self.units["member_units"] if u != unit_id]
            for i, reviewer in enumerate(reviewers):
                answered = not open_review or i % 2 == 0
                self.reviews.append({
                    "id": self.next_review, "application_id": app_id, "round": 1, "unit_id": reviewer,
                    "status": "answered" if answered else "pending",
                    "opinion": ("agree", "agree", "agree_with_conditions")[i % 3] if answered else None,
                    "comment": "同意" if answered else None, "due": row["review_due"],
                    "answered_at": created + dt.timedelta(days=5) if answered else None,
                })  # fmt: skip
                self.next_review += 1
        if consultation:
            if consultation == "open":
                due = self.today - dt.timedelta(days=3) if expired else add_working_days(self.today, 10)
            else:
                due = self.today - dt.timedelta(days=40)
            row["consultation_due"], row["consultation_scope"] = due, "both"
            self._consultation(app_id, consultation, due, replies, created, township)
        if state in ("approved", "published"):
            row["decided_on"] = self.today - dt.timedelta(days=10 + n % 20)
            row["decision_document_number"] = f"临发〔{self.today.year}〕{n}号"
        self.applications.append(row)
        if len(self.requests) >= 100_000:
            self.flush_stage_rows()
        return app_id

    def _reference(self, kind: str) -> str:
        pool = self.references.setdefault(kind, [])
        if not pool:
            pool.extend(_take_references(self.session, kind, self.today.year, 500))
        return pool.pop(0)

    def _consultation(self, app_id, mode, due, replies, created, township) -> None:
        if mode == "open" or self.units.get("closed_scope") == "all":
            scope = self.units["villages"]
        else:
            scope = self.units["by_township"][township % len(self.units["by_township"])]
        for i, (village_id, township_id) in enumerate(scope):
            if mode == "open":
                answered = (i * 7919 % 1000) < replies * 1000
                status = "answered" if answered else "pending"
            else:
                answered = i % 5 != 0
                status = "answered" if answered else "overdue"
            self.requests.append({
                "id": self.next_request, "application_id": app_id, "round": 1, "village_id": village_id,
                "township_id": township_id, "status": status,
                "opinion": _opinion(i) if answered else None,
                "comment": None, "due": due, "answered_at": created + dt.timedelta(days=30) if answered else None,
                "capacity": CAPACITY[_opinion(i)] if answered else None,
                "decided_by": "two_committees" if answered else None,
                "decided_on": (created + dt.timedelta(days=29)).date() if answered else None,
            })  # fmt: skip
            self.next_request += 1
        # Each township's feedback row counts its villages' requests, as stages.adjust_counts keeps them.
        counted: dict[int, dict[str, int]] = {}
        for request in self.requests[len(self.requests) - len(scope) :]:
            c = counted.setdefault(
                request["township_id"], {"in_scope": 0, "replied": 0, "overdue": 0, "disagree": 0, "unable": 0}
            )
            c["in_scope"] += 1
            c["replied"] += request["status"] == "answered"
            c["overdue"] += request["status"] == "overdue"
            c["disagree"] += request["opinion"] == "disagree"
            c["unable"] += request["capacity"] == "unable"
        for j, township_id in enumerate(sorted(counted)):
            answered = mode == "closed" or replies < 0.6 or j % 3 == 0
            self.feedback.append({
                "id": self.next_feedback, "application_id": app_id, "round": 1, "township_id": township_id,
                "status": "answered" if answered else "pending",
                "summary": "所辖村（社区）原则同意" if answered else None, "due": due,
                "answered_at": created + dt.timedelta(days=31) if answered else None, **counted[township_id],
            })  # fmt: skip
            self.next_feedback += 1

    def flush_stage_rows(self) -> None:
        """Write what is buffered; parents first (the foreign keys are checked on SQLite)."""
        _bulk(self.session, Application, self.applications)
        _bulk(self.session, Review, self.reviews)
        _bulk(self.session, ConsultationRequest, self.requests)
        _bulk(self.session, TownshipFeedback, self.feedback)
        self.applications, self.reviews, self.requests, self.feedback = [], [], [], []


# ------------------------------------------------------------------------------------ the build


def _perform(session, accounts, username, application, action, now, **body):
    ops.perform(session, accounts[username], application, action, body, now=now)


def build(app, scale_name: str, log=print) -> Built:
    scale = SCALES[scale_name]
    built = Built(scale_name)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        today = local_today(now, app.config["ADMISSION_TIMEZONE"])
        started = time.perf_counter()
        migrate.upgrade(get_engine())
        session = get_session(write=True)
        release_ops.load_initial_release(session, actor="bench")
        session.commit()
        built.phases["schema_and_release1_s"] = round(time.perf_counter() - started, 2)

        started = time.perf_counter()
        units = build_units(session, scale, now)
        by_township: dict[int, list] = {}
        for village_id, township_id in units["villages"]:
            by_township.setdefault(township_id, []).append((village_id, township_id))
        units["by_township"] = [by_township[k] for k in sorted(by_township)]
        units["closed_scope"] = "all" if scale.name == "county" else "township"
        _sync_sequences(session)
        session.commit()
        built.phases["units_and_accounts_s"] = round(time.perf_counter() - started, 2)
        log(f"    units: {len(units['unit_ids'])} ({len(units['villages'])} villages and communities)")

        bb = session.scalars(select(Account).where(Account.username == "bb")).one()

        # Release 2: forty approved admissions, assembled and published by the release operations.
        started = time.perf_counter()
        listed = listed_duties(session)
        writer = AppWriter(session, units, now, today, [], listed)
        release2 = [
            writer.add(
                "approved",
                "admission",
                applicant=units["applicants"][i % 20],
                consultation="closed",
                title=f"新增事项{i + 1:02d}（第2版）",
                township=i,
            )  # fmt: skip
            for i in range(RELEASE2_DUTIES)
        ]
        writer.flush_stage_rows()
        _sync_sequences(session)
        release = release_ops.assemble_release(
            session, bb, title=None, document_number=f"临编办发〔{today.year}〕2号",
            effective_on=today - dt.timedelta(days=30), application_ids=release2,
        )  # fmt: skip
        release_ops.publish_assembled_release(session, bb, release.version, now=now)
        session.commit()
        built.phases["release2_s"] = round(time.perf_counter() - started, 2)

        # A few applications through the operations, end to end.
        started = time.perf_counter()
        needed = {"bb", "xwxzf", "d01"} | {c for c in units["unit_ids"] if c in ("zzb", "sqzg") or c[:1] == "d"}
        village_codes = [c for c in units["unit_ids"] if "-" in c]
        township_codes = units["townships"]
        accounts = {a.username: a for a in session.scalars(
            select(Account).where(Account.username.in_(list(needed) + village_codes[:20] + township_codes[:1]))
        )}  # fmt: skip
        member_codes = [c for c in accounts if c in ("bb", "zzb", "sqzg") or (c[:1] == "d" and int(c[1:]) <= 27)]

        def perform(username, application, action, **body):
            _perform(session, accounts, username, application, action, now, **body)

        p1 = ops.create_application(session, accounts["d01"], _body("草稿事项（operations）"), now=now)
        p2 = ops.create_application(session, accounts["d01"], _body("已提交事项（operations）"), now=now)
        perform("d01", p2, "submit")
        p3 = ops.create_application(session, accounts["d01"], _body("初审完毕待征求意见事项（operations）"), now=now)
        p4 = ops.create_application(session, accounts["d01"], _body("全域征求意见事项（operations）"), now=now)
        for application in (p3, p4):
            perform("d01", application, "submit")
            perform("bb", application, "start_preliminary_review")
            for code in member_codes:
                if code != "d01":
                    perform(code, application, "review", opinion="agree", comment="同意")
        perform("bb", p4, "open_consultation")
        for code in village_codes[:20]:
            perform(code, p4, "reply", opinion="agree_with_conditions", comment="需配发保洁工具",
                    capacity="with_support", decided_by="two_committees")  # fmt: skip
        perform(township_codes[0], p4, "township_feedback", summary="所辖村原则同意，请落实经费")
        one_off = _body("一事一批事项（operations）") | {
            "kind": "one_off",
            "valid_from": today,
            "valid_until": today + dt.timedelta(days=180),
            "scope": {"all": True},
            "tasks": "协助核对村（社区）内公共厕所点位",
            "conditions": "县农业农村局派员随同，提供核对清单",
        }
        one_off["proposed"]["clauses"][0]["role"] = "assist"
        p5 = ops.create_application(session, accounts["d02"], one_off, now=now)
        perform("d02", p5, "submit")
        perform("bb", p5, "start_preliminary_review", reviewers=["zzb", "d03", "d04"],
                exclusion_reason="一事一批，请主要相关单位审核")  # fmt: skip
        for code in ("zzb", "d03", "d04"):
            perform(code, p5, "review", opinion="agree")
        perform("bb", p5, "forward", comment="同意报审")
        perform("xwxzf", p5, "decide", decision="approve", document_number=f"临发〔{today.year}〕1号",
                county_meeting=f"县委常委会{today.year}年第12次会议")  # fmt: skip
        findings = p2.findings or []
        # The rest of the focus consultation's replies (70% in all): one bulk UPDATE, with the audit
        # event and the township counts each reply through perform() would have written.
        answered = session.execute(
            update(ConsultationRequest)
            .where(ConsultationRequest.application_id == p4.id, ConsultationRequest.status == "pending",
                   (ConsultationRequest.id * 7919) % 1000 < 700)
            .values(status="answered", answered_at=now, decided_by="two_committees", decided_on=today,
                    opinion=case((ConsultationRequest.id % 20 < 16, "agree"), else_="agree_with_conditions"),
                    capacity=case((ConsultationRequest.id % 20 < 16, "able"), else_="with_support"))
            .returning(ConsultationRequest.village_id, ConsultationRequest.township_id, ConsultationRequest.opinion,
                       ConsultationRequest.capacity)
            .execution_options(synchronize_session=False)
        ).all()  # fmt: skip
        _audit_replies(session, p4.id, answered, {uid: code for code, uid in units["unit_ids"].items()}, now)
        stages.adjust_counts(session, p4, stages.count_changes([t for _v, t, *_r in answered], "replied"))
        session.commit()
        built.phases["operations_s"] = round(time.perf_counter() - started, 2)
        performed = {"draft": 1, "submitted": 1, "preliminary_review": 1, "consultation": 1, "approved": 1}
        built.ids |= {"focus": p4.id, "fanout": p3.id, "draft": p1.id, "one_off": p5.id}

        # Everything else in bulk.
        started = time.perf_counter()
        writer = AppWriter(session, units, now, today, findings, listed_duties(session))
        applicants = units["applicants"]
        expired_left = round(scale.open_consultations / 10)
        release_candidates = [
            writer.add("approved", "admission", applicant="d05", consultation="closed", title="第3版新增事项甲"),
            writer.add("approved", "admission", applicant="d06", consultation="closed", title="第3版新增事项乙"),
            writer.add("approved", "amendment", applicant="d07", consultation="closed", duty_code="D010"),
            writer.add("approved", "withdrawal", applicant="d08", consultation="closed", duty_code="D020"),
        ]
        made = {"approved": 4}
        for state, target in scale.states.items():
            count = target - performed.get(state, 0) - made.get(state, 0)
            if state == "published":
                count = target - RELEASE2_DUTIES
            for i in range(max(count, 0)):
                applicant = applicants[i % len(applicants)]
                if state == "consultation":
                    expired = expired_left > 0
                    expired_left -= 1 if expired else 0
                    writer.add(state, "admission", applicant=applicant, consultation="open",
                               replies=0.5 if expired else 0.7, expired=expired)  # fmt: skip
                    continue
                kind = ("admission",) * 7 + ("amendment", "withdrawal", "one_off")
                kind = kind[i % 10]
                consultation = None
                if state in ("re_review", "county_review", "approved", "published"):
                    if kind == "one_off":
                        kind = "admission" if state == "re_review" else kind
                    consultation = None if kind == "one_off" else "closed"
                valid_until = None
                if kind == "one_off":
                    valid_until = today + dt.timedelta(days=120) if i % 4 else today - dt.timedelta(days=2)
                writer.add(state, kind, applicant=applicant, consultation=consultation, valid_until=valid_until,
                           township=i)  # fmt: skip
        writer.flush_stage_rows()
        _sync_sequences(session)
        session.commit()
        built.phases["bulk_applications_s"] = round(time.perf_counter() - started, 2)
        built.ids["release_candidates"] = release_candidates

        started = time.perf_counter()
        built.ids |= build_reports(session, scale, units, now, today)
        built.ids["confirmation_year"] = build_confirmations(session, accounts["bb"], now, today)
        session.commit()
        built.phases["reports_and_confirmations_s"] = round(time.perf_counter() - started, 2)

        started = time.perf_counter()
        kept_counts.recount(session)
        session.commit()
        built.phases["statistics_counts_s"] = round(time.perf_counter() - started, 2)

        started = time.perf_counter()
        if session.get_bind().dialect.name == "postgresql":
            session.commit()
            with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # As autovacuum would have by then: fresh statistics, and the visibility map that
                # lets counts be read from an index alone (the statistics' applications by state).
                conn.execute(text("VACUUM ANALYZE"))
        built.phases["analyze_s"] = round(time.perf_counter() - started, 2)

        focus_village = session.scalar(
            select(Unit.code).join(ConsultationRequest, ConsultationRequest.village_id == Unit.id)
            .where(ConsultationRequest.application_id == p4.id, ConsultationRequest.status == "pending")
            .order_by(Unit.id).limit(1)
        )  # fmt: skip
        built.ids["village"] = focus_village
        built.counts = counts(session)
        built.made_by = {
            "operations (perform / create_application)": 5,
            "release operations (assemble + publish; rows bulk-inserted as approved first)": RELEASE2_DUTIES,
            "bulk INSERT": built.counts["applications"] - 5 - RELEASE2_DUTIES,
        }
        session.commit()
    return built


def _audit_replies(session, application_id: int, replies, codes: dict[int, str], now: dt.datetime) -> None:
    """Reply events for bulk-written replies, chained to the trail as ``audit.record`` would chain
    them, so that the application's history is as long as in use and ``audit verify`` passes."""
    occurred = now.replace(microsecond=0)
    _chain(session, [
        {"occurred_at": occurred, "actor": codes[village_id], "actor_unit": codes[village_id],
         "entity": "application", "entity_id": str(application_id), "action": "reply", "from_state": "consultation",
         "to_state": "consultation", "comment": None,
         "changes": {"opinion": {"from": None, "to": opinion}, "capacity": capacity, "decided_by": "two_committees",
                     "decided_on": now.date().isoformat()},
         "application_id": application_id}
        for village_id, _township_id, opinion, capacity in replies
    ])  # fmt: skip


def _chain(session, events: list[dict]) -> None:
    """Bulk audit events (every column but id and the hashes), chained as ``audit.record`` chains them."""
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).one()
    event_id, prev_hash = last.id, last.hash
    rows = []
    for event in events:
        event_id += 1
        row = {"id": event_id, **event, "prev_hash": prev_hash}
        payload = {k: v for k, v in row.items() if k != "prev_hash"} | {"occurred_at": event["occurred_at"].isoformat()}
        row["hash"] = prev_hash = audit.chain_hash(prev_hash, payload)
        rows.append(row)
    _bulk(session, AuditEvent, rows)


# ------------------------------------------------------------------------------ oversight

# (state, outcome) in turn: every state, and every outcome of a concluded report.
REPORT_STATES = (
    ("received", None), ("accepted", None), ("awaiting_department", None), ("concluded", "stopped"),
    ("concluded", "unfounded"), ("accepted", None), ("concluded", "stopped"), ("received", None),
    ("concluded", "on_list"), ("concluded", "unfounded"),
)  # fmt: skip
STEPS = {"received": ("submit",), "accepted": ("submit", "accept"),
         "awaiting_department": ("submit", "accept", "ask_department"),
         "concluded": ("submit", "accept", "ask_department", "department_response", "conclude")}  # fmt: skip


def bench_receipt(i: int) -> str:
    """The receipt of the dataset's report ``i`` (a fixed code, so a benchmark can follow one up)."""
    digits = []
    for _ in range(16):
        i, r = divmod(i, len(RECEIPT_ALPHABET))
        digits.append(RECEIPT_ALPHABET[r])
    code = "".join(reversed(digits))
    return "-".join(code[k : k + 4] for k in range(0, 16, 4))


def build_reports(session, scale: Scale, units: dict, now: dt.datetime, today: dt.date) -> dict:
    """``scale.reports`` reports as ``reports.operations`` leaves them after each step, with their events."""
    ids = units["unit_ids"]
    departments = [ids[c] for c in ids if c[:1] == "d"] + [ids[c] for c in units["townships"][:20]]
    codes = {uid: code for code, uid in ids.items()}
    duty = listed_duties(session)[0]["code"]
    first = _Ids(session).next(Report)
    due_after: dict[tuple[dt.date, int], dt.date] = {}

    def due(day: dt.date, days: int) -> dt.date:
        if (day, days) not in due_after:
            due_after[(day, days)] = add_working_days(day, days)
        return due_after[(day, days)]

    rows, events = [], []
    for i in range(scale.reports):
        state, outcome = REPORT_STATES[i % len(REPORT_STATES)]
        received = today - dt.timedelta(days=1 + i % 90)
        village_id = units["villages"][i % len(units["villages"])][0]
        named = i % 3 == 0
        department = departments[i % len(departments)]
        asked = state == "awaiting_department" or state == "concluded"
        row = {
            "id": first + i, "receipt_hash": receipt_hash(bench_receipt(i)), "state": state,
            "demanded_by_id": department, "demanded_by_name": None, "demand": f"要求村（社区）每周报送台账表格（第{i}件）",
            "demanded_on": received - dt.timedelta(days=2), "channel": ("phone", "chat_group", "notice")[i % 3],
            "form": i % 2 == 0, "anonymous": not named, "reporter_id": village_id if named else None,
            "received_on": received, "accept_due": due(received, 3),
            "conclude_due": due(received, 15) if state != "received" else None,
            "question": "请说明要求依据" if asked else None,
            "department_due": received + dt.timedelta(days=10) if asked else None,
            "department_response": "已停止要求报送" if state == "concluded" else None,
            "outcome": outcome, "conclusion": "经核实，已办结" if outcome else None,
            "duty_code": duty if outcome == "on_list" else None,
            "application_id": None, "concluded_on": received + dt.timedelta(days=12) if outcome else None,
            "escalated_due": None, "version": len(STEPS[state]),
        }  # fmt: skip
        rows.append(row)
        occurred = dt.datetime.combine(received, dt.time(9), tzinfo=dt.UTC)
        previous = None
        for step in STEPS[state]:
            target = {"submit": "received", "accept": "accepted", "ask_department": "awaiting_department",
                      "department_response": "accepted", "conclude": "concluded"}[step]  # fmt: skip
            oversight = step in ("accept", "ask_department", "conclude")
            actor = (
                "jwjw"
                if oversight
                else (
                    "anonymous"
                    if step == "submit" and not named
                    else codes[village_id]
                    if step == "submit"
                    else codes[department]
                )
            )
            events.append({
                "occurred_at": occurred, "actor": actor, "actor_unit": None if actor == "anonymous" else actor,
                "entity": "report", "entity_id": str(first + i), "action": step, "from_state": previous,
                "to_state": target, "changes": None, "comment": None, "application_id": None,
            })  # fmt: skip
            previous = target
            occurred += dt.timedelta(days=1)
    _bulk(session, Report, rows)
    _chain(session, events)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('reports', 'id'), (SELECT max(id) FROM reports))"))
    named = next(r for r in rows if r["reporter_id"] is not None)
    return {"report": named["id"], "report_village": codes[named["reporter_id"]], "report_receipt": bench_receipt(0),
            "report_department": codes[named["demanded_by_id"]]}  # fmt: skip


def build_confirmations(session, bb, now: dt.datetime, today: dt.date) -> int:
    """This year's round, opened and two thirds confirmed through the operations (a few flagged)."""
    year = today.year
    round_ = confirmation_ops.open_round(session, bb, {"year": year, "due": today + dt.timedelta(days=20)}, now=now)
    rows = session.execute(
        select(Confirmation.duty_code, Account.username)
        .join(Account, Account.unit_id == Confirmation.unit_id)
        .where(Confirmation.round_id == round_.id)
        .order_by(Confirmation.duty_code)
    ).all()  # fmt: skip
    accounts = {
        a.username: a for a in session.scalars(select(Account).where(Account.username.in_({u for _c, u in rows})))
    }
    for i, (code, username) in enumerate(rows):
        if i % 3 == 2:
            continue
        flagged = i % 20 == 0
        body = {
            "still_needed": not flagged,
            "basis_in_force": True,
            "comment": "职能已调整，建议取消" if flagged else None,
        }
        confirmation_ops.confirm(session, accounts[username], year, code, body, now=now)
    return year


def listed_duties(session) -> list[dict]:
    return release_records(session, current_release(session))


def _normalised(proposed: dict) -> dict:
    """A proposed duty as the operations store it (``normalise_duty``, without code and number).

    Only the catalogue package's public functions are used, so that refactoring the operations'
    private helpers does not break the benchmark.
    """
    record = normalise_duty(proposed, require_number=False)
    record.pop("code", None)
    record.pop("number", None)
    return record


# 承接能力 beside each opinion: a village that disagrees says it cannot take the duty on.
CAPACITY = {"agree": "able", "agree_with_conditions": "with_support", "disagree": "unable"}


def _opinion(i: int) -> str:
    return "agree" if i % 20 < 16 else "agree_with_conditions" if i % 20 < 19 else "disagree"


def _body(title: str) -> dict:
    body = copy.deepcopy(BODY)
    body["proposed"]["title"] = title
    return body


def counts(session) -> dict:
    def n(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where))

    open_rows = session.scalar(
        select(func.count()).select_from(ConsultationRequest)
        .join(Application, (Application.id == ConsultationRequest.application_id)
              & (Application.round == ConsultationRequest.round))
        .where(Application.state == "consultation")
    )  # fmt: skip
    by_state = dict(session.execute(select(Application.state, func.count()).group_by(Application.state)).all())
    from admission.notifications.models import Notification
    from catalogue.models import Release
    from catalogue.releases import current_release, release_records

    return {
        "units": n(Unit),
        "villages_and_communities": n(Unit, Unit.kind.in_(("village", "community"))),
        "townships": n(Unit, Unit.kind == "township"),
        "member_units": n(UnitRole, UnitRole.role == "member_unit"),
        "accounts": n(Account),
        "releases": n(Release),
        "listed_duties": len(release_records(session, current_release(session))),
        "applications": n(Application),
        "applications_by_state": {k: by_state[k] for k in sorted(by_state)},
        "reviews": n(Review),
        "consultation_requests": n(ConsultationRequest),
        "consultation_requests_in_open_consultations": open_rows,
        "consultation_requests_answered": n(ConsultationRequest, ConsultationRequest.status == "answered"),
        "township_feedback": n(TownshipFeedback),
        "notifications": n(Notification),
        "audit_events": n(AuditEvent),
        "reports": n(Report),
        "confirmations": n(Confirmation),
        "confirmations_confirmed": n(Confirmation, Confirmation.confirmed_at.is_not(None)),
    }
