"""Yearly confirmation pages: the secretariat opens a round and follows it; each unit confirms its duties."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from admission.confirmations import access
from admission.confirmations import operations as ops
from admission.confirmations.schemas import ConfirmSchema, OpenRoundSchema
from admission.core.db import get_session
from admission.core.field_messages import flatten
from admission.core.i18n import gettext as _
from admission.errors import DomainError, Invalid
from admission.web import blueprint
from admission.web.home import today
from catalogue.db import utcnow


@blueprint.route("/confirmations", methods=["GET", "POST"])
@login_required
def confirmations():
    session, errors, status = get_session(), {}, 200
    if request.method == "POST":
        access.check_can_open(current_user)
        try:
            body = OpenRoundSchema().load({"year": request.form.get("year", type=int), "due": request.form.get("due")})
            round_ = ops.open_round(session, current_user, body, now=utcnow())
        except ValidationError as exc:
            errors, status = flatten(exc.messages), 422
        except DomainError as exc:
            session.rollback()
            errors, status = (exc.fields if isinstance(exc, Invalid) else {}) or {"year": exc.message}, exc.status
        else:
            flash(_("已发起 %(year)s 年度确认", year=round_.year), "success")
            return redirect(url_for("web.confirmation", year=round_.year))
    return render_template(
        "confirmations/index.html", rounds=ops.rounds(session), mine=ops.open_years_for(session, current_user.unit_id,
                                                                                        today()),
        can_open=current_user.has_role("secretariat"), errors=errors, year=today().year,
        default_due=today() + dt.timedelta(days=30),
    ), status  # fmt: skip


def _render(year: int, errors=None, status=200):
    session = get_session()
    progress = ops.progress(session, year) if access.can_read_progress(current_user) else None
    return render_template(
        "confirmations/round.html", year=year, rows=ops.unit_rows(session, current_user, year), progress=progress,
        secretariat=current_user.has_role("secretariat"), errors=errors or {}, round=ops.round_or_404(session, year),
    ), status  # fmt: skip


@blueprint.get("/confirmations/<int:year>")
@login_required
def confirmation(year: int):
    return _render(year)


@blueprint.post("/confirmations/<int:year>/duties/<code>")
@login_required
def confirm_duty(year: int, code: str):
    session = get_session()
    raw = {"still_needed": request.form.get("still_needed") == "1",
           "basis_in_force": request.form.get("basis_in_force") == "1",
           "comment": request.form.get("comment") or None}  # fmt: skip
    try:
        ops.confirm(session, current_user, year, code, ConfirmSchema().load(raw), now=utcnow())
    except Invalid as exc:
        session.rollback()
        return _render(year, {code: exc.fields.get("comment") or exc.message}, 422)
    flash(_("已确认事项 %(code)s", code=code), "success")
    return redirect(url_for("web.confirmation", year=year) + f"#duty-{code}")
