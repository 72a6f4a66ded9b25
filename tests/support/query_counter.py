"""Count the SQL statements an application sends to its database, to catch N+1 query patterns.

    with count_statements(app) as counted:
        client.get("/home")
    assert counted.count <= 12, counted.report()

Every statement that reaches a cursor through the app's engine is counted, including the explicit
``BEGIN`` that ``admission.core.db`` issues on SQLite (PostgreSQL begins implicitly, so the same request
counts one statement fewer there). Connection set-up (SQLite's PRAGMAs) and PostgreSQL's pool
pre-ping go to the DBAPI directly and are not counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementCount:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def repeated(self, at_least: int = 2) -> list[tuple[str, int]]:
        """Statements sent more than once (an N+1 shows as one statement repeated per row)."""
        return [(sql, n) for sql, n in Counter(self.statements).most_common() if n >= at_least]

    def report(self, limit: int = 60) -> str:
        lines = [f"{self.count} statements"]
        for sql, n in self.repeated():
            lines.append(f"  repeated x{n}: {_short(sql)}")
        lines += [f"  {i:3d}. {_short(sql)}" for i, sql in enumerate(self.statements[:limit], start=1)]
        if self.count > limit:
            lines.append(f"  ... {self.count - limit} more")
        return "\n".join(lines)


def _short(sql: str, width: int = 300) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


class count_statements:  # noqa: N801 - used as a context manager, named like one
    """Count the statements executed on ``app``'s engine while the block runs."""

    def __init__(self, app: Flask):
        self.engine: Engine = app.extensions["admission.engine"]
        self.result = StatementCount()

    def _listener(self, _conn, _cursor, statement, _parameters, _context, executemany):
        self.result.statements.append(statement)

    def __enter__(self) -> StatementCount:
        event.listen(self.engine, "before_cursor_execute", self._listener)
        return self.result

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._listener)
