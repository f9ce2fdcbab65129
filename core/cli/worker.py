"""``branchmark worker``: job consumers (bulk scorecards …) beside or apart from the web server."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


def run_consumer(workers: int) -> None:
    """Run the queue's consumer in this process until SIGINT/SIGTERM.

    Worker processes are forked from this one after the application is built, so each keeps a
    warm application (templates, fonts, plugin registry) for every task it runs. Jobs a stopped
    worker left unfinished are queued again first.
    """
    from core.jobs.queue import create_consumer
    from core.jobs.services import resume_interrupted_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    consumer = create_consumer(app, workers=workers)
    resumed = resume_interrupted_jobs()
    if resumed:
        logging.getLogger(__name__).info("resumed jobs %s", ", ".join(map(str, resumed)))
    consumer.run()


@click.command(help="启动后台任务进程 (run job workers: bulk scorecards and other long work).")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="并行任务数 (tasks at once).",
)
@with_appcontext
def worker(workers: int) -> None:
    where = current_app.config.get("REDIS_URL") or "SQLite"
    click.echo(f"后台任务进程：{workers} 个，队列 {where.split('@')[-1]}")
    run_consumer(workers)
