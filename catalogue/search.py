"""Finding duties by what people type: a citation as it should read finds the duty whose source text
has a typo (release 1 keeps the seed's own text, e.g. a missing 《 in duties 21 and 52)."""

from __future__ import annotations

import re

# 中华人民共和国村民委员会组织法》 → 《中华人民共和国村民委员会组织法》: the name before a lone 》.
LONE_CLOSE = re.compile(r"(^|[\s，、；])([^《》\s，、；]+》)")


def corrected_citation(citation: str) -> str:
    if citation.count("《") >= citation.count("》"):
        return citation
    return LONE_CLOSE.sub(lambda m: f"{m.group(1)}《{m.group(2)}", citation, count=1)


def searchable_text(duty: dict) -> str:
    """Everything a duty says, with each citation both as listed and as corrected."""
    parts = [duty.get("category") or "", duty.get("title") or ""]
    for clause in duty.get("clauses") or []:
        parts += [clause.get("heading") or "", clause.get("content") or ""]
        for citation in clause.get("legal_basis") or []:
            parts += [citation, corrected_citation(citation)]
        parts += clause.get("implementing_bodies") or []
        parts += clause.get("guiding_units") or []
    return "\n".join(parts)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def matches(duty: dict, query: str) -> bool:
    """Every word of the query is in the duty's text (spaces ignored, as Chinese text has none)."""
    text = _squeeze(searchable_text(duty))
    return all(_squeeze(word) in text for word in query.split() if word.strip())
