"""The public notice (公示公告) that announces a release.

Written once, when the release is published, and stored with it: a notice is part of the record
and must read the same years later, whatever the templates look like by then.
"""

from __future__ import annotations

CHANGE_HEADINGS = {"added": "新增事项", "amended": "调整事项", "withdrawn": "取消事项"}


def compose_notice(release, changes, records_by_code: dict, previous_by_code: dict) -> str:
    lines = [f"关于公布《{release.title}》（第{release.version}版）的公告", ""]
    basis = f"（{release.document_number}）" if release.document_number else ""
    lines.append(
        "根据村（社区）履行职责事项清单准入制度，经县委、县政府审定，现将"
        f"《{release.title}》（第{release.version}版）{basis}予以公布。"
        f"本版清单共列入事项 {len(records_by_code)} 项。"
    )
    if release.effective_on:
        lines.append(
            f"本版清单自 {release.effective_on:%Y年%m月%d日} 起施行。".replace("年0", "年").replace("月0", "月")
        )
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
                lines.append(f"  {c.duty_code} {duty.get('title', '')}")
    lines.append("")
    lines.append(
        "清单之外的事项，原则上不得交由村（社区）承担；确需村（社区）协助的，由县委、县政府实行“一事一批”，"
        "并按“费随事转”原则提供经费和条件。欢迎社会各界监督。"
    )
    return "\n".join(lines)
