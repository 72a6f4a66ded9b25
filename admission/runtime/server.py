"""Serving the application: ``admission serve`` and the benchmark's server process both come here.

One process (waitress, the scheduler in a thread) is the embedded default and the only choice off
POSIX. With ``workers > 1`` a pre-fork server (gunicorn, threaded workers) uses every core; the
scheduler then runs in one process of its own beside the workers, so there is exactly one sweep.
The caches a worker keeps stay correct across workers because each is keyed on what the database
says: signed-in fragments on the newest audit event's id, published content on the newest release.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable

from flask import Flask


def default_workers() -> int:
    """Every core, where a pre-fork server runs (POSIX with gunicorn installed); else one process."""
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return 1
    return max(os.cpu_count() or 1, 1) if os.name == "posix" else 1


def _freeze() -> None:
    # What start-up made (the app, SQLAlchemy's mappers, the translation catalogues) lives as long
    # as the process: take it out of the garbage collector's full sweeps, which then scan only what
    # requests leave behind (about a millisecond less per signed-in page).
    gc.collect()
    gc.freeze()


def serve(
    app: Flask | None,
    *,
    host: str,
    port: int,
    threads: int,
    workers: int = 1,
    scheduler: bool = True,
    factory: Callable[[], Flask] | None = None,
) -> None:
    """Serve ``app``; with ``workers > 1`` each worker builds its own from ``factory`` (default
    ``create_app``), since an app object and its connection pool must not cross a fork."""
    if workers > 1:
        _serve_prefork(host=host, port=port, threads=threads, workers=workers, scheduler=scheduler, factory=factory)
        return
    import waitress

    background = None
    if scheduler:
        from admission.scheduler.runner import start_background

        background = start_background(app)
    try:
        _freeze()
        # waitress drops X-Forwarded-* unless told otherwise; behind a proxy we were told about
        # (ADMISSION_TRUSTED_PROXIES) ProxyFix reads them, else every visitor would be the proxy's
        # address, and one address's login delay and rate limits everyone's.
        trusts_proxies = bool(app.config.get("TRUSTED_PROXIES"))
        waitress.serve(app, host=host, port=port, threads=threads, ident="admission",
                       clear_untrusted_proxy_headers=not trusts_proxies)  # fmt: skip
    finally:
        if background is not None:
            background.shutdown(wait=False)


def _scheduler_process() -> None:
    from admission import create_app
    from admission.scheduler.runner import run_forever

    run_forever(create_app())


def _serve_prefork(
    *, host: str, port: int, threads: int, workers: int, scheduler: bool, factory: Callable[[], Flask] | None
) -> None:
    from gunicorn.app.base import BaseApplication

    class PreforkServer(BaseApplication):
        def load_config(self):
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                # Each worker builds its own application (and connection pool) after the fork.
                "preload_app": False,
                "timeout": 120,
                "graceful_timeout": 10,
                "proc_name": "admission",
                "control_socket_disable": True,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            if factory is None:
                from admission import create_app

                app = create_app()
            else:
                app = factory()
            _freeze()
            return app

    sweep = None
    if scheduler:
        # A spawned process, not a thread of the master: the master forks workers, and a fork must
        # not copy a half-held lock of a running scheduler.
        sweep = multiprocessing.get_context("spawn").Process(target=_scheduler_process, name="admission-scheduler")
        sweep.daemon = True
        sweep.start()
    try:
        PreforkServer().run()
    finally:
        if sweep is not None:
            sweep.terminate()
            sweep.join(5)
