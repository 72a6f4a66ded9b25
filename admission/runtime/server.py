"""Serving the application with waitress, the production WSGI server: ``admission serve`` and the
benchmark's server process both come through here."""

from __future__ import annotations

import gc

from flask import Flask


def serve(app: Flask, *, host: str, port: int, threads: int) -> None:
    import waitress

    # What start-up made (the app, SQLAlchemy's mappers, the translation catalogues) lives as long
    # as the process: take it out of the garbage collector's full sweeps, which then scan only what
    # requests leave behind (about a millisecond less per signed-in page).
    gc.collect()
    gc.freeze()
    waitress.serve(app, host=host, port=port, threads=threads, ident="admission")
