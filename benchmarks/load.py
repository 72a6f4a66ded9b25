"""The load generator process: a small HTTP/1.1 keep-alive client on asyncio streams.

    python benchmarks/load.py --port PORT --spec spec.json --out result.json

``spec.json``: ``{"concurrency": 16, "warmup": 1.0, "duration": 8.0, "password": "...",
"logins": {"bb": "bb", ...}, "scenarios": [{"name", "path", "as": login-name|null,
"conditional": bool, "expect": 200, "concurrency": N, "duration": S, "flood": {...}}]}``
(a scenario's own ``concurrency`` and ``duration`` override the spec's).

For each scenario, ``concurrency`` clients (one persistent connection each) send requests back to
back: first for ``warmup`` seconds (discarded), then for ``duration`` seconds. Throughput is the
requests completed in the measured window divided by its length; latencies are per request.
Every loop is bounded by time and count, and every read by a timeout. Only 127.0.0.1 is contacted.

A scenario with ``"flood": {"clients": 16, "username": "...", "rotate_addresses": bool}`` measures
its page while, in a process of its own, that many clients post wrong passwords to the login form
back to back (each with its own session and CSRF token; with ``rotate_addresses`` every post says it
comes from another address through ``X-Forwarded-For``, for a server that trusts one proxy).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import statistics
import time
import urllib.parse

from wrk import tree_cpu_seconds

HOST = "127.0.0.1"
USER_AGENT = "admission-bench/1.0"
REQUEST_TIMEOUT = 60.0
MAX_REQUESTS_PER_PHASE = 500_000


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict | None = None, body: bytes = b""):
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            try:
                return await asyncio.wait_for(self._exchange(method, path, headers or {}, body), REQUEST_TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt == 2:
                    raise HttpError(str(exc)) from exc
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, headers: dict, body: bytes):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", f"User-Agent: {USER_AGENT}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self.writer.write(raw)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("connection closed before the response")
        status = int(status_line.split(b" ", 2)[1])
        response_headers: dict[str, str] = {}
        cookies: list[str] = []
        for _ in range(200):
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            response_headers[name] = value
        if status in (204, 304) or method == "HEAD" or 100 <= status < 200:
            data = b""
        elif "content-length" in response_headers:
            data = await self.reader.readexactly(int(response_headers["content-length"]))
        elif response_headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            for _ in range(100_000):
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        else:
            data = await self.reader.read()
            self.close()
        if response_headers.get("connection", "").lower() == "close" and self.writer is not None:
            self.close()
        return status, response_headers, cookies, data


def _cookie_pairs(set_cookies: list[str]) -> dict[str, str]:
    pairs = {}
    for value in set_cookies:
        name, _, rest = value.partition("=")
        pairs[name.strip()] = rest.split(";", 1)[0]
    return pairs


async def login(port: int, username: str, password: str) -> str:
    """Sign in through the login form: GET /login for the CSRF token, POST it back; the cookie header."""
    conn = Connection(port)
    try:
        status, _, set_cookies, page = await conn.request("GET", "/login")
        if status != 200:
            raise HttpError(f"GET /login answered {status}")
        cookies = _cookie_pairs(set_cookies)
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        if not match:
            raise HttpError("no csrf_token on the login page")
        form = urllib.parse.urlencode(
            {"csrf_token": match.group(1).decode(), "username": username, "password": password}
        ).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        }
        status, _, set_cookies, page = await conn.request("POST", "/login", headers, form)
        if status != 302:
            raise HttpError(f"POST /login for {username} answered {status}: {page[:300]!r}")
        cookies |= _cookie_pairs(set_cookies)
        return "; ".join(f"{k}={v}" for k, v in cookies.items())
    finally:
        conn.close()


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[index]


async def _phase(port: int, path: str, headers: dict, expect: int, concurrency: int, seconds: float) -> dict:
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    errors: list[str] = []
    finished_at = [0.0]

    async def client() -> None:
        conn = Connection(port)
        try:
            for _ in range(MAX_REQUESTS_PER_PHASE):
                if time.perf_counter() >= deadline or len(latencies) >= MAX_REQUESTS_PER_PHASE:
                    break
                started = time.perf_counter()
                try:
                    status, _, _, data = await conn.request("GET", path, headers)
                except (TimeoutError, HttpError, OSError) as exc:
                    errors.append(repr(exc)[:200])
                    conn.close()
                    continue
                ended = time.perf_counter()
                latencies.append(ended - started)
                finished_at[0] = max(finished_at[0], ended)
                statuses[status] = statuses.get(status, 0) + 1
                sizes.append(len(data))
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = max(finished_at[0], deadline) - started if latencies else seconds
    ordered = sorted(latencies)
    unexpected = sum(n for s, n in statuses.items() if s != expect)
    return {
        "requests": len(latencies),
        "elapsed_s": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 2) if elapsed > 0 else 0.0,
        "p50_ms": round(_percentile(ordered, 0.50) * 1000, 2),
        "p95_ms": round(_percentile(ordered, 0.95) * 1000, 2),
        "p99_ms": round(_percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else None,
        "bytes": int(statistics.median(sizes)) if sizes else 0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unexpected_status": unexpected,
        "errors": len(errors),
        "error_samples": errors[:3],
    }


async def _flood(port: int, seconds: float, flood: dict) -> dict:
    deadline = time.perf_counter() + seconds
    statuses: dict[int, int] = {}
    errors: list[str] = []
    sequence = [0]

    async def client(number: int) -> None:
        conn = Connection(port)
        try:
            status, _, set_cookies, page = await conn.request("GET", "/login")
            match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
            if status != 200 or not match:
                errors.append(f"GET /login answered {status}")
                return
            cookie = "; ".join(f"{k}={v}" for k, v in _cookie_pairs(set_cookies).items())
            form = urllib.parse.urlencode({"csrf_token": match.group(1).decode(), "username": flood["username"],
                                           "password": f"wrong-{number}"}).encode()  # fmt: skip
            for _ in range(MAX_REQUESTS_PER_PHASE):
                if time.perf_counter() >= deadline:
                    break
                headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
                if flood.get("rotate_addresses"):
                    sequence[0] += 1
                    n = sequence[0]
                    headers["X-Forwarded-For"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
                try:
                    status, _, _, _ = await conn.request("POST", "/login", headers, form)
                except (TimeoutError, HttpError, OSError) as exc:
                    errors.append(repr(exc)[:200])
                    conn.close()
                    continue
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(flood.get("clients", 16))))
    elapsed = time.perf_counter() - started
    answered = sum(statuses.values())
    return {"clients": flood.get("clients", 16), "answered": answered, "elapsed_s": round(elapsed, 2),
            "rps": round(answered / elapsed, 1) if elapsed else 0.0, "rotate_addresses": bool(flood.get("rotate_addresses")),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}, "errors": len(errors),
            "error_samples": errors[:3]}  # fmt: skip


def _flood_process(port: int, seconds: float, flood: dict, queue) -> None:
    queue.put(asyncio.run(_flood(port, seconds, flood)))


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of the server process and its workers so far (Linux /proc), or None."""
    if not pid or not os.path.exists(f"/proc/{pid}/stat"):
        return None
    return tree_cpu_seconds(pid)


async def run(spec: dict, port: int, server_pid: int | None = None) -> dict:
    cookies = {}
    for name, username in spec.get("logins", {}).items():
        cookies[name] = await login(port, username, spec["password"])
    results = {}
    for scenario in spec["scenarios"]:
        headers = {}
        if scenario.get("as"):
            headers["Cookie"] = cookies[scenario["as"]]
        expect = scenario.get("expect", 200)
        if scenario.get("conditional"):
            conn = Connection(port)
            status, response_headers, _, _ = await conn.request("GET", scenario["path"], dict(headers))
            conn.close()
            etag = response_headers.get("etag")
            if status != 200 or not etag:
                results[scenario["name"]] = {"error": f"no ETag on {scenario['path']} (status {status})"}
                continue
            headers["If-None-Match"] = etag
            expect = 304
        # A probe first: a page that does not answer as expected is reported, not measured.
        conn = Connection(port)
        probe_status, _, _, probe_body = await conn.request("GET", scenario["path"], dict(headers))
        conn.close()
        if probe_status != expect:
            results[scenario["name"]] = {"error": f"{scenario['path']} answered {probe_status}, expected {expect}: "
                                                  f"{probe_body[:200]!r}"}  # fmt: skip
            continue
        concurrency = scenario.get("concurrency", spec["concurrency"])
        duration = scenario.get("duration", spec["duration"])
        flood = None
        if scenario.get("flood"):
            # Its own process, so that the flood's clients do not delay this one's in the event loop.
            context = multiprocessing.get_context("spawn")
            queue = context.Queue()
            flood = context.Process(target=_flood_process, args=(port, spec["warmup"] + duration + 1.0,
                                                                  scenario["flood"], queue))  # fmt: skip
            flood.start()
        await _phase(port, scenario["path"], headers, expect, concurrency, spec["warmup"])
        cpu_before, own_before = cpu_seconds(server_pid), time.process_time()
        measured = await _phase(port, scenario["path"], headers, expect, concurrency, duration)
        cpu_after, own_after = cpu_seconds(server_pid), time.process_time()
        if flood is not None:
            try:
                measured["flood"] = await asyncio.get_running_loop().run_in_executor(
                    None, queue.get, True, REQUEST_TIMEOUT + duration
                )
            except Exception as exc:  # noqa: BLE001 - reported, not fatal
                measured["flood"] = {"error": repr(exc)[:200]}
            flood.join(10)
            if flood.is_alive():
                flood.terminate()
        # How busy this generator was (1.0 = one core): near 1.0 it, not the server, would be the limit.
        measured["client_cpu_utilisation"] = round((own_after - own_before) / measured["elapsed_s"], 2)
        measured |= {"path": scenario["path"], "as": scenario.get("as"), "expect": expect}
        if cpu_before is not None and cpu_after is not None and measured["requests"]:
            # The web process's own CPU per request (the database server's is not included).
            measured["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / measured["requests"], 3)
            measured["server_cpu_utilisation"] = round((cpu_after - cpu_before) / measured["elapsed_s"], 2)
        results[scenario["name"]] = measured
        print(f"  {scenario['name']:<28} {measured['rps']:>9.1f} req/s  p50 {measured['p50_ms']:>8.1f} ms  "
              f"p99 {measured['p99_ms']:>8.1f} ms  n={measured['requests']}  "
              f"server CPU {measured.get('server_cpu_ms_per_request', float('nan')):.2f} ms/req", flush=True)  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--server-pid", type=int)
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    results = asyncio.run(run(spec, args.port, args.server_pid))
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
