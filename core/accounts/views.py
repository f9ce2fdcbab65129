"""Login and logout pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts.forms import LoginForm
from core.accounts.services import authenticate
from core.audit.recorder import acting_as
from core.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would make the login page an open redirect.
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            form.password.errors.append(_("用户名或密码错误"))
        else:
            login_user(user)
            with acting_as(user.id, user.username):
                user.last_login_at = dt.datetime.now(dt.UTC)
                db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("已退出登录"), "info")
    return redirect(url_for("accounts.login"))
