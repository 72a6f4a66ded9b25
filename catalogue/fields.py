"""How the list-valued cells of the official table are split and joined.

The official layout keeps several values in one cell: legal-basis citations, implementing bodies
and guiding units.  Export and import must be exact inverses on stored data, so both directions
live here and nowhere else.
"""

from __future__ import annotations

import re

ASSIST_SUFFIX = "协助配合"

_SPACES = re.compile(r"\s+")
_BODY_SEPARATORS = re.compile(r"[、，,；;\n]+")
_UNIT_SEPARATORS = re.compile(r"[、，,；;\n]+")
# A glued citation: 《 right after the end of the one before (第十条《…, …》《…, …号）《…).
_GLUED = re.compile(r"(?<=[条款项号）)》])(?=《)")
# Tokens that continue the citation before them: article numbers and document numbers.
_CONTINUATION = re.compile(r"^(第[^《》\s]*[条款项章节]|[（(].*[)）])")


# C0 and C1 controls except tab, line feed and carriage return (CR is judged with the line breaks),
# and DEL: text holding them breaks exports (openpyxl refuses them), email headers and PostgreSQL
# (NUL). admission.core.text applies the same rule to every input path.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Line breaks, including the Unicode line and paragraph separators (line breaks in disguise).
LINE_BREAK = re.compile(r"[\r\n\u0085\u2028\u2029\x0b\x0c]")


def normalise_text(text: str | None) -> str:
    """Collapse the whitespace runs that Word/PDF extraction leaves inside a value."""
    return _SPACES.sub(" ", text or "").strip()


def split_citations(cell: str | None) -> list[str]:
    """Citations of a 实施依据 cell.

    A citation is a document, optionally with its issuer before it (中共中央 国务院《…》) and
    its articles or document number after it (《…》第四条 第八条, 《…》（中办发〔2021〕16号）).
    Every line of the cell starts a new one; within a line, a word starts a new one once the
    citation before it has closed its 》, unless the word is an article or document number.
    """
    citations: list[str] = []
    for line in (cell or "").splitlines():
        current: list[str] = []
        for word in _GLUED.sub(" ", line).split():
            if current and "》" in "".join(current) and not _CONTINUATION.match(word):
                citations.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            citations.append(" ".join(current))
    return citations


def join_citations(citations: list[str]) -> str:
    return "\n".join(citations)


def split_bodies(cell: str | None) -> tuple[list[str], str]:
    """Implementing bodies and the role: a trailing 协助配合 marks the villages as assisting."""
    text = normalise_text((cell or "").replace("\n", "、"))
    role = "perform"
    if text.endswith(ASSIST_SUFFIX):
        role = "assist"
        text = text[: -len(ASSIST_SUFFIX)]
    return [b for b in (normalise_text(p) for p in _BODY_SEPARATORS.split(text)) if b], role


def join_bodies(bodies: list[str], role: str) -> str:
    return "、".join(bodies) + (ASSIST_SUFFIX if role == "assist" else "")


def split_units(cell: str | None) -> list[str]:
    """Guiding units. 乡镇党委、政府 is one unit: a bare 政府 belongs to the Party committee before it."""
    units: list[str] = []
    for part in (normalise_text(p) for p in _UNIT_SEPARATORS.split(cell or "")):
        if not part:
            continue
        if part == "政府" and units:
            units[-1] += "、政府"
        else:
            units.append(part)
    return units


def join_units(units: list[str]) -> str:
    return "、".join(units)
