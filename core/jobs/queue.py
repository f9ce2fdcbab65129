"""The Huey task queue, built from the Flask application's settings, and its consumer.

SQLite-backed (``instance/huey.db``) by default, so a fresh machine needs no set-up; Redis-backed
when ``REDIS_URL`` (``BRANCHMARK_REDIS_URL``) is set, so workers on several machines share one
queue. Settings read here (all optional, ``BRANCHMARK_``-prefixed in the environment):

- ``HUEY_IMMEDIATE``: run tasks at once in the calling process (tests, debugging);
- ``HUEY_SQLITE_PATH``: the SQLite queue file (default ``<instance>/huey.db``).

Each application gets its own Huey instance in ``app.extensions["huey"]``, so a worker pushes
that application's context around every task and tests can run several applications side by side.

Task modules
------------

The queue imports the modules named in :data:`TASK_MODULES` (dotted names) when it is built and
calls each one's ``register(huey, app) -> None``. A task module registers its tasks there, as
closures over ``app``, and gives every task a ``name=`` (unique across modules; prefix it with
the module's subject, e.g. ``scoring.rescore_unit``)::

    def register(huey: Huey, app: Flask) -> None:
        @huey.task(name="scoring.rescore_unit")
        def rescore_unit(tenant_id: int) -> None:
            with app.app_context():
                ...

        @huey.periodic_task(crontab(hour="2", minute="30"), name="scoring.daily_pass")
        def daily_pass() -> None:
            with app.app_context():
                ...

Rules for a task module:

- keep tasks thin: open the application context, call a service, nothing else;
- nothing but this queue imports a task module; code that wants work done calls
  :func:`enqueue` with the task's name (``enqueue("scoring.rescore_unit", tenant.id)``);
- arguments are JSON-like values (ids, ISO dates), never ORM rows: a task runs in another
  process, later;
- periodic tasks run in the consumer of ``branchmark serve`` and ``branchmark worker`` (every
  consumer runs them, so a periodic task must be harmless when two consumers run it at once).
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer

log = logging.getLogger(__name__)

#: Queue name: keys in Redis and the table in the SQLite file are prefixed with it.
QUEUE_NAME = "branchmark"
EXTENSION_KEY = "huey"
#: ``app.extensions`` key of the tasks registered on the application's queue, by name.
TASKS_KEY = "huey_tasks"
#: Modules whose ``register(huey, app)`` adds tasks to the queue (see the module docstring).
TASK_MODULES: tuple[str, ...] = ("core.jobs.tasks", "core.scoring.tasks")


class UnknownTask(LookupError):
    """No task of that name is registered on the queue."""


def _named_task_wrapper(tasks: dict[str, TaskWrapper]) -> type[TaskWrapper]:
    """A task wrapper class that files every task under its ``name=`` in ``tasks``."""

    class NamedTaskWrapper(TaskWrapper):
        def __init__(self, huey: Huey, func, context: bool = False, name: str | None = None, **settings):
            if not name:
                raise ValueError(f"task {func.__qualname__} needs name=")
            if name in tasks:
                raise ValueError(f"two tasks are named {name!r}")
            super().__init__(huey, func, context=context, name=name, **settings)
            tasks[name] = self

    return NamedTaskWrapper


def build_huey(app: Flask) -> Huey:
    """A Huey instance for ``app``'s settings, with the tasks of :data:`TASK_MODULES` on it.

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

    tasks: dict[str, TaskWrapper] = {}
    huey.task_wrapper_class = _named_task_wrapper(tasks)
    for name in TASK_MODULES:
        importlib.import_module(name).register(huey, app)
    app.extensions[TASKS_KEY] = tasks
    return huey


def init_app(app: Flask) -> None:
    """Attach the queue to ``app``; the Huey instance is built on first use (:func:`get_huey`).

    Built lazily so that commands which never queue work (migrations, imports) open no queue.
    """
    app.extensions.setdefault(EXTENSION_KEY, None)


def get_huey(app: Flask | None = None) -> Huey:
    """The application's Huey instance, built on first use.

    :param app: defaults to the current application.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    huey = app.extensions.get(EXTENSION_KEY)
    if huey is None:
        huey = app.extensions[EXTENSION_KEY] = build_huey(app)
    return huey


def task(name: str, app: Flask | None = None) -> TaskWrapper:
    """The task registered under ``name`` (calling it queues it; ``.schedule`` delays it).

    :raises UnknownTask: no task module registered that name.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    get_huey(app)
    try:
        return app.extensions[TASKS_KEY][name]
    except KeyError:
        raise UnknownTask(name) from None


def enqueue(name: str, *args, app: Flask | None = None) -> None:
    """Queue the task registered under ``name`` with ``args`` (in immediate mode: run it now)."""
    task(name, app)(*args)


def create_consumer(app: Flask, *, workers: int, worker_type: str = "process") -> Consumer:
    """A consumer for ``app``'s queue that also runs the periodic tasks.

    :param workers: how many tasks run at once.
    :param worker_type: ``process`` (the default: rendering is CPU-bound, threads would share
        one interpreter lock), ``thread`` or ``greenlet``.
    """
    return get_huey(app).create_consumer(workers=workers, worker_type=worker_type, periodic=True)
