"""Login throttling that holds across workers: failures by client address and by account.

* By address: at most ``LOGIN_MAX_PER_ADDRESS`` failed logins per ``LOGIN_WINDOW_SECONDS`` from
  one client address, counted in Redis when ``REDIS_URL`` is set and in the ``login_throttle``
  table otherwise — never in one process's memory, so every gunicorn worker sees the same count.
  The address is ``request.remote_addr``; behind a proxy it is the client's only when
  ``TRUSTED_PROXIES`` says how many proxies to trust (``X-Forwarded-For`` is read by ProxyFix
  then, and ignored otherwise).
* By account: after ``LOGIN_LOCK_AFTER`` failures in a row the account is locked for
  ``LOGIN_LOCK_MINUTES``, doubling with each further failure (at most a day). The state is on
  the user row, so a lock is audited like any change and a host or unit admin can lift it
  (:func:`unlock`).
"""

from __future__ import annotations

import datetime as dt
import math

from flask import current_app, request
from sqlalchemy import delete, insert, update

from core.accounts.models import LoginThrottle, User
from core.db import utcnow
from core.extensions import db

#: Longest an account stays locked however many failures follow.
MAX_LOCK = dt.timedelta(days=1)


def client_address() -> str:
    """The client's address (the proxy-corrected one when ``TRUSTED_PROXIES`` is set)."""
    return request.remote_addr or "unknown"


def _key(address: str) -> str:
    return f"login:{address}"[:200]


def _window() -> int:
    return int(current_app.config["LOGIN_WINDOW_SECONDS"])


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    clients = current_app.extensions.setdefault("branchmark_throttle_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url)
    return clients[url]


def address_wait(address: str | None = None) -> int:
    """Seconds until this address may try again (0: it may try now)."""
    address = address or client_address()
    limit = int(current_app.config["LOGIN_MAX_PER_ADDRESS"])
    client = _redis()
    if client is not None:
        count = int(client.get(_key(address)) or 0)
        return max(int(client.ttl(_key(address))), 1) if count >= limit else 0
    with db.engine.connect() as conn:
        row = conn.execute(
            LoginThrottle.__table__.select().where(LoginThrottle.key == _key(address))
        ).first()
    if row is None or row.count < limit:
        return 0
    start = row.window_start if row.window_start.tzinfo else row.window_start.replace(tzinfo=dt.UTC)
    left = (start + dt.timedelta(seconds=_window()) - utcnow()).total_seconds()
    return max(math.ceil(left), 0)


def record_address_failure(address: str | None = None) -> None:
    """Count one failed login from this address (atomically, in storage shared by all workers)."""
    key = _key(address or client_address())
    client = _redis()
    if client is not None:
        with client.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, _window(), nx=True)
            pipe.execute()
        return
    now = utcnow()
    cut = now - dt.timedelta(seconds=_window())
    table = LoginThrottle.__table__
    # Its own short transaction: the count must survive the login view's rollback.
    with db.engine.begin() as conn:
        fresh = conn.execute(
            update(table).where(table.c.key == key, table.c.window_start < cut).values(count=1, window_start=now)
        ).rowcount
        if not fresh:
            bumped = conn.execute(update(table).where(table.c.key == key).values(count=table.c.count + 1)).rowcount
            if not bumped:
                conn.execute(insert(table).values(key=key, count=1, window_start=now))


def clear_address(address: str | None = None) -> None:
    """Forget an address's failures (after a successful login)."""
    key = _key(address or client_address())
    client = _redis()
    if client is not None:
        client.delete(key)
        return
    with db.engine.begin() as conn:
        conn.execute(delete(LoginThrottle.__table__).where(LoginThrottle.key == key))


def locked_until(user: User) -> dt.datetime | None:
    """When the account's lock ends, or ``None`` when it is not locked."""
    until = user.locked_until
    if until is None:
        return None
    until = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
    return until if until > utcnow() else None


def record_account_failure(user: User) -> None:
    """Count a failed login for the account and lock it once there are too many (caller commits)."""
    user.failed_logins = (user.failed_logins or 0) + 1
    over = user.failed_logins - int(current_app.config["LOGIN_LOCK_AFTER"])
    if over >= 0:
        minutes = float(current_app.config["LOGIN_LOCK_MINUTES"]) * 2 ** min(over, 16)
        user.locked_until = utcnow() + min(dt.timedelta(minutes=minutes), MAX_LOCK)


def clear_account(user: User) -> None:
    """A successful login: the failures in a row start again from zero (caller commits)."""
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None


def unlock(user: User) -> None:
    """An admin lifts the lock (the change is audited with the admin as actor; caller commits)."""
    user.failed_logins = 0
    user.locked_until = None
