"""The Huey task queue, built lazily from the Flask application's settings.

SQLite-backed (``instance/huey.db``) by default, so a fresh machine needs no set-up; Redis-backed
when ``REDIS_URL`` (``BRANCHMARK_REDIS_URL``) is set, so workers on several machines share one
queue. Settings read here (all optional, ``BRANCHMARK_``-prefixed in the environment):

- ``HUEY_IMMEDIATE``: run tasks at once in the calling process (tests, debugging);
- ``HUEY_SQLITE_PATH``: the SQLite queue file (default ``<instance>/huey.db``);
- ``JOBS_DIR``: where job folders and ZIPs are written (default ``<instance>/jobs``).

Each application gets its own Huey instance in ``app.extensions["huey"]``, with the tasks
registered on it as closures over that application: a worker pushes the application's context
around every task, and tests can run several applications side by side.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

log = logging.getLogger(__name__)

#: Queue name: keys in Redis and the table in the SQLite file are prefixed with it.
QUEUE_NAME = "branchmark"
EXTENSION_KEY = "huey"


def jobs_dir(app: Flask | None = None) -> Path:
    """The folder under which each job writes its files (``<instance>/jobs`` by default)."""
    app = app or current_app
    configured = app.config.get("JOBS_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "jobs"


def build_huey(app: Flask) -> Huey:
    """A Huey instance for ``app``'s settings, with the job tasks registered on it.

    :param app: the application whose context every task runs in.
    :returns: an immediate in-memory, Redis or SQLite Huey.
    """
    if app.config.get("HUEY_IMMEDIATE"):
        huey: Huey = MemoryHuey(QUEUE_NAME, immediate=True, results=False)
    elif app.config.get("REDIS_URL"):
        huey = RedisHuey(QUEUE_NAME, url=app.config["REDIS_URL"], results=False)
    else:
        path = Path(app.config.get("HUEY_SQLITE_PATH") or Path(app.instance_path) / "huey.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(QUEUE_NAME, filename=str(path), results=False)

    built_in = os.getpid()

    @huey.on_startup(name="branchmark-fresh-connections")
    def _fresh_connections() -> None:
        # A forked worker process must not reuse the parent's database sockets (threads share
        # the pool safely, so only a process other than the one that built the queue drops it).
        if os.getpid() == built_in:
            return
        with app.app_context():
            from core.extensions import db

            db.engine.dispose(close=False)

    from core.jobs import bulk

    bulk.register_tasks(huey, app)
    return huey


def get_huey(app: Flask | None = None) -> Huey:
    """The application's Huey instance, built on first use.

    :param app: defaults to the current application.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    huey = app.extensions.get(EXTENSION_KEY)
    if huey is None:
        huey = app.extensions[EXTENSION_KEY] = build_huey(app)
    return huey


def get_tasks(app: Flask | None = None):
    """The job tasks registered on the application's queue (:class:`core.jobs.bulk.BulkTasks`)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    get_huey(app)
    return app.extensions["huey_tasks"]


def create_consumer(app: Flask, *, workers: int, worker_type: str = "process") -> Consumer:
    """A consumer for ``app``'s queue; jobs left unfinished by a stopped worker are resumed first.

    :param workers: how many tasks run at once.
    :param worker_type: ``process`` (the default: rendering is CPU-bound, threads would share
        one interpreter lock), ``thread`` or ``greenlet``.
    """
    from core.jobs.services import resume_interrupted_jobs

    huey = get_huey(app)
    with app.app_context():
        resumed = resume_interrupted_jobs()
    if resumed:
        log.info("resumed jobs %s", ", ".join(str(job_id) for job_id in resumed))
    return huey.create_consumer(workers=workers, worker_type=worker_type, periodic=False)
