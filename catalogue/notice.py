"""The public notice (公示公告) that announces a release.

Written once, when the release is published, and stored with it: a notice is part of the record
and must read the same years later, whatever the templates look like by then.
"""

from __future__ import annotations

CHANGE_HEADINGS = {"added": "新增事项", "amended": "调整事项", "withdrawn": "取消事项"}


def chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def compose_notice(
    release, changes, records_by_code: dict, previous_by_code: dict, citations: dict | None = None
) -> str:
    """``citations`` maps an application id to what the notice cites of it (reference, decision, cause)."""
    lines = [f"关于公布《{release.title}》（第{release.version}版）的公告", ""]
    basis = f"（{release.document_number}）" if release.document_number else ""
    issuer = f"{release.issued_by}" if release.issued_by else ""
    if release.source == "import":
        # A list loaded from a file did not go through this service's procedure: say where it came from.
        origin = release.provenance or f"《{release.title}》"
        lines.append(
            f"本清单依据{origin}载入，现将《{release.title}》（第{release.version}版）{basis}予以公布。"
            f"本版清单共列入事项 {len(records_by_code)} 项。"
        )
    else:
        lines.append(
            f"根据村（社区）履行职责事项清单准入制度，经县委、县政府审定，{issuer}现将"
            f"《{release.title}》（第{release.version}版）{basis}予以公布。"
            f"本版清单共列入事项 {len(records_by_code)} 项。"
        )
    if release.effective_on:
        lines.append(f"本版清单自 {chinese_date(release.effective_on)} 起施行。")
    if release.version > 1 and changes:
        counts = {kind: sum(1 for c in changes if c.change == kind) for kind in CHANGE_HEADINGS}
        lines.append(
            f"与上一版相比，新增事项 {counts['added']} 项，调整事项 {counts['amended']} 项，"
            f"取消事项 {counts['withdrawn']} 项，具体如下："
        )
        for kind, heading in CHANGE_HEADINGS.items():
            items = [c for c in changes if c.change == kind]
            if not items:
                continue
            lines.append("")
            lines.append(f"{heading}：")
            for c in items:
                duty = records_by_code.get(c.duty_code) or previous_by_code.get(c.duty_code) or {}
                cited = (citations or {}).get(c.application_id)
                lines.append(f"  {c.duty_code} {duty.get('title', '')}" + (f"（{cited}）" if cited else ""))
    if release.notes:
        lines.append("")
        lines.append("备注：")
        lines.extend(f"  {note}" for note in release.notes)
    lines.append("")
    lines.append(
        "清单之外的事项，原则上不得交由村（社区）承担；确需村（社区）协助的，由县委、县政府实行“一事一批”，"
        "并按“费随事转”原则提供经费和条件。欢迎社会各界监督。"
    )
    return "\n".join(lines)
