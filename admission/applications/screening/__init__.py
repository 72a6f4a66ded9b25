"""Screening at submit: the admission rules of DESIGN.md, checked by code.

Pure functions over plain data (no Flask, no database): ``screen`` takes an application's body as
API.md names its fields and the current catalogue's duties, and returns every finding, blocking ones
first.  An application with any blocking finding cannot be submitted; warnings go to the reviewers.

Finding codes (severity):
  missing_field (blocking)                  a required field is empty
  duty_not_listed (blocking)                an amendment or withdrawal names no listed duty
  no_legal_basis (blocking)                 a clause cites no legal basis (or there is no clause)
  guarantee_missing (blocking)              authority, personnel or funding does not move with the duty
  funding_incomplete (blocking)             funding without a positive amount, a unit or a source
  banned_field (blocking)                   villages would perform a banned field (行政执法, 拆迁拆违 ...)
  special_requirement_without_law (blocking) a special body, venue or staff is required without a law
  special_requirement_in_text (blocking)    the text requires one (成立…工作专班), whatever the boxes say
  one_off_without_end_date (blocking)       a one-off (一事一批) without valid_until
  one_off_without_funding (blocking)        a one-off without funding or with no positive amount
  invalid_kind (blocking)                   kind is none of admission, amendment, withdrawal, one_off
  banned_field_assist (warning)             villages would assist in a banned field
  possible_duplicate (warning)              the proposed title is close to a listed duty's title
  recurring_one_off (warning)               a one-off like two approved one-offs of its applicant in a year

The rules live in ``rules`` (the fields) and ``terms`` (the text: term families, configurable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from admission.applications.enums import Kind
from admission.applications.screening import rules
from admission.applications.screening.findings import BLOCKING, WARNING, Finding, _as_list, _blank, _missing
from admission.applications.screening.terms import (
    DEFAULT_BANNED_FIELDS,
    BannedField,
    _banned,
    banned_fields_from_config,
    special_in_text_findings,
)

__all__ = ["BLOCKING", "WARNING", "DEFAULT_BANNED_FIELDS", "BannedField", "Finding", "banned_fields_from_config",
           "blocking", "screen"]  # fmt: skip

KINDS = Kind.values()


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that keep an application from being submitted."""
    return [f for f in findings if f.severity == BLOCKING]


def screen(
    application: dict,
    *,
    listed: list[dict],
    banned_fields: Iterable[BannedField] | None = DEFAULT_BANNED_FIELDS,
    duplicate_threshold: float = 80.0,
    special_patterns: dict | None = None,
    earlier_one_offs: list[dict] | None = None,
    today: dt.date | None = None,
) -> list[Finding]:
    """Every finding for ``application`` against the ``listed`` duties: blocking first, then warnings.

    ``earlier_one_offs`` are the applicant's approved one-offs (``proposed``, ``decided_on``,
    ``reference``), for the warning that a recurring one-off may belong on the list."""
    application = application if isinstance(application, dict) else {}
    banned = tuple(DEFAULT_BANNED_FIELDS if banned_fields is None else banned_fields)
    listed = [d for d in listed or [] if isinstance(d, dict)]
    kind = application.get("kind")
    findings: list[Finding] = []

    if _blank(kind):
        return [_missing("kind", "申请类型")]
    if kind not in KINDS:
        return [
            Finding("invalid_kind", BLOCKING, "kind", f"申请类型“{kind}”无效，应为准入、调整、取消或一事一批之一。")
        ]

    if kind == "withdrawal":
        # A withdrawal needs only the listed duty and its reason.
        findings += rules._listed_duty(application, listed, "取消")
        if _blank(application.get("reason")):
            findings.append(_missing("reason", "取消理由"))
        return findings

    proposed = application.get("proposed")
    proposed = proposed if isinstance(proposed, dict) else {}
    clauses = [c if isinstance(c, dict) else {} for c in _as_list(proposed.get("clauses"))]

    if kind == "amendment":
        findings += rules._listed_duty(application, listed, "调整")
    findings += rules._required(application, proposed, clauses, kind)
    findings += rules._legal_basis(clauses)
    findings += rules._guarantees(application.get("guarantees"), kind)
    banned_blocking, banned_warnings = _banned(proposed, clauses, banned)
    findings += banned_blocking
    findings += rules._special_requirements(application.get("special_requirements"))
    findings += special_in_text_findings(application, proposed, clauses, special_patterns)
    if kind == "one_off" and _blank(application.get("valid_until")):
        findings.append(
            Finding(
                "one_off_without_end_date", BLOCKING, "valid_until",
                "一事一批的协助事项须写明截止日期（有效期至），请填写。",
            )
        )  # fmt: skip
    if kind == "one_off":
        from admission.applications import one_offs

        findings += one_offs.findings(application)

    findings += banned_warnings
    findings += rules.recurring_one_off(application, earlier_one_offs or [], today)
    exclude = str(application.get("duty_code") or "").strip() if kind == "amendment" else None
    findings += rules._duplicates(proposed.get("title"), listed, exclude, duplicate_threshold)
    # Stable: blocking findings keep their order, then the warnings keep theirs.
    return sorted(findings, key=lambda f: f.severity != BLOCKING)
