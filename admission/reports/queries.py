"""Reading reports, and "is this on the list?": the list in force and the one-offs in force, by words."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.applications.models import Application
from admission.reports import access
from admission.reports.models import Report
from catalogue.releases import current_release, release_records

PAGE_SIZE = 50
# A query of unspaced Chinese ("村里要填养老保险表") rarely appears whole in the list; two thirds of
# its two-character pieces appearing in one duty is a match worth showing.
BIGRAM_SHARE = 0.66
MAX_RESULTS = 20


def reports_for(session: Session, account: Account, *, state: str | None = None, limit: int = PAGE_SIZE,
                offset: int = 0) -> tuple[list[Report], int]:  # fmt: skip
    query = access.visible_reports(account)
    if state:
        query = query.where(Report.state == state)
    total = session.scalar(query.with_only_columns(func.count()).order_by(None))
    rows = session.scalars(query.order_by(Report.id.desc()).limit(limit).offset(offset)).unique().all()
    return list(rows), total


def _words(q: str) -> list[str]:
    return [w for w in re.split(r"[\s,，、;；。.!！?？]+", q.strip()) if w][:10]


def _bigrams(words: list[str]) -> set[str]:
    grams = set()
    for w in words:
        grams |= {w[i : i + 2] for i in range(len(w) - 1)} if len(w) > 1 else {w}
    return grams


def _score(words: list[str], grams: set[str], text: str) -> float:
    if all(w.lower() in text for w in words):
        return 2.0
    return sum(g.lower() in text for g in grams) / len(grams) if grams else 0.0


def _best_clause(duty: dict, words: list[str], grams: set[str]) -> str | None:
    scored = [(_score(words, grams, (c.get("heading") or "") + (c.get("content") or "")), c) for c in duty["clauses"]]
    score, clause = max(scored, key=lambda s: s[0], default=(0, None))
    return (clause.get("content") or clause.get("heading")) if clause else None


def one_offs_in_force(session: Session, today: dt.date) -> list[Application]:
    # Every approved one-off in force, whatever its scope: the application carries no scope column yet.
    return list(
        session.scalars(
            select(Application).where(
                Application.kind == "one_off", Application.state == "approved", Application.expired_at.is_(None),
                Application.valid_until >= today,
            ).order_by(Application.id)
        )
    )  # fmt: skip


def search(session: Session, q: str, today: dt.date) -> dict:
    """API.md ``GET /catalogue/search``: duties of the list in force and one-offs in force matching ``q``."""
    words = _words(q or "")
    if not words:
        return {"duties": [], "one_offs": []}
    grams = _bigrams(words)
    duties = []
    for duty in release_records(session, current_release(session)):
        text = " ".join(
            [duty["title"], duty["category"]]
            + [(c.get("heading") or "") + (c.get("content") or "") for c in duty["clauses"]]
        ).lower()
        score = _score(words, grams, text)
        if score >= BIGRAM_SHARE:
            duties.append((score, duty))
    duties.sort(key=lambda s: (-s[0], s[1]["number"]))
    one_offs = []
    for application in one_offs_in_force(session, today):
        proposed = application.proposed or {}
        text = " ".join([proposed.get("title") or "", application.reason or "", str(proposed.get("tasks") or "")])
        if _score(words, grams, text.lower()) >= BIGRAM_SHARE:
            one_offs.append(application)
    return {
        "duties": [
            {
                "code": d["code"],
                "number": d["number"],
                "title": d["title"],
                "category": d["category"],
                "clause": _best_clause(d, words, grams),
            }
            for _, d in duties[:MAX_RESULTS]
        ],  # fmt: skip
        "one_offs": [
            {
                "id": a.id,
                "title": (a.proposed or {}).get("title"),
                "valid_until": a.valid_until.isoformat() if a.valid_until else None,
            }
            for a in one_offs[:MAX_RESULTS]
        ],  # fmt: skip
    }
