"""Account operations: create users, check passwords, issue and check API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from core.accounts.models import ApiToken, SupervisorScope, User
from core.extensions import db
from core.host.models import Tenant
from core.organizations.models import Organization
from core.tenancy import use_tenant
from core.vocabulary import ROLES

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD_LENGTH = 8


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
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"密码至少 {MIN_PASSWORD_LENGTH} 位")
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


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        # Same work either way, so timing does not reveal which usernames exist.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def find_user(username: str) -> User | None:
    """The account with this username (active or not), or None."""
    return db.session.scalar(select(User).where(User.username == username))


def end_sessions(user: User) -> None:
    """End every session of the user on every device: logout, password change or reset.

    Raises the user's session version; a session (cookie) opened before is refused by the user
    loader from the next request on. The caller commits.
    """
    user.session_version = (user.session_version or 0) + 1


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str) -> str:
    """Create an API token for the user; the plain token is returned once and never stored."""
    token = "bm_" + secrets.token_urlsafe(32)
    user.tokens.append(ApiToken(name=name, token_hash=_digest(token), prefix=token[:10]))
    return token


def user_for_token(token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    if not token:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    record.last_used_at = dt.datetime.now(dt.UTC)
    return record.user
