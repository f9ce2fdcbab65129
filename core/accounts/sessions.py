"""Browser sessions that end: an idle time and an absolute lifetime on top of the session version.

:func:`core.accounts.services.end_sessions` ends every session of a user at once (logout,
password change); this module ends one session when it has been idle or open too long.
"""

from __future__ import annotations

import time

from flask import current_app, session


def start_session() -> None:
    """Stamp the new login's session with its start, for the idle and absolute limits."""
    now = time.time()
    session["_started"] = now
    session["_seen"] = now
    session.permanent = True


def session_expired() -> bool:
    """Whether the current session is past its idle time or its absolute lifetime.

    ``SESSION_IDLE_MINUTES`` and ``SESSION_MAX_HOURS`` in the config set them. A session that
    is still good has its last-seen time moved on (at most once a minute, to spare cookie writes).
    """
    now = time.time()
    started = session.get("_started")
    seen = session.get("_seen", started)
    if started is None or seen is None:
        return True  # opened before these limits existed, or tampered with: log in again
    idle = float(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    lifetime = float(current_app.config["SESSION_MAX_HOURS"]) * 3600
    if now - started > lifetime or now - seen > idle:
        return True
    if now - seen > 60:
        session["_seen"] = now
    return False
