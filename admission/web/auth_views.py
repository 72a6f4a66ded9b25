"""Login and logout with a session cookie."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from admission.accounts.auth import client_address
from admission.accounts.operations import authenticate
from admission.core.db import get_session
from admission.core.i18n import gettext as _
from admission.core.i18n import lazy_gettext as _l
from admission.core.redirects import local_path
from admission.errors import TooManyRequests, Unauthorized
from admission.web import blueprint
from admission.web.forms import CheckedForm


class LoginForm(CheckedForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)])


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            account = authenticate(db, form.username.data, form.password.data, address=client_address())
        except (Unauthorized, TooManyRequests) as exc:
            db.commit()  # the failure counts even though the login is refused
            form.password.errors.append(str(exc))
            status = exc.status
            if isinstance(exc, TooManyRequests):
                response = make_response(render_template("web/login.html", form=form), status)
                response.headers["Retry-After"] = str(exc.retry_after)
                return response
        else:
            # A new session id at login: a session fixed before login is worth nothing after it.
            session.clear()
            login_user(account)
            session["sv"] = account.session_version
            db.commit()
            return redirect(local_path(request.args.get("next"), url_for("web.home")))
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
