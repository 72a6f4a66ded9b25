"""Character-level differences of Chinese text, for the release diff and an amendment's before/after.

Chinese has no spaces to split words on, so a word diff marks a whole clause changed for one character
(第八条 → 第九条); diff-match-patch compares characters and then tidies the result into readable runs.
"""

from __future__ import annotations

from diff_match_patch import diff_match_patch
from markupsafe import Markup, escape

from admission.core.formatting import as_lines


def _html(text: str) -> Markup:
    return Markup("<br>").join(escape(part) for part in text.split("\n"))


def char_diff(old, new) -> tuple[Markup, Markup]:
    """The old and the new value as HTML: removed characters in <del>, added ones in <ins>."""
    before, after = "\n".join(as_lines(old)), "\n".join(as_lines(new))
    engine = diff_match_patch()
    engine.Diff_Timeout = 0.5
    diffs = engine.diff_main(before, after)
    engine.diff_cleanupSemantic(diffs)
    old_html, new_html = [], []
    for op, text in diffs:
        if op == 0:
            old_html.append(_html(text))
            new_html.append(_html(text))
        elif op < 0:
            old_html.append(Markup("<del>%s</del>") % _html(text))
        else:
            new_html.append(Markup("<ins>%s</ins>") % _html(text))
    empty = Markup("—")
    return (Markup("").join(old_html) if before else empty), (Markup("").join(new_html) if after else empty)
