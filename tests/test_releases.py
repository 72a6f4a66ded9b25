"""Releases: change logs and diffs of releases built in the test, and immutability by every path."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from catalogue.diff import diff_records
from catalogue.immutability import ReleaseImmutableError
from catalogue.models import Release, ReleaseEntry
from catalogue.releases import (
    ReleaseError,
    build_release,
    current_release,
    discard_draft,
    publish_release,
    release_changes,
    release_records,
)


def _records(session):
    return release_records(session, current_release(session))


def test_change_log_and_diff_of_two_releases(session):
    before = _records(session)
    records = copy.deepcopy(before)
    # Amend duty 5's content, withdraw duty 59, add a new duty at the end.
    records[4]["clauses"][0]["content"] = "调整后的内容"
    records[4]["title"] = "新的名称"
    withdrawn = records.pop()
    new = copy.deepcopy(records[0]) | {"code": None, "number": 59, "title": "新增的事项"}
    records.append(new)
    release = build_release(session, records, title="第二版", document_number="临编办发〔2026〕3号")
    assert not release.is_published
    changes = {(c.change, c.duty_code): c for c in release_changes(session, release)}
    assert set(changes) == {("amended", "D005"), ("withdrawn", withdrawn["code"]), ("added", "D060")}
    fields = changes[("amended", "D005")].fields
    assert fields["title"] == {"from": before[4]["title"], "to": "新的名称"}
    assert fields["clauses[1].content"]["to"] == "调整后的内容"
    assert set(fields) == {"title", "clauses[1].content"}

    publish_release(session, release)
    session.commit()
    assert current_release(session).version == 2
    assert "临编办发〔2026〕3号" in release.notice and "新增事项 1 项，调整事项 1 项，取消事项 1 项" in release.notice

    diff = diff_records(before, release_records(session, release))
    assert [d["code"] for d in diff["added"]] == ["D060"]
    assert [d["code"] for d in diff["withdrawn"]] == [withdrawn["code"]]
    assert [a["code"] for a in diff["amended"]] == ["D005"]


def test_number_shift_is_not_an_amendment(session):
    records = _records(session)
    del records[0]
    for i, r in enumerate(records, start=1):
        r["number"] = i
    release = build_release(session, records, title="t")
    assert [(c.change, c.duty_code) for c in release_changes(session, release)] == [("withdrawn", "D001")]


def test_duplicate_numbers_and_bad_codes_are_refused(session):
    records = _records(session)
    records[1]["number"] = 1
    with pytest.raises(ReleaseError, match="序号 1 重复"):
        build_release(session, records, title="t")
    records = _records(session)
    records[1]["code"] = "X1"
    with pytest.raises(ReleaseError, match="格式不正确"):
        build_release(session, records, title="t")


def test_published_release_refuses_orm_changes(session):
    release = current_release(session)
    release.title = "改过的标题"
    with pytest.raises(ReleaseImmutableError):
        session.flush()
    session.rollback()
    entry = session.query(ReleaseEntry).filter_by(release_id=release.id).first()
    entry.title = "改过的事项"
    with pytest.raises(ReleaseImmutableError):
        session.flush()
    session.rollback()
    session.delete(session.get(Release, release.id))
    with pytest.raises(ReleaseImmutableError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE releases SET title = 'x'",
        "DELETE FROM releases",
        "UPDATE release_entries SET title = 'x'",
        "DELETE FROM release_entries",
        "UPDATE release_changes SET change = 'added'",
        "DELETE FROM release_changes",
        "INSERT INTO release_entries (release_id, duty_code, number, category, title, clauses) "
        "SELECT id, 'D001', 999, 'c', 't', '[]' FROM releases",
    ],
)
def test_published_release_refuses_raw_sql(session, statement):
    """The triggers hold even for a path that bypasses the ORM."""
    with pytest.raises(DatabaseError, match="immutable"):
        session.execute(text(statement))
    session.rollback()
    assert len(_records(session)) == 59


def test_publish_once_and_drafts_are_mutable(session):
    release = build_release(session, _records(session), title="草稿")
    release.title = "草稿（改）"
    session.flush()
    publish_release(session, release)
    with pytest.raises(ReleaseError, match="已发布"):
        publish_release(session, release)
    draft = build_release(session, _records(session), title="另一草稿")
    discard_draft(session, draft)
    session.commit()
    assert current_release(session).title == "草稿（改）"
    with pytest.raises(ReleaseError):
        discard_draft(session, release)
