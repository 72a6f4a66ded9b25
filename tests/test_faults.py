"""Crash tests with real processes: ``admission serve`` is killed (SIGKILL) in the middle of a transaction.

The server runs as a subprocess on a database prepared by the test (``admission init --demo``), and is
driven over HTTP. Started with ``ADMISSION_FAULT_PAUSE=<checkpoint>`` it stops inside the transaction
of that action (see ``admission/faults.py``) and writes a marker file; the test then kills it, starts a
fresh server without the pause and checks that the action happened wholly or not at all, and that the
audit chain still verifies (``admission audit verify``).

Database outages: a failure at COMMIT must answer 503 like any other (in-process), and a PostgreSQL
restart under load runs on a private PostgreSQL cluster started for the test (never the shared
server), only when TEST_DATABASE_URL is set and the PostgreSQL server binaries are installed.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from admission.core.clock import local_today
from admission.core.config import normalise_database_url
from tests.support import factories
from tests.support.api import DEMO_PASSWORD
from tests.support.database import PG_URL
from tests.support.procedure import YEAR, county_decision

SECRET_KEY = "fault-test-secret"
ADMISSION = Path(sys.executable).with_name("admission")
STARTUP_SECONDS = 60


def admission_command(*args: str) -> list[str]:
    """The ``admission`` console script of this interpreter's environment (``python -m admission.cli``
    does not run the CLI: the module has no ``__main__`` block)."""
    if ADMISSION.exists():
        return [str(ADMISSION), *args]
    return [sys.executable, "-c", "from admission.cli import main; main()", *args]


def process_env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADMISSION_FAULT_")}
    env.update(DATABASE_URL=url, SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1", **extra)
    return env


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        admission_command(*args), env=process_env(url), capture_output=True, text=True, timeout=180, check=False
    )


def audit_verified(url: str) -> str:
    result = run_cli(url, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "审计链完整" in result.stdout
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def today() -> dt.date:
    return local_today(dt.datetime.now(dt.UTC), "Asia/Shanghai")


# --------------------------------------------------------------------------- a server process


class Server:
    """``admission serve --no-scheduler --workers 1`` on a free loopback port, and a small JSON client for it.

    One process: the kill must take down the process that holds the transaction (a pre-fork master
    killed alone would leave its worker running)."""

    def __init__(self, url: str, workdir: Path, *, pause: str | None = None):
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.marker = workdir / f"paused-{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        extra = {"ADMISSION_FAULT_PAUSE": pause, "ADMISSION_FAULT_MARKER": str(self.marker)} if pause else {}
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            admission_command("serve", "--no-scheduler", "--workers", "1", "--port", str(self.port)),
            env=process_env(url, **extra),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self) -> None:
        wait_for(self._up, STARTUP_SECONDS, f"the server on port {self.port} to answer\n{self.output()}", 0.2)

    def _up(self) -> bool:
        assert self.proc.poll() is None, f"the server exited with {self.proc.returncode}:\n{self.output()}"
        try:
            return self.call("GET", "/api/v1/me", timeout=2)[0] == 401
        except OSError:
            return False

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def call(self, method: str, path: str, token: str | None = None, body: dict | None = None, timeout: float = 60):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        return status, (json.loads(raw) if raw else None)

    def ok(self, method: str, path: str, token: str | None = None, body: dict | None = None, expect: int = 200):
        status, payload = self.call(method, path, token, body)
        assert status == expect, (method, path, status, payload)
        return payload

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the server."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def start_server(tmp_path):
    """``start_server(url, pause=None)``: a server process; every one is stopped at teardown."""
    started: list[Server] = []

    def start(url: str, pause: str | None = None) -> Server:
        server = Server(url, tmp_path, pause=pause)
        started.append(server)
        server.wait_until_up()
        return server

    yield start
    for server in started:
        server.stop()


def in_background(server: Server, method: str, path: str, token: str, body: dict):
    """Send a request from a thread; the result (or the connection error) lands in the returned dict."""
    outcome: dict = {}

    def send():
        try:
            outcome["response"] = server.call(method, path, token, body, timeout=120)
        except OSError as exc:  # the server died under the request
            outcome["error"] = exc

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, outcome


def kill_at_checkpoint(server: Server, method: str, path: str, token: str, body: dict | None = None) -> None:
    """Send the request, wait until the server pauses inside its transaction, then SIGKILL it."""
    thread, outcome = in_background(server, method, path, token, body or {})
    wait_for(server.marker.exists, 60, f"the checkpoint marker {server.marker}\n{server.output()}")
    assert not outcome, f"the request finished before the checkpoint: {outcome}"
    server.kill()
    thread.join(30)
    assert "response" not in outcome, outcome  # the client saw the connection drop, never an answer


# --------------------------------------------------------------------------- databases and tokens


@pytest.fixture
def database_url(tmp_path):
    """A fresh database with the demo county, made by ``admission init --demo`` in a subprocess."""
    if PG_URL:
        admin = create_engine(normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT")
        name = f"adm_faults_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(normalise_database_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    else:
        admin, url = None, f"sqlite:///{tmp_path / 'faults.sqlite3'}"
    try:
        result = run_cli(url, "init", "--demo", "--password", DEMO_PASSWORD)
        assert result.returncode == 0, result.stdout + result.stderr
        yield url
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def issue_tokens(url: str, usernames) -> dict[str, str]:
    """API tokens written straight into the database: each HTTP login would cost an Argon2 hash
    (about a second on a busy machine) and the procedure needs a dozen units."""
    from admission import create_app
    from admission.accounts.models import Account
    from admission.accounts.operations import issue_token
    from admission.core.db import get_engine, get_session

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        session = get_session()
        accounts = session.scalars(select(Account).where(Account.username.in_(list(usernames)))).all()
        tokens = {a.username: issue_token(session, a) for a in accounts}
        session.commit()
        get_engine().dispose()
    return tokens


COMMUNITY_DUTY_TITLE = "社区公共厕所日常管护"


def community_admission() -> dict:
    """A valid admission whose only clause applies to communities: its consultation reaches the
    county's 10 communities and their 2 relaying units, so every reply can be given over HTTP."""
    body = factories.admission()
    body["proposed"]["title"] = COMMUNITY_DUTY_TITLE
    clause = body["proposed"]["clauses"][0]
    clause.update(applies_to="communities", implementing_bodies=["社区居民委员会"])
    clause["content"] = "组织做好社区公共厕所的日常保洁、设施巡查和损坏报修"
    body["guarantees"]["funding"]["per"] = "community_year"
    return body


def consulted_units(server: Server) -> tuple[list[str], list[str]]:
    units = server.ok("GET", "/api/v1/units")
    communities = [u["code"] for u in units if u["kind"] == "community"]
    relays = sorted({u["township"] for u in units if u["kind"] == "community"})
    return communities, relays


def approve_admission(server: Server, tokens: dict[str, str], communities, relays) -> int:
    """File an admission and take it through every stage to ``approved``, all over HTTP."""

    def act(app_id, action, who, **body):
        return server.ok("POST", f"/api/v1/applications/{app_id}/actions/{action}", tokens[who], body)

    created = server.ok("POST", "/api/v1/applications", tokens["nyncj"], community_admission(), expect=201)
    app_id = created["id"]
    act(app_id, "submit", "nyncj")
    act(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
        due=today().isoformat(),
    )
    for unit in ("zzb", "mzj", "czj"):
        act(app_id, "review", unit, opinion="agree", comment="同意")
    opened = act(app_id, "open_consultation", "bb", due=today().isoformat())
    assert opened["consultation"]["in_scope"] == len(communities)
    for code in communities:
        act(app_id, "reply", code, capacity="able", decided_by="two_committees", opinion="agree", comment="同意承接")
    for code in relays:
        act(app_id, "township_feedback", code, summary="所辖社区同意")
    assert act(app_id, "close_consultation", "bb", comment="征求意见结束")["state"] == "re_review"
    held = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    meeting = server.ok("POST", "/api/v1/meetings", tokens["bb"],
                        {"scheduled_at": held, "location": "县委第一会议室", "agenda": [app_id]}, expect=201)  # fmt: skip
    server.ok("POST", f"/api/v1/meetings/{meeting['id']}/minutes", tokens["bb"],
              {"text": "复审", "decisions": [{"application_id": app_id, "outcome": "forward"}]})  # fmt: skip
    act(app_id, "forward", "bb", comment="复审通过", meeting_id=meeting["id"])
    assert (
        act(app_id, "decide", "xwxzf", **county_decision(document_number=f"临发〔{YEAR}〕8号"))["state"] == "approved"
    )
    return app_id


def release_state(server: Server, token: str, app_id: int) -> dict:
    catalogue = server.ok("GET", "/api/v1/catalogue")
    application = server.ok("GET", f"/api/v1/applications/{app_id}", token)
    history = server.ok("GET", f"/api/v1/applications/{app_id}/history", token)
    return {
        "version": catalogue["version"],
        "duties": len(catalogue["duties"]),
        "titles": [d["title"] for d in catalogue["duties"]],
        "published_versions": [r["version"] for r in server.ok("GET", "/api/v1/catalogue/releases")],
        "state": application["state"],
        "released_in": application.get("released_in"),
        "actions": [e["action"] for e in history],
    }


def assert_wholly_old_or_new(state: dict, old_count: int) -> str:
    """The current release and the application agree: both before the publication, or both after."""
    if state["version"] == 1:
        assert state["duties"] == old_count and COMMUNITY_DUTY_TITLE not in state["titles"], state
        assert state["published_versions"] == [1], state
        assert state["state"] == "approved" and state["released_in"] is None, state
        assert "publish" not in state["actions"], state
        return "old"
    assert state["version"] == 2 and state["duties"] == old_count + 1, state
    assert COMMUNITY_DUTY_TITLE in state["titles"] and state["published_versions"] == [1, 2], state
    assert state["state"] == "published" and state["released_in"] == 2, state
    assert state["actions"][-1] == "publish", state
    return "new"


def review_started_wholly_or_not(server: Server, token: str, app_id: int) -> str:
    """Either submitted with no review rows and no event, or in review with its rows and its event."""
    application = server.ok("GET", f"/api/v1/applications/{app_id}", token)
    history = server.ok("GET", f"/api/v1/applications/{app_id}/history", token)
    actions = [e["action"] for e in history]
    if application["state"] == "submitted":
        assert application["reviews"] == [] and actions == ["create", "submit"], (application, actions)
        return "before"
    assert application["state"] == "preliminary_review", application
    assert sorted(r["unit"] for r in application["reviews"]) == ["czj", "mzj", "zzb"], application["reviews"]
    assert actions == ["create", "submit", "start_preliminary_review"], actions
    assert history[-1]["from_state"] == "submitted" and history[-1]["to_state"] == "preliminary_review"
    return "after"


# --------------------------------------------------------------------------- the tests


def test_a_server_killed_while_publishing_a_release_leaves_the_old_release_whole(database_url, start_server):
    url = database_url
    server = start_server(url, pause="publish_release")
    communities, relays = consulted_units(server)
    tokens = issue_tokens(url, ["nyncj", "bb", "zzb", "mzj", "czj", "xwxzf", *communities, *relays])
    app_id = approve_admission(server, tokens, communities, relays)
    old_count = len(server.ok("GET", "/api/v1/catalogue")["duties"])
    draft = server.ok("POST", "/api/v1/catalogue/releases", tokens["bb"],
                      {"document_number": "临编办发〔2026〕3号", "effective_on": today().isoformat(),
                       "applications": [app_id]}, expect=201)  # fmt: skip
    assert draft["version"] == 2 and draft["state"] == "draft"

    kill_at_checkpoint(server, "POST", "/api/v1/catalogue/releases/2/publish", tokens["bb"])

    restarted = start_server(url)
    state = release_state(restarted, tokens["bb"], app_id)
    # The kill came before the request's commit: nothing of the publication may have survived.
    assert assert_wholly_old_or_new(state, old_count) == "old"
    audit_verified(url)

    # The draft is intact and publishing it again works.
    published = restarted.ok("POST", "/api/v1/catalogue/releases/2/publish", tokens["bb"])
    assert published["version"] == 2 and published["state"] == "published"
    state = release_state(restarted, tokens["bb"], app_id)
    assert assert_wholly_old_or_new(state, old_count) == "new"
    audit_verified(url)


def test_a_server_killed_inside_a_stage_transition_leaves_the_application_as_it_was(database_url, start_server):
    url = database_url
    tokens = issue_tokens(url, ["nyncj", "bb"])
    first = start_server(url)  # no pause: submit is a transition too
    created = first.ok("POST", "/api/v1/applications", tokens["nyncj"], factories.admission(), expect=201)
    app_id = created["id"]
    first.ok("POST", f"/api/v1/applications/{app_id}/actions/submit", tokens["nyncj"], {})
    first.stop()

    paused = start_server(url, pause="transition")
    path = f"/api/v1/applications/{app_id}/actions/start_preliminary_review"
    body = {
        "reviewers": ["zzb", "mzj", "czj"],
        "exclusion_reason": "其余成员单位职责与本事项无关",
        "due": today().isoformat(),
    }
    kill_at_checkpoint(paused, "POST", path, tokens["bb"], body)

    restarted = start_server(url)
    # The kill came before the request's commit: the application is as it was before the action.
    assert review_started_wholly_or_not(restarted, tokens["bb"], app_id) == "before"
    audit_verified(url)

    # The same action now goes through whole: state, review rows and audit event together.
    assert restarted.ok("POST", path, tokens["bb"], body)["state"] == "preliminary_review"
    assert review_started_wholly_or_not(restarted, tokens["bb"], app_id) == "after"
    audit_verified(url)


# --------------------------------------------------------------------------- the database fails under the server


def test_a_database_failure_at_commit_answers_503_not_500(api, monkeypatch):
    """The request commits in an after_request hook; losing the database there is an outage too."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    token = api.token("nyncj")
    api.app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not raise into the test

    def lost_connection(self):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", lost_connection)
    response = api.client.post(
        "/api/v1/applications", json=factories.admission(), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 503, (response.status_code, response.get_json())
    assert response.get_json()["error"]["code"] == "unavailable" and response.headers.get("Retry-After")


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary directory, on its own loopback port.

    The restart test stops and starts the database server; doing that to the shared server would
    break every other client of it, so the test makes its own (initdb, as the postgres user when the
    tests run as root)."""

    def __init__(self):
        pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl")]
        if not pg_ctl[-1]:
            pytest.skip("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
        self.bindir = Path(pg_ctl[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="admission-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no postgres user to run initdb as")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.data = self.root / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [*self.as_user, str(self.bindir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if check:
            assert result.returncode == 0, (command, result.stdout, result.stderr)
        return result

    def _ctl(self, *args: str, check: bool = True):
        return self._run("pg_ctl", "-D", str(self.data), "-w", *args, check=check)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._ctl("-l", str(self.root / "postgres.log"), "-o", options, "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def running(self) -> bool:
        return self._ctl("status", check=False).returncode == 0

    def remove(self) -> None:
        if self.running():
            self._ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if not PG_URL:
        pytest.skip("PostgreSQL tests run only when TEST_DATABASE_URL is set")
    cluster = PrivatePostgres()
    try:
        yield cluster
    finally:
        cluster.remove()


LOAD_SECONDS = 30


def test_the_server_answers_503_while_postgresql_restarts_and_loses_no_committed_action(private_postgres, start_server):
    url = private_postgres.url
    result = run_cli(url, "init", "--demo", "--password", DEMO_PASSWORD)
    assert result.returncode == 0, result.stdout + result.stderr
    tokens = issue_tokens(url, ["nyncj", "bb"])
    server = start_server(url)

    outcomes: list[tuple[float, str, int | str, int | None]] = []
    created: list[int] = []
    stop = threading.Event()
    restarted_at: list[float] = []

    def load():
        """Create drafts and read them back, one request at a time, for at most LOAD_SECONDS."""
        began, n = time.monotonic(), 0
        while not stop.is_set() and time.monotonic() - began < LOAD_SECONDS:
            n += 1
            body = factories.admission()
            body["proposed"]["title"] = f"重启测试草稿 {n}"
            try:
                status, payload = server.call("POST", "/api/v1/applications", tokens["nyncj"], body, timeout=20)
            except OSError as exc:
                outcomes.append((time.monotonic(), "create", repr(exc), None))
                continue
            app_id = payload["id"] if status == 201 else None
            if app_id:
                created.append(app_id)
            outcomes.append((time.monotonic(), "create", status, app_id))
            try:
                status, _ = server.call("GET", "/api/v1/catalogue/releases", timeout=20)
            except OSError as exc:
                status = repr(exc)
            outcomes.append((time.monotonic(), "read", status, None))
            time.sleep(0.02)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    try:
        wait_for(lambda: len(created) >= 3, 15, "the first drafts before the restart")
        private_postgres.stop()
        wait_for(lambda: sum(1 for o in outcomes if o[2] == 503) >= 3, 10, "503 answers during the outage")
        private_postgres.start()
        restarted_at.append(time.monotonic())
        wait_for(lambda: any(o[0] > restarted_at[0] and o[2] == 201 for o in outcomes), 15, "a draft after the restart")
    finally:
        if not private_postgres.running():
            private_postgres.start()
        stop.set()
        worker.join(LOAD_SECONDS + 10)

    statuses = [o[2] for o in outcomes]
    unexpected = [o for o in outcomes if o[2] not in (200, 201, 503)]
    assert not unexpected, f"answers other than 200/201/503 during the restart: {unexpected[:10]}"
    assert 503 in statuses
    # Every draft the server confirmed (201) is still there, with its audit event.
    mine = {a["id"] for a in server.ok("GET", "/api/v1/applications?kind=admission", tokens["nyncj"])}
    assert set(created) <= mine, sorted(set(created) - mine)
    for app_id in created:
        assert server.ok("GET", f"/api/v1/applications/{app_id}/history", tokens["nyncj"])[0]["action"] == "create"
    assert server.ok("GET", "/api/v1/audit/verify", tokens["bb"])["ok"] is True
    audit_verified(url)
