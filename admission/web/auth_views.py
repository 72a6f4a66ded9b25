"""Login and logout with a session cookie."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from admission.accounts.operations import authenticate
from admission.core.db import get_session
from admission.core.i18n import gettext as _
from admission.core.i18n import lazy_gettext as _l
from admission.errors import TooManyRequests, Unauthorized
from admission.web import blueprint


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            account = authenticate(db, form.username.data, form.password.data)
        except (Unauthorized, TooManyRequests) as exc:
            db.commit()  # the failure counts even though the login is refused
            form.password.errors.append(str(exc))
            status = exc.status
        else:
            # A new session id at login: a session fixed before login is worth nothing after it.
            session.clear()
            login_user(account)
            session["sv"] = account.session_version
            db.commit()
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("web/login.html", form=form), status


@blueprint.post("/logout")
def logout():
    if current_user.is_authenticated:
        current_user.session_version += 1
    logout_user()
    session.clear()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("public.index"))
