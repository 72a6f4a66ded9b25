"""In-process measurements: the operations the issue names, and where each page's time goes.

Every measured operation runs in its own transaction; the fan-out and the release are rolled back
afterwards (so they can be repeated on the same data), the scheduler tick commits as it does in
production and is therefore measured last.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from contextlib import contextmanager

from sqlalchemy import event, func, select

from admission.accounts.models import Account, Unit
from admission.applications import operations as ops
from admission.applications import stages
from admission.applications.models import Application, ConsultationRequest, TownshipFeedback
from admission.core.clock import add_working_days, local_today
from admission.core.db import get_engine, get_session

# --------------------------------------------------------------------------- SQL accounting


class SqlLog:
    """Statements sent through the app's engine while active, with their time."""

    def __init__(self):
        self.statements: list[tuple[float, str, object, bool]] = []
        self._started: dict[int, float] = {}

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        began = self._started.pop(id(cursor), None)
        if began is not None:
            self.statements.append((time.perf_counter() - began, statement, parameters, executemany))

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def seconds(self) -> float:
        return sum(s[0] for s in self.statements)

    def slowest(self, n: int = 3) -> list[tuple[float, str, object, bool]]:
        return sorted(self.statements, key=lambda s: s[0], reverse=True)[:n]


@contextmanager
def sql_log(engine):
    log = SqlLog()
    event.listen(engine, "before_cursor_execute", log.before)
    event.listen(engine, "after_cursor_execute", log.after)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", log.before)
        event.remove(engine, "after_cursor_execute", log.after)


def _flat(sql: str, width: int = 400) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def explain(engine, statement: str, parameters) -> list[str]:
    """The database's plan for one captured statement (PostgreSQL: with actual times)."""
    if not statement.lstrip().upper().startswith("SELECT"):
        return []
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            conn.rollback()
    except Exception as exc:  # noqa: BLE001 - a diagnostic; never fails the run
        return [f"(explain failed: {exc!r})"[:300]]
    if engine.dialect.name == "postgresql":
        return [r[0] for r in rows]
    return [f"{'  ' * 0}{r[-1]}" for r in rows]


# --------------------------------------------------------------------------- page profiles


def reexecute(engine, log: SqlLog) -> list[tuple[float, str, object]]:
    """Each captured SELECT run again on its own, rows fetched: what it costs in the database.

    SQLite computes rows while they are fetched, so the time inside ``cursor.execute`` that the
    event hooks see is not the query's cost; running it again with ``fetchall`` is.
    """
    timed = []
    with engine.connect() as conn:
        for _t, statement, parameters, many in log.statements:
            if many or not statement.lstrip().upper().startswith("SELECT"):
                continue
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).fetchall()
            timed.append((time.perf_counter() - started, statement, parameters))
        conn.rollback()
    return timed


def _login(client, username: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password})
    assert response.status_code == 302, (username, response.status_code)


def page_profiles(app, pages: list[dict], password: str, repeats: int = 3) -> dict:
    """Per page, one request at a time in this process: total time, SQL statements and their time.

    Public pages are measured with the response cache emptied before each request (the cost of a
    miss) and once more from the cache; signed-in pages likewise with their rendered fragments
    forgotten (the first view after a change) and then kept.
    """
    from admission.core.caching import LRUCache

    engine = app.extensions["admission.engine"]
    clients = {}
    out = {}
    for page in pages:
        who = page.get("as")
        if who not in clients:
            client = app.test_client()
            if who:
                _login(client, page["username"], password)
            clients[who] = client
        client = clients[who]
        best = None
        for _ in range(repeats):
            if page.get("public"):
                app.extensions["admission.response_cache"] = LRUCache()
            app.extensions.pop("admission.fragment_cache", None)
            with sql_log(engine) as log:
                started = time.perf_counter()
                response = client.get(page["path"])
                total = time.perf_counter() - started
            if response.status_code != 200:
                break
            if best is None or total < best[0]:
                best = (total, log, len(response.get_data()))
        if best is None:
            out[page["name"]] = {"path": page["path"], "error": f"answered {response.status_code}"}
            continue
        total, log, size = best
        timed = reexecute(engine, log)
        sql_seconds = sum(t for t, _s, _p in timed)
        slowest = sorted(timed, key=lambda x: x[0], reverse=True)[:3]
        entry = {
            "path": page["path"],
            "total_ms": round(total * 1000, 2),
            "sql_statements": log.count,
            "sql_ms": round(sql_seconds * 1000, 2),
            "python_ms": round(max(total - sql_seconds, 0) * 1000, 2),
            "bytes": size,
            "slowest_sql": [{"ms": round(t * 1000, 2), "sql": _flat(s)} for t, s, _p in slowest],
        }
        if page.get("explain") and slowest:
            _t, statement, parameters = slowest[0]
            entry["slowest_plan"] = explain(engine, statement, parameters)
        # Again, from the response cache (public) or with the fragments kept (signed in): best of 3.
        client.get(page["path"])
        kept = []
        for _ in range(repeats):
            with sql_log(engine) as log:
                started = time.perf_counter()
                client.get(page["path"])
                kept.append((time.perf_counter() - started, log.count))
        entry["cached_total_ms"] = round(min(kept)[0] * 1000, 2)
        entry["cached_sql_statements"] = min(kept)[1]
        out[page["name"]] = entry
    return out


# --------------------------------------------------------------------------- operations


def _median(values):
    return round(statistics.median(values), 4)


def fanout(app, application_id: int, repeats: int = 3) -> dict:
    """``perform(open_consultation)`` against raw bulk INSERTs of the same rows; each rolled back."""
    performed, raw, insert_select, details = [], [], [], {}
    # One discarded run first: a long-lived server has its statements compiled and caches warm.
    for attempt in range(repeats + 1):
        with app.app_context():
            session = get_session(write=True)
            application = session.get(Application, application_id)
            bb = session.scalars(select(Account).where(Account.username == "bb")).one()
            with sql_log(get_engine()) as log:
                started = time.perf_counter()
                ops.perform(session, bb, application, "open_consultation", {})
                session.flush()
                elapsed = time.perf_counter() - started
            if attempt:
                performed.append(elapsed)
            rows = session.scalar(select(func.count()).select_from(ConsultationRequest)
                                  .where(ConsultationRequest.application_id == application_id))  # fmt: skip
            feedback = session.scalar(select(func.count()).select_from(TownshipFeedback)
                                      .where(TownshipFeedback.application_id == application_id))  # fmt: skip
            details = {
                "requests": rows,
                "township_feedback": feedback,
                "sql_statements": log.count,
                "sql_s": round(log.seconds, 4),
                "slowest_sql": [
                    {"s": round(t, 4), "sql": _flat(s, 200), "executemany": m} for t, s, _p, m in log.slowest()
                ],
            }
            session.rollback()
    # The same rows, computed beforehand, through the DBAPI's executemany: the floor.
    with app.app_context():
        session = get_session()
        application = session.get(Application, application_id)
        round_ = application.round + 0  # the round the consultation opens in (perform keeps it)
        today = local_today(dt.datetime.now(dt.UTC), app.config["ADMISSION_TIMEZONE"])
        due = add_working_days(today, app.config["CONSULTATION_WORKING_DAYS"])
        scope = stages.SCOPE_KINDS["both"]
        villages = session.execute(
            select(Unit.id, Unit.township_id).where(Unit.kind.in_(scope), Unit.active.is_(True),
                                                    Unit.township_id.is_not(None))
        ).all()  # fmt: skip
        session.rollback()
    engine_ = app.extensions["admission.engine"]
    sqlite = engine_.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    due_value = due.isoformat() if sqlite else due
    request_rows = [(application_id, round_, v, t, "pending", due_value) for v, t in villages]
    in_scope: dict[int, int] = {}
    for _v, t in villages:
        in_scope[t] = in_scope.get(t, 0) + 1
    feedback_rows = [(application_id, round_, t, "pending", due_value, n) for t, n in sorted(in_scope.items())]
    for attempt in range(repeats + 1):
        with engine_.connect() as conn:
            started = time.perf_counter()
            conn.exec_driver_sql(
                "INSERT INTO consultation_requests (application_id, round, village_id, township_id, status, due) "
                f"VALUES ({', '.join([mark] * 6)})", request_rows)  # fmt: skip
            conn.exec_driver_sql(
                f"INSERT INTO township_feedback (application_id, round, township_id, status, due, in_scope) "
                f"VALUES ({', '.join([mark] * 6)})", feedback_rows)  # fmt: skip
            if attempt:
                raw.append(time.perf_counter() - started)
            conn.rollback()
        with engine_.connect() as conn:
            param = "?" if sqlite else "%(p)s"
            started = time.perf_counter()
            sql = ("INSERT INTO consultation_requests (application_id, round, village_id, township_id, status, due) "
                   f"SELECT {application_id}, {round_}, id, township_id, 'pending', {param} FROM units "
                   "WHERE kind IN ('village', 'community') AND active AND township_id IS NOT NULL")  # fmt: skip
            conn.exec_driver_sql(sql, (due_value,) if sqlite else {"p": due_value})
            if attempt:
                insert_select.append(time.perf_counter() - started)
            conn.rollback()
    perform_s, raw_s = _median(performed), _median(raw)
    return {
        "villages": len(request_rows),
        "perform_s": perform_s,
        "raw_executemany_s": raw_s,
        "raw_insert_select_s": _median(insert_select),
        "ratio": round(perform_s / raw_s, 2) if raw_s else None,
        "runs": {"perform": [round(x, 4) for x in performed], "raw": [round(x, 4) for x in raw]},
        "perform_detail": details,
    }


def release(app, application_ids: list[int], repeats: int = 3) -> dict:
    """Assemble a release from approved applications and publish it; each run rolled back."""
    from admission.releases import operations as release_ops
    from catalogue.releases import release_records

    assembled, published, sizes, statements = [], [], [], []
    for attempt in range(repeats + 1):
        with app.app_context():
            session = get_session(write=True)
            bb = session.scalars(select(Account).where(Account.username == "bb")).one()
            with sql_log(get_engine()) as log:
                today = local_today(dt.datetime.now(dt.UTC), app.config["ADMISSION_TIMEZONE"])
                started = time.perf_counter()
                draft = release_ops.assemble_release(
                    session, bb, title=None, document_number=f"临编办发〔{today.year}〕9号",
                    effective_on=today, application_ids=application_ids,
                )  # fmt: skip
                session.flush()
                middle = time.perf_counter()
                release_ops.publish_assembled_release(session, bb, draft.version)
                session.flush()
                ended = time.perf_counter()
            if attempt:  # the first run is discarded (cold statement cache)
                assembled.append(middle - started)
                published.append(ended - middle)
                statements.append(log.count)
                sizes.append(len(release_records(session, draft)))
            session.rollback()
    return {
        "duties": sizes[0],
        "applications": len(application_ids),
        "assemble_s": _median(assembled),
        "publish_s": _median(published),
        "total_s": _median([a + b for a, b in zip(assembled, published, strict=True)]),
        "sql_statements": statements[0],
    }


def diff(app, old: int, new: int, repeats: int = 5) -> dict:
    """Both releases read and compared, as the public diff page and API do (uncached)."""
    from admission.releases import queries as cv

    runs = []
    for _ in range(repeats):
        with app.app_context():
            session = get_session()
            started = time.perf_counter()
            result = cv.release_diff(session, old, new)
            runs.append(time.perf_counter() - started)
            session.rollback()
    return {
        "from": old,
        "to": new,
        "added": len(result["added"]),
        "amended": len(result["amended"]),
        "withdrawn": len(result["withdrawn"]),
        "s": _median(runs),
    }


def tick(app) -> dict:
    """``scheduler.runner.tick(app, now)`` over the open consultations; then a second, idle one.

    A scheduler runs every minute, so its statements are compiled long before rows fall due: as
    it would have, a tick a month earlier (when nothing is due) runs first, unmeasured.
    """
    from admission.scheduler.runner import tick as run_tick

    now = dt.datetime.now(dt.UTC)
    warm = run_tick(app, now - dt.timedelta(days=30))
    with app.app_context():
        session = get_session()
        today = local_today(now, app.config["ADMISSION_TIMEZONE"])
        open_rows = (
            select(func.count()).select_from(ConsultationRequest)
            .join(Application, (Application.id == ConsultationRequest.application_id)
                  & (Application.round == ConsultationRequest.round))
            .where(Application.state == "consultation")
        )  # fmt: skip
        total = session.scalar(open_rows)
        due = session.scalar(open_rows.where(ConsultationRequest.status == "pending", ConsultationRequest.due < today))
        session.rollback()
    with sql_log(app.extensions["admission.engine"]) as log:
        started = time.perf_counter()
        report = run_tick(app, now)
        first = time.perf_counter() - started
    slow = [{"s": round(t, 4), "sql": _flat(s, 200), "executemany": m} for t, s, _p, m in log.slowest(5)]
    started = time.perf_counter()
    report2 = run_tick(app, now + dt.timedelta(minutes=1))
    second = time.perf_counter() - started
    return {
        "rows_in_open_consultations": total,
        "rows_due": due,
        "due_fraction": round(due / total, 4) if total else None,
        "tick_s": round(first, 3),
        "report": report,
        "sql_statements": log.count,
        "sql_s": round(log.seconds, 3),
        "slowest_sql": slow,
        "idle_tick_s": round(second, 3),
        "idle_report": report2,
        "warm_up_report": warm,
    }


# --------------------------------------------------------------------------- a release told to every unit

RAW_KEY = "bench-raw:"  # the raw INSERT's notices, deleted again after each run
NOTICE_COLUMNS = ("unit_id", "kind", "application_id", "title", "body", "key", "created_at", "email_status",
                  "email_attempts")  # fmt: skip


@contextmanager
def _addresses(app, every: int):
    """Every ``every``-th unit without an address gets one while measuring (every second of those a
    daily digest), so that publishing queues emails as it does in use; taken back afterwards."""
    from sqlalchemy import String, case, cast, literal, update

    with app.app_context():
        session = get_session(write=True)
        chosen = Unit.email.is_(None) & (Unit.id % every == 0)
        before = session.execute(select(Unit.id, Unit.email_mode).where(chosen)).all()
        session.execute(
            update(Unit).where(chosen)
            .values(email=literal("unit") + cast(Unit.id, String) + literal("@example.cn"),
                    email_mode=case((Unit.id % (2 * every) == 0, "digest"), else_="immediate"))
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        session.commit()
    try:
        yield len(before)
    finally:
        with app.app_context():
            session = get_session(write=True)
            for mode in {m for _i, m in before}:
                ids = [i for i, m in before if m == mode]
                session.execute(
                    update(Unit).where(Unit.id.in_(ids)).values(email=None, email_mode=mode)
                    .execution_options(synchronize_session=False)
                )  # fmt: skip
            session.commit()


def publication_fanout(app, exclude: list[int] = (), repeats: int = 3, every: int = 3) -> dict:
    """Publishing a release as its request does (publish, then commit) against a raw executemany of
    the same notices, committed likewise.

    A published release and its audit events cannot be taken back (triggers freeze them), so every
    run publishes a release of its own (one more approved admission, assembled and committed
    beforehand, unmeasured) and this measurement is the last of a run; the raw rows are deleted.
    """
    from admission.notifications.models import Notification
    from admission.releases import operations as release_ops

    published, commits, cpu, details = [], [], [], {}
    with _addresses(app, every) as addressed:
        with app.app_context():
            session = get_session()
            chosen = list(session.scalars(
                select(Application.id)
                .where(Application.state == "approved", Application.kind == "admission",
                       Application.id.not_in(list(exclude)))
                .order_by(Application.id).limit(repeats + 1)
            ))  # fmt: skip
            session.rollback()
        if len(chosen) < repeats + 1:
            raise RuntimeError(f"{repeats + 1} approved admissions needed, {len(chosen)} found")
        # One discarded run first: a long-lived server has its statements compiled and caches warm.
        for attempt, application_id in enumerate(chosen):
            with app.app_context():
                session = get_session(write=True)
                bb = session.scalars(select(Account).where(Account.username == "bb")).one()
                today = local_today(dt.datetime.now(dt.UTC), app.config["ADMISSION_TIMEZONE"])
                draft = release_ops.assemble_release(
                    session, bb, title=None, document_number=f"临编办发〔{today.year}〕{90 + attempt}号",
                    effective_on=today, application_ids=[application_id],
                )  # fmt: skip
                session.commit()
                version = draft.version
            with app.app_context():  # the publishing request, its account loaded first as a login does
                session = get_session(write=True)
                bb = session.scalars(select(Account).where(Account.username == "bb")).one()
                with sql_log(get_engine()) as log:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    release_ops.publish_assembled_release(session, bb, version)
                    flushed = time.perf_counter()
                    session.commit()
                    ended = time.perf_counter()
                if attempt:
                    published.append(ended - started)
                    commits.append(ended - flushed)
                    cpu.append(time.process_time() - cpu_started)
                counted = select(func.count()).select_from(Notification)
                pattern = f"release_published:{version}:%"
                details = {
                    "version": version,
                    "notices": session.scalar(counted.where(Notification.key.like(pattern))),
                    "emails_queued": session.scalar(
                        counted.where(Notification.key.like(pattern), Notification.email_status.is_not(None))
                    ),
                    "sql_statements": log.count,
                    "sql_s": round(log.seconds, 4),
                    "slowest_sql": [
                        {"s": round(t, 4), "sql": _flat(s, 200), "executemany": m} for t, s, _p, m in log.slowest()
                    ],
                }
        # The same notices through the DBAPI's executemany, committed: the floor.
        engine_ = app.extensions["admission.engine"]
        mark = "?" if engine_.dialect.name == "sqlite" else "%s"
        columns = ", ".join(NOTICE_COLUMNS)
        key_at = NOTICE_COLUMNS.index("key")
        with engine_.connect() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT {columns} FROM notifications WHERE key LIKE {mark}", (f"release_published:{version}:%",)
            ).all()
            conn.rollback()
        rows = [(*r[:key_at], RAW_KEY + r[key_at], *r[key_at + 1 :]) for r in rows]
        raw, raw_insert, raw_cpu = [], [], []
        for attempt in range(repeats + 1):
            with engine_.connect() as conn:
                started, cpu_started = time.perf_counter(), time.process_time()
                conn.exec_driver_sql(
                    f"INSERT INTO notifications ({columns}) VALUES ({', '.join([mark] * len(NOTICE_COLUMNS))})", rows
                )
                inserted = time.perf_counter()
                conn.commit()
                ended = time.perf_counter()
                if attempt:
                    raw.append(ended - started)
                    raw_insert.append(inserted - started)
                    raw_cpu.append(time.process_time() - cpu_started)
                conn.exec_driver_sql(f"DELETE FROM notifications WHERE key LIKE {mark}", (RAW_KEY + "%",))
                conn.commit()
    publish_s, raw_s = _median(published), _median(raw)
    return {
        "notices": details.get("notices"),
        "units_with_address": addressed,
        "publish_s": publish_s,
        "publish_commit_s": _median(commits),
        "raw_executemany_s": raw_s,
        "raw_insert_only_s": _median(raw_insert),
        "ratio": round(publish_s / raw_s, 2) if raw_s else None,
        # This process's CPU time: on SQLite the database's work too, and less disturbed by a busy machine.
        "publish_cpu_s": _median(cpu),
        "raw_cpu_s": _median(raw_cpu),
        "runs": {"publish": [round(x, 4) for x in published], "raw": [round(x, 4) for x in raw]},
        "publish_detail": details,
    }
