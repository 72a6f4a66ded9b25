"""``wrk`` (a C load generator) against the benchmark's server, where it is installed.

The asyncio client of ``load.py`` tops out near 1,200 requests a second on this machine, under what
the server's fastest routes can do; ``wrk`` does not, so ratios to the ceiling measured with it are
the server's own. Each run: ``wrk -t2 -c16 -d<s> --latency``, a discarded warm-up first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

THREADS = 2
CONNECTIONS = 16
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def available() -> str | None:
    return shutil.which("wrk")


def _ms(value: str) -> float | None:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    return round(float(match.group(1)) * _UNITS[match.group(2)], 3) if match else None


def parse(output: str) -> dict:
    """The numbers of one ``wrk --latency`` run."""
    result: dict = {}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["rps"] = round(float(match.group(1)), 1)
    if match := re.search(r"(\d+) requests in ([\d.]+\w+),", output):
        result["requests"] = int(match.group(1))
    for percent, key in (("50", "p50_ms"), ("75", "p75_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        if match := re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE):
            result[key] = _ms(match.group(1))
    if match := re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", output):
        result["max_ms"] = _ms(match.group(1))
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx_3xx"] = int(match.group(1)) if match else 0
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["socket_errors"] = sum(int(n) for n in match.groups())
    else:
        result["socket_errors"] = 0
    return result


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its living descendants (a pre-fork server's workers)."""
    total, pending, seen = 0.0, [pid], set()
    for _ in range(256):
        if not pending:
            break
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    pending += [int(child) for child in f.read().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def run(port: int, path: str, *, duration: float, warmup: float = 1.0, headers: dict | None = None,
        server_pid: int | None = None) -> dict:  # fmt: skip
    """One scenario: warm-up (discarded), then the measured run with the server's CPU around it."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    url = f"http://127.0.0.1:{port}{path}"
    if warmup > 0:
        subprocess.run([*command, f"-d{max(1, round(warmup))}s", url], capture_output=True, timeout=warmup + 60)
    cpu_before = tree_cpu_seconds(server_pid) if server_pid else None
    started = time.perf_counter()
    done = subprocess.run([*command, f"-d{max(1, round(duration))}s", url], capture_output=True, text=True,
                          timeout=duration + 60)  # fmt: skip
    elapsed = time.perf_counter() - started
    result = parse(done.stdout)
    result["path"] = path
    if "rps" not in result:
        result["error"] = (done.stdout + done.stderr)[-300:]
        return result
    if cpu_before is not None and result.get("requests"):
        used = tree_cpu_seconds(server_pid) - cpu_before
        result["server_cpu_ms_per_request"] = round(used * 1000 / result["requests"], 3)
        result["server_cpu_utilisation"] = round(used / elapsed, 2)
    return result
