"""Official document numbers (发文字号): 机关代字〔YYYY〕N号, e.g. 临发〔2026〕8号."""

from __future__ import annotations

import re

from admission.errors import Invalid

# The issuing body's abbreviation (Chinese characters), the year in 〔〕, the serial number, 号.
PATTERN = re.compile(r"^(?P<agency>[\u4e00-\u9fff]{1,20})〔(?P<year>\d{4})〕(?P<serial>[1-9]\d{0,5})号$")
EXAMPLE = "临发〔2026〕8号"


def check(value: str | None, field: str = "document_number", *, year: int | None = None, max_year=None) -> str:
    """The number, stripped; 422 beside ``field`` if it is missing, malformed, or of another year."""
    value = (value or "").strip()
    if not value:
        raise Invalid("请填写发文字号", fields={field: f"必填，格式如 {EXAMPLE}"})
    match = PATTERN.match(value)
    if match is None:
        raise Invalid(f"发文字号“{value}”格式不正确", fields={field: f"格式应为 机关代字〔年份〕序号号，如 {EXAMPLE}"})
    found = int(match["year"])
    if year is not None and found != year:
        raise Invalid(f"发文字号的年份 {found} 与决定日期的年份 {year} 不一致", fields={field: f"年份应为 {year}"})
    if max_year is not None and found > max_year:
        raise Invalid(f"发文字号的年份 {found} 晚于今年", fields={field: f"年份不能晚于 {max_year}"})
    return value
