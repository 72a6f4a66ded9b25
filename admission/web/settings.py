"""A unit's own settings: where its notices go by email."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from admission.accounts.operations import revoke_token_id, set_unit_email, tokens_of
from admission.core.db import get_session
from admission.core.i18n import gettext as _
from admission.errors import DomainError
from admission.web import blueprint


@blueprint.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    status = 200
    if request.method == "POST":
        try:
            set_unit_email(get_session(), current_user, request.form.get("email"), request.form.get("email_mode", ""))
        except DomainError as exc:
            flash(str(exc), "error")
            status = exc.status
        else:
            flash(_("已保存"), "success")
            return redirect(url_for("web.settings"), 303)
    tokens = tokens_of(get_session(), current_user)
    return render_template("web/settings.html", unit=current_user.unit, tokens=tokens), status


@blueprint.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    revoke_token_id(get_session(), current_user, token_id)
    flash(_("令牌已吊销"), "success")
    return redirect(url_for("web.settings"), 303)
