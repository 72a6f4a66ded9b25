"""PDF documents rendered from Jinja templates with WeasyPrint.

The Chinese fonts ship with the Python dependencies (Noto Sans SC and Noto Serif SC, SIL Open Font
License, package ``pylopdf-fonts-zh-cn``) and are declared with @font-face here, so a server without
any system CJK font still writes readable PDFs: WeasyPrint would otherwise drop every glyph that no
installed font covers, silently.
"""

from __future__ import annotations

from functools import cache

from flask import render_template

# The families the PDF templates name; nothing else is needed on the machine.
SANS = "Admission Sans SC"
SERIF = "Admission Serif SC"


@cache
def font_css() -> str:
    import pylopdf_fonts_zh_cn as fonts

    faces = []
    for family, path in ((SANS, fonts.sans_path()), (SERIF, fonts.serif_path())):
        for weight in ("normal", "bold"):
            faces.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url("{path.as_uri()}"); }}'
            )
    return "\n".join(faces)


def render(template: str, **context) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_template(template, **context)
    font_config = FontConfiguration()
    fonts = CSS(string=font_css(), font_config=font_config)
    return HTML(string=html).write_pdf(stylesheets=[fonts], font_config=font_config)


def release_table(release, records: list[dict]) -> bytes:
    """The whole list in the official table layout of annex 1, with the release's notice first."""
    return render("pdf/list.html", release=release, records=records)


def release_notice(release, records: list[dict], changes: list[dict]) -> bytes:
    """The public notice of a release, printable, with its change list."""
    return render("pdf/notice.html", release=release, records=records, changes=changes)
