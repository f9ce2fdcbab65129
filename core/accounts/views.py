"""Login and logout, one's own password and API tokens, and admins' password resets and
deactivation of accounts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from core.accounts import services
from core.accounts.access import can_manage_user
from core.accounts.forms import LoginForm, PasswordChangeForm, PasswordResetForm, TokenForm
from core.accounts.models import User
from core.accounts.services import authenticate
from core.audit.recorder import acting_as
from core.extensions import db, limiter
from core.validation import RecordError


def show_errors(form, errors: dict[str, str]) -> None:
    """A service's messages at the form's fields (the rest at the top)."""
    for key, message in errors.items():
        field = getattr(form, key, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors = [*getattr(form, "form_errors", []), message]

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


# --- one's own account: password and API tokens ----------------------------------------------


@bp.get("/account")
@login_required
def account():
    return render_template(
        "accounts/account.html", tokens=services.user_tokens(current_user), form=TokenForm(),
        secret=None,
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(
                user, current=form.current.data, new=form.new.data, confirm=form.confirm.data
            )
        except RecordError as error:
            db.session.rollback()
            show_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("密码已修改"), "info")
            return redirect(url_for("web.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


@bp.post("/account/tokens")
@login_required
def create_token():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            secret = services.issue_token(current_user._get_current_object(), form.name.data)
        except RecordError as error:
            db.session.rollback()
            show_errors(form, error.errors)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    page = render_template(
        "accounts/account.html", tokens=services.user_tokens(current_user), form=form, secret=secret,
    )
    response = make_response(page, 200 if secret else 400)
    # The secret is on this page only: never kept by a cache or the browser's history.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    try:
        record = services.revoke_token(current_user._get_current_object(), token_id)
    except RecordError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("已撤销令牌 %(name)s", name=record.name), "info")
    return redirect(url_for(".account"))


# --- admins: a unit's accounts, password reset, deactivation ---------------------------------


def _managed_user_or_404(user_id: int) -> User:
    if current_user.role not in ("host_admin", "unit_admin"):
        abort(403)
    user = db.session.get(User, user_id)
    if user is None or not can_manage_user(current_user, user):
        abort(404)
    return user


def _back_to_users() -> str:
    return url_for("host.users") if current_user.role == "host_admin" else url_for(".users")


@bp.get("/account/users")
@login_required
def users():
    """A unit admin's list of their unit's accounts (host admins use the host page)."""
    if current_user.role == "host_admin":
        return redirect(url_for("host.users"))
    if current_user.role != "unit_admin":
        abort(403)
    accounts = list(
        db.session.scalars(
            select(User).where(User.tenant_id == current_user.tenant_id).order_by(User.role, User.username)
        )
    )
    return render_template("accounts/users.html", accounts=accounts)


@bp.route("/account/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def reset_password(user_id: int):
    user = _managed_user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, new=form.new.data)
        except RecordError as error:
            db.session.rollback()
            show_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("已重置 %(name)s 的密码；其下次登录时须先修改密码", name=user.username), "info")
            return redirect(_back_to_users())
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/reset.html", form=form, user=user, back=_back_to_users()), status


@bp.post("/account/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    user = _managed_user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(user, active, by=current_user._get_current_object())
    except RecordError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
        return redirect(_back_to_users())
    db.session.commit()
    flash(
        _("已启用 %(name)s", name=user.username) if active
        else _("已停用 %(name)s：其不能再登录，API 令牌也不再有效；历史记录保留", name=user.username),
        "info",
    )
    return redirect(_back_to_users())
