"""PDF documents rendered from Jinja templates with WeasyPrint.

Chinese text needs a CJK font on the machine (Debian's fonts-noto-cjk): WeasyPrint silently drops
glyphs that no installed font covers, so the tests read the text back out of the PDF.
"""

from __future__ import annotations

from flask import render_template


def render(template: str, **context) -> bytes:
    from weasyprint import HTML

    html = render_template(template, **context)
    return HTML(string=html).write_pdf()


def release_table(release, records: list[dict]) -> bytes:
    """The whole list in the official table layout of annex 1, with the release's notice first."""
    return render("pdf/list.html", release=release, records=records)


def release_notice(release, records: list[dict], changes: list[dict]) -> bytes:
    """The public notice of a release, printable, with its change list."""
    return render("pdf/notice.html", release=release, records=records, changes=changes)
