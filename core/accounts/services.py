"""Account operations: create users, check passwords, issue and check API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from core.accounts.models import ApiToken, SupervisorScope, User
from core.extensions import db
from core.host.models import Tenant
from core.organizations.models import Organization
from core.tenancy import use_tenant
from core.validation import RecordError
from core.vocabulary import ROLES

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD_LENGTH = 8
#: Long enough for any passphrase, short enough that hashing it is cheap.
MAX_PASSWORD_LENGTH = 128
#: Last use of a token is written at most this often (one UPDATE per token per minute).
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


class AccountError(ValueError):
    """Bad account input; the message is Chinese and names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    tenant: Tenant | None = None,
    organization_code: str | None = None,
    scope_unit_types: list[str] | None = None,
    scope_tenants: list[Tenant] | None = None,
) -> User:
    """Create a user after checking every field; nothing is written when a field is wrong.

    :raises AccountError: naming the bad field, in Chinese.
    """
    if not USERNAME.match(username or ""):
        raise AccountError("username", "用户名须为 3–64 位字母、数字、下划线、点或连字符")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError("username", f"用户名 {username} 已存在")
    problem = password_problem(password, username=username)
    if problem:
        raise AccountError("password", problem)
    if role not in ROLES:
        raise AccountError("role", f"角色须为 {', '.join(ROLES)} 之一")
    if role in ("unit_admin", "secretary") and tenant is None:
        raise AccountError("tenant", "单位管理员和支部书记必须属于一个单位")
    if role in ("host_admin", "supervisor") and tenant is not None:
        raise AccountError("tenant", "县委组织部管理员和督导不属于某个单位")
    organization_id = None
    if role == "secretary":
        if not organization_code:
            raise AccountError("organization", "支部书记须指定所在支部")
        with use_tenant(tenant.id):
            organization_id = db.session.scalar(
                select(Organization.id).where(Organization.code == organization_code)
            )
        if organization_id is None:
            raise AccountError("organization", f"单位 {tenant.slug} 中没有代码为 {organization_code} 的组织")
    if role == "supervisor" and not (scope_unit_types or scope_tenants):
        raise AccountError("scope", "督导须至少指定一个单位类型或单位")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        tenant_id=tenant.id if tenant else None,
        organization_id=organization_id,
    )
    for unit_type in scope_unit_types or []:
        user.scopes.append(SupervisorScope(unit_type=unit_type))
    for scoped in scope_tenants or []:
        user.scopes.append(SupervisorScope(tenant_id=scoped.id))
    db.session.add(user)
    return user


def password_problem(password: str | None, *, username: str | None = None) -> str | None:
    """What is wrong with a new password, in Chinese, or None: the one strength rule.

    At least :data:`MIN_PASSWORD_LENGTH` characters of at least two kinds (letters, digits,
    other signs), and not the username.
    """
    text = password or ""
    if len(text) < MIN_PASSWORD_LENGTH:
        return _("密码至少 %(n)d 位", n=MIN_PASSWORD_LENGTH)
    if len(text) > MAX_PASSWORD_LENGTH:
        return _("密码不能超过 %(n)d 位", n=MAX_PASSWORD_LENGTH)
    kinds = sum(
        (any(c.isalpha() for c in text), any(c.isdigit() for c in text),
         any(not c.isalnum() for c in text))
    )
    if kinds < 2:
        return _("密码须包含字母、数字、符号中的至少两种")
    if username and text.lower() == username.lower():
        return _("密码不能与用户名相同")
    return None


def account_usable(user: User | None) -> bool:
    """Whether the user may log in or call the API: active, in an enabled unit (if any)."""
    if user is None or not user.active:
        return False
    return user.tenant is None or bool(user.tenant.enabled)


def sessions_changed(user: User) -> None:
    """The call site for ending a user's other sessions (password changed or reset, account
    deactivated).

    Helper ``harden`` adds a per-user session version checked on each request; when it lands,
    this calls its function. Until then a deactivated user's session already ends on the next
    request (the user loader refuses inactive users), but a changed password does not end other
    sessions.
    """


def change_password(user: User, *, current: str, new: str, confirm: str) -> None:
    """The user changes their own password; the current one is required.

    :raises RecordError: under ``current``, ``new`` or ``confirm``.
    """
    errors: dict[str, str] = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current"] = _("当前密码不正确")
    problem = password_problem(new, username=user.username)
    if problem:
        errors["new"] = problem
    elif check_password_hash(user.password_hash, new):
        errors["new"] = _("新密码不能与当前密码相同")
    if (new or "") != (confirm or ""):
        errors["confirm"] = _("两次输入的新密码不一致")
    if errors:
        raise RecordError(errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    sessions_changed(user)
    db.session.flush()


def reset_password(user: User, *, new: str) -> None:
    """An admin sets a temporary password; the user must change it at next login.

    :raises RecordError: under ``new``.
    """
    problem = password_problem(new, username=user.username)
    if problem:
        raise RecordError({"new": problem})
    user.password_hash = hash_password(new)
    user.must_change_password = True
    sessions_changed(user)
    db.session.flush()


def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (or reactivate) an account: its history stays, its logins and tokens stop.

    :raises RecordError: an admin deactivating themselves.
    """
    if not active and user.id == by.id:
        raise RecordError({"active": _("不能停用自己的账号")})
    user.active = active
    if not active:
        sessions_changed(user)
    db.session.flush()


def update_user(user: User, *, display_name: str | None) -> None:
    """Correct a user's display name (the username stays: the audit log names people by it).

    :raises RecordError: under ``display_name``.
    """
    name = (display_name or "").strip()
    if not name:
        raise RecordError({"display_name": _("请填写显示名称")})
    if len(name) > 100:
        raise RecordError({"display_name": _("不能超过 %(limit)d 个字符", limit=100)})
    user.display_name = name
    db.session.flush()


def authenticate(username: str, password: str) -> User | None:
    """The usable user (see :func:`account_usable`) with this username and password, or None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if not account_usable(user):
        # Same work either way, so timing does not reveal which usernames exist.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str) -> str:
    """Create an API token for the user; the plain token is returned once and never stored.

    :raises RecordError: under ``name`` when it is empty or too long.
    """
    name = (name or "").strip()
    if not name:
        raise RecordError({"name": _("请为令牌起个名字（如“报表脚本”）")})
    if len(name) > 100:
        raise RecordError({"name": _("不能超过 %(limit)d 个字符", limit=100)})
    token = "bm_" + secrets.token_urlsafe(32)
    user.tokens.append(ApiToken(name=name, token_hash=_digest(token), prefix=token[:10]))
    db.session.flush()
    return token


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, marked)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; calls with it are refused from now on.

    :raises RecordError: under ``token`` when the user has no such token.
    """
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise RecordError({"token": _("没有这个令牌")})
    if record.revoked_at is None:
        record.revoked_at = dt.datetime.now(dt.UTC)
        db.session.flush()
    return record


def user_for_token(token: str) -> User | None:
    """The usable user owning an unrevoked token, or None; records the token's last use.

    The last use is written with a plain UPDATE (not audited: bookkeeping, not a record) at
    most once per :data:`TOKEN_USE_RESOLUTION`, so a busy script costs one write a minute.
    The caller commits.
    """
    if not token:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.revoked_at is not None or not account_usable(record.user):
        return None
    now = dt.datetime.now(dt.UTC)
    last = record.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite hands back naive UTC
        last = last.replace(tzinfo=dt.UTC)
    if last is None or now - last >= TOKEN_USE_RESOLUTION:
        table = ApiToken.__table__
        db.session.execute(update(table).where(table.c.id == record.id).values(last_used_at=now))
    return record.user
