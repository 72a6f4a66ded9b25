"""RESULTS.md's sections for the further suites of ``benchmarks/extra.py``, and their target rows."""

from __future__ import annotations

# Ratios to the ceiling measured by the same tool on the same server.
SAME_SERVER_TARGETS = {"public": 0.6, "files": 0.5, "statistics": 0.5}
WORKER_SCALING_TARGET = 1.5
PDF_FIRST_RENDER_TARGET_S = 2.0
STATISTICS_COLD_CPU_TARGET_MS = 50.0
FLOOD_P99_TARGET_MS = 100.0


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def same_server_table(runs: dict, order: list[str]) -> list[str]:
    lines = []
    for key in [k for k in order if k in runs]:
        suite = (runs[key].get("http") or {}).get("same_server")
        if not suite:
            continue
        lines += [
            f"**{key}** — measured with `{suite['tool']}`, {suite['duration_s']} s each; ceiling "
            f"{fmt(suite['ceiling_rps'])} req/s (mean of the two hello runs)",
            "",
            "| page | req/s | × ceiling | target | p50 ms | p99 ms | server CPU ms/req | server CPU (cores) | bad |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, entry in suite["scenarios"].items():
            if "rps" not in entry:
                lines.append(f"| {name} | {str(entry.get('error', '–'))[:80]} ||||||||")
                continue
            target = SAME_SERVER_TARGETS.get(entry.get("group"))
            ratio = entry.get("ratio")
            verdict = f"≥ {target} {_mark(ratio >= target)}" if target and ratio is not None else ""
            if entry.get("group") == "signed_in":
                verdict = "(for comparison)"
            bad = (entry.get("non_2xx_3xx", 0) + entry.get("socket_errors", 0) + entry.get("unexpected_status", 0)
                   + entry.get("errors", 0))  # fmt: skip
            lines.append(
                f"| {name} | {fmt(entry['rps'])} | {fmt(ratio, 3)} | {verdict} | {fmt(entry.get('p50_ms'), 2)} | "
                f"{fmt(entry.get('p99_ms'), 2)} | {fmt(entry.get('server_cpu_ms_per_request'), 2)} | "
                f"{fmt(entry.get('server_cpu_utilisation'), 2)} | {bad} |"
            )
        lines.append("")
    return lines


def workers_table(runs: dict, order: list[str]) -> list[str]:
    lines = []
    for key in [k for k in order if k in runs]:
        w = (runs[key].get("http") or {}).get("workers")
        if not w:
            continue
        one, two = w["by_workers"]["1"], w["by_workers"]["2"]
        lines += [
            f"**{key}** — `{one['tool']}`, {one['duration_s']} s each, {w['cpus']} CPUs; ceilings "
            f"{fmt(one['ceiling_rps'])} (1 worker) and {fmt(two['ceiling_rps'])} req/s (2 workers)",
            "",
            "| page | 1 worker req/s | × its ceiling | 2 workers req/s | × its ceiling | 2 ÷ 1 | target | "
            "p99 ms (1 → 2) | server CPU cores (1 → 2) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, a in one["scenarios"].items():
            b = two["scenarios"].get(name, {})
            scale = w["scaling"].get(name)
            verdict = ""
            if scale is not None and a.get("group") in ("public", "auth"):
                verdict = f"≥ {WORKER_SCALING_TARGET} {_mark(scale >= WORKER_SCALING_TARGET)}"
            lines.append(
                f"| {name} | {fmt(a.get('rps'))} | {fmt(a.get('ratio'), 3)} | {fmt(b.get('rps'))} | "
                f"{fmt(b.get('ratio'), 3)} | {fmt(scale, 2)} | {verdict} | "
                f"{fmt(a.get('p99_ms'), 1)} → {fmt(b.get('p99_ms'), 1)} | "
                f"{fmt(a.get('server_cpu_utilisation'), 2)} → {fmt(b.get('server_cpu_utilisation'), 2)} |"
            )
        lines.append("")
    return lines


def flood_table(runs: dict, order: list[str]) -> list[str]:
    lines = []
    for key in [k for k in order if k in runs]:
        flood = (runs[key].get("http") or {}).get("login_flood")
        if not flood:
            continue
        lines += [
            f"**{key}**",
            "",
            "| signed-in page (1 client) | requests | p50 ms | p95 ms | p99 ms | target | flood: posts answered "
            "(per s) | flood statuses |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, entry in flood.items():
            if "p99_ms" not in entry:
                lines.append(f"| {name} | {str(entry.get('error', '–'))[:80]} |||||||")
                continue
            f = entry.get("flood") or {}
            p99 = entry["p99_ms"]
            verdict = f"< {FLOOD_P99_TARGET_MS:.0f} {_mark(p99 < FLOOD_P99_TARGET_MS)}" if f else "(no flood)"
            answered = f"{fmt(f.get('answered'))} ({fmt(f.get('rps'))})" if f else "–"
            statuses = ", ".join(f"{s}: {n}" for s, n in (f.get("statuses") or {}).items()) or f.get("error", "–")
            lines.append(
                f"| {name} | {entry['requests']} | {fmt(entry['p50_ms'], 1)} | {fmt(entry['p95_ms'], 1)} | "
                f"{fmt(p99, 1)} | {verdict} | {answered} | {statuses} |"
            )
        lines.append("")
    return lines


def in_process_table(runs: dict, order: list[str]) -> list[str]:
    keys = [k for k in order if k in runs]
    lines = ["| measurement | " + " | ".join(keys) + " | target |", "|---|" + "---|" * len(keys) + "---|"]

    def row(label, fn, target=""):
        cells = []
        for k in keys:
            try:
                cells.append(fn(runs[k]))
            except (KeyError, TypeError):
                cells.append("failed" if runs[k].get("errors") else "–")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    row("list PDF, first render in a process (s)",
        lambda r: f"{r['pdf_first_render']['first_s']:.2f} "
                  f"{_mark(r['pdf_first_render']['first_s'] < PDF_FIRST_RENDER_TARGET_S)}",
        f"< {PDF_FIRST_RENDER_TARGET_S:.0f} s")  # fmt: skip
    row("… rendered again, file removed (s)", lambda r: f"{r['pdf_first_render']['again_s']:.2f}")
    row("… fonts subset with HarfBuzz (else fontTools)",
        lambda r: "yes" if r["pdf_first_render"]["harfbuzz_subset"] else "no (fontTools)")  # fmt: skip
    for name in ("statistics page", "api statistics"):
        row(f"{name}: server CPU, cache emptied (ms)",
            lambda r, n=name: f"{r['statistics_cold'][n]['cold_cpu_ms']:.1f} "
                              f"{_mark(r['statistics_cold'][n]['cold_cpu_ms'] < STATISTICS_COLD_CPU_TARGET_MS)}",
            f"< {STATISTICS_COLD_CPU_TARGET_MS:.0f} ms")  # fmt: skip
        row("… wall time (ms) / kept: CPU ms",
            lambda r, n=name: f"{r['statistics_cold'][n]['cold_wall_ms']:.1f} / {r['statistics_cold'][n]['kept_cpu_ms']:.2f}")  # fmt: skip
    return lines


def target_rows(runs: dict, keys: list[str], verdict) -> list[str]:
    """Rows for the Targets table: one per further target, the worst case of each run."""

    def cells(fn) -> str:
        out = []
        for k in keys:
            try:
                out.append(fn(runs[k]))
            except (KeyError, TypeError, ValueError):
                out.append("–")
        return " | ".join(out)

    def worst_same_server(run, group):
        suite = run["http"]["same_server"]
        ratios = [e["ratio"] for e in suite["scenarios"].values() if e.get("group") == group and "ratio" in e]
        if not ratios:
            raise ValueError
        w = min(ratios)
        return f"{verdict(w >= SAME_SERVER_TARGETS[group])} (worst {w:.3f}, {suite['tool']})"

    def scaling(run):
        s = run["http"]["workers"]["scaling"]
        w = min(v for name, v in s.items() if "hello" not in name)
        return f"{verdict(w >= WORKER_SCALING_TARGET)} (worst {w:.2f}×)"

    def flood(run):
        p99 = max(e["p99_ms"] for e in run["http"]["login_flood"].values() if e.get("flood") and "p99_ms" in e)
        return f"{verdict(p99 < FLOOD_P99_TARGET_MS)} (worst p99 {p99:.0f} ms)"

    def cold(run):
        w = max(e["cold_cpu_ms"] for e in run["statistics_cold"].values())
        return f"{verdict(w < STATISTICS_COLD_CPU_TARGET_MS)} (worst {w:.0f} ms)"

    def pdf(run):
        s = run["pdf_first_render"]["first_s"]
        return f"{verdict(s < PDF_FIRST_RENDER_TARGET_S)} ({s:.2f} s)"

    return [
        "| public pages ≥ 0.6 × ceiling, both measured with wrk | "
        + cells(lambda r: worst_same_server(r, "public"))
        + " |",
        "| every core: 2 workers ÷ 1 worker ≥ 1.5 × (public list, board) | " + cells(scaling) + " |",
        "| downloads (pdf, xlsx, csv, json, docx; GET and 304) ≥ 0.5 × ceiling | "
        + cells(lambda r: worst_same_server(r, "files"))
        + " |",
        "| list PDF first render < 2 s | " + cells(pdf) + " |",
        "| statistics (page and API, kept) ≥ 0.5 × ceiling | "
        + cells(lambda r: worst_same_server(r, "statistics"))
        + " |",
        "| statistics from nothing: server CPU < 50 ms per request | " + cells(cold) + " |",
        "| signed-in page during a login flood: p99 < 100 ms | " + cells(flood) + " |",
    ]


def sections(runs: dict, order: list[str]) -> list[str]:
    return [
        "## The same server, measured with wrk: public pages, downloads, statistics",
        "",
        "On the server of the table above, after its scenarios: `wrk -t2 -c16 --latency` (where installed; "
        "else `benchmarks/load.py`), a discarded 1 s run before each. The ceiling is measured with the "
        "same tool: the asyncio client of `load.py` tops out near the hello route's rate, wrk does not. "
        "Downloads are the newest published release's `list.<fmt>`; the 304 rows send the ETag of a plain "
        "GET. *Server CPU*: the server process and its children.",
        "",
        *same_server_table(runs, order),
        "## Every core: one worker against two",
        "",
        "`benchmarks/serve.py --workers N`, as `admission serve --workers N`: one worker is waitress "
        "(8 threads), more are gunicorn's threaded pre-fork workers (8 threads each), each building the "
        "benchmark's app. Each server has its own ceiling; *2 ÷ 1* is the absolute throughput of two "
        "workers over one. The load generator runs on the same 2 cores.",
        "",
        *workers_table(runs, order),
        "## Login flood",
        "",
        "One client asks for `/settings` as `bb`, one request at a time, while in another process 16 "
        "clients post wrong passwords to the login form back to back (a server trusting one proxy; in "
        "the last row every post says it comes from another address, so no per-address delay stops it "
        "and each one costs a password verification).",
        "",
        *flood_table(runs, order),
        "## In process: the list PDF and the statistics from nothing",
        "",
        "The list PDF with its stored file removed and the response cache emptied, through the Flask test "
        "client: the first render in the benchmark's process (loading the layout engine and its fonts), "
        "then once more; a first render over the target is followed by a third under cProfile, whose "
        "top entries are in `results.json` (`pdf_first_render.profile`). The statistics: CPU time of this process (`time.process_time`) "
        "for one request after emptying the statistics cache, median of 3; the database server's own "
        "CPU is not included.",
        "",
        *in_process_table(runs, order),
        "",
    ]
