"""Public statistics (API.md "Statistics")."""

from __future__ import annotations

from flask import Response, current_app

from admission.api import blueprint
from admission.api.openapi import documented
from admission.core.clock import local_today
from admission.core.db import get_session
from admission.statistics import figures
from admission.statistics.schemas import StatisticsSchema
from catalogue.db import utcnow


@blueprint.get("/statistics")
@documented("公开统计", response=StatisticsSchema, public=True)
def statistics():
    today = local_today(utcnow(), current_app.config["ADMISSION_TIMEZONE"])
    return Response(figures.as_json(get_session(), today), mimetype="application/json")
