"""The server process: the benchmark's app object served as ``admission serve`` serves it.

    python benchmarks/serve.py --database-url URL --port PORT [--threads 8] [--workers N]

Same call as ``admission serve`` (``admission.runtime.server.serve``: waitress with 8 threads for one
worker; gunicorn's threaded pre-fork workers, each building the benchmark's app, for more), without
the scheduler (``--no-scheduler``, the multi-worker production layout): a background sweep would
otherwise change the data under measurement every minute.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app_wrapper import build_app  # noqa: E402

from admission.runtime.server import serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # waitress warns on every queued request under load ("Task queue depth is N"): expected here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if args.workers > 1:
        # Each worker builds its own app after the fork; the master builds none.
        serve(None, host="127.0.0.1", port=args.port, threads=args.threads, workers=args.workers, scheduler=False,
              factory=lambda: build_app(args.database_url))  # fmt: skip
        return
    serve(build_app(args.database_url), host="127.0.0.1", port=args.port, threads=args.threads, scheduler=False)


if __name__ == "__main__":
    main()
