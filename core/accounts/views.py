"""Login and logout pages."""

from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts import throttle
from core.accounts.forms import LoginForm
from core.accounts.services import authenticate, end_sessions, find_user
from core.accounts.sessions import start_session
from core.audit.recorder import acting_as
from core.extensions import db

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would make the login page an open redirect.
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("web.home")


def _try_later(seconds: int) -> str:
    minutes = max(math.ceil(seconds / 60), 1)
    return _("尝试次数过多，请在 %(minutes)d 分钟后再试", minutes=minutes)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if request.method == "POST" and current_app.config.get("RATELIMIT_ENABLED", True):
        wait = throttle.address_wait()
        if wait:
            form.password.errors = [_try_later(wait)]
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(wait)}
    if form.validate_on_submit():
        username = form.username.data.strip()
        account = find_user(username)
        until = throttle.locked_until(account) if account is not None else None
        if until is not None:
            local = format_datetime(until, "HH:mm")
            form.password.errors = [
                _("该账号因多次密码错误已暂时锁定，请在 %(time)s 后再试，或请管理员解锁", time=local)
            ]
            return render_template("accounts/login.html", form=form), 429
        user = authenticate(username, form.password.data)
        if user is None:
            throttle.record_address_failure()
            if account is not None:
                with acting_as(None, f"login:{username}"[:100]):
                    throttle.record_account_failure(account)
                    db.session.commit()
            form.password.errors.append(_("用户名或密码错误"))
        else:
            throttle.clear_address()
            session.clear()  # a fresh session (and CSRF secret) for the new login
            login_user(user)
            start_session()
            with acting_as(user.id, user.username):
                throttle.clear_account(user)
                user.last_login_at = dt.datetime.now(dt.UTC)
                db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    with acting_as(user.id, user.username):
        end_sessions(user)  # a copy of the cookie taken before now is refused from here on
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("已退出登录"), "info")
    return redirect(url_for("accounts.login"))
