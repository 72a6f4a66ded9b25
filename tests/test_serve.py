"""``admission serve`` on several cores: pre-fork workers serve, and exactly one scheduler runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the pre-fork server runs on POSIX only")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[tuple[int, str]]:
    out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [(int(line.split(None, 1)[0]), line.split(None, 1)[1]) for line in out.splitlines() if line.strip()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return state not in ("Z", "X")


def test_two_workers_serve_and_one_scheduler_runs(tmp_path: Path):
    env = os.environ | {"ADMISSION_INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "serve-test"}
    env.pop("DATABASE_URL", None)
    admission = [sys.executable, "-c", "from admission.cli import main; main()"]
    subprocess.run([*admission, "init"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [*admission, "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/catalogue", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        for _ in range(20):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                assert response.status == 200
        children = _children(server.pid)
        workers = [pid for pid, args in children if "main()" in args and "spawn" not in args]
        schedulers = [pid for pid, args in children if "spawn_main" in args]
        assert len(workers) == 2, children
        assert len(schedulers) == 1, children
    finally:
        server.terminate()
        server.wait(20)
    # The scheduler and the workers went with the server.
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in (*schedulers, *workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in (*schedulers, *workers) if _alive(pid)]


FACTORY_SERVER = """
import sys
from admission import create_app
from admission.runtime.server import serve

def factory():
    app = create_app()
    app.add_url_rule("/__factory", "factory", lambda: "built by the factory")
    return app

serve(None, host="127.0.0.1", port=int(sys.argv[1]), threads=2, workers=2, scheduler=False, factory=factory)
"""


def test_workers_build_their_app_with_the_given_factory(tmp_path: Path):
    env = os.environ | {"ADMISSION_INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "serve-test"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", "from admission.cli import main; main()", "init"], env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", FACTORY_SERVER, str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/__factory", timeout=5) as response:
                    assert response.read() == b"built by the factory"
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        # No scheduler asked for: only the two workers run beside the master.
        assert len(_children(server.pid)) == 2, _children(server.pid)
    finally:
        server.terminate()
        server.wait(20)


ADDRESS_SERVER = """
import sys
from flask import request
from admission import create_app
from admission.runtime.server import serve

app = create_app()
app.add_url_rule("/__address", "address", lambda: request.remote_addr)
serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=2, workers=1, scheduler=False)
"""


@pytest.mark.parametrize("proxies, seen", [("1", b"203.0.113.9"), ("0", b"127.0.0.1")])
def test_the_single_process_server_passes_a_trusted_proxys_address(tmp_path: Path, proxies: str, seen: bytes):
    env = os.environ | {"ADMISSION_INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "serve-test",
                        "ADMISSION_TRUSTED_PROXIES": proxies}  # fmt: skip
    env.pop("DATABASE_URL", None)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", ADDRESS_SERVER, str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    request = urllib.request.Request(f"http://127.0.0.1:{port}/__address", headers={"X-Forwarded-For": "203.0.113.9"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.read() == seen
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(20)
