"""``branchmark serve``: the web server (gunicorn; the Werkzeug server with --dev) and job workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext

#: Seconds a job worker may take to stop after Ctrl-C before it is interrupted. Short: a job
#: keeps every finished card and resumes when a worker starts again, so at most the card being
#: rendered is lost.
WORKER_STOP_SECONDS = 5


@contextmanager
def job_worker(workers: int) -> Iterator[subprocess.Popen | None]:
    """Run ``branchmark worker`` in a child process for the duration of the block.

    A child process rather than a thread: the consumer forks its own worker processes and
    installs signal handlers, which only a main thread may do. Ctrl-C reaches the whole
    process group, so the server and the worker stop together; leaving the block for any other
    reason stops the worker gracefully, then firmly.
    """
    if workers <= 0:
        yield None
        return
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from core.cli import main; main()",
            "worker",
            "--workers",
            str(workers),
        ]
    )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)  # graceful: finish the current task if it is quick
            try:
                child.wait(WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.terminate()
                child.wait()


@click.command(help="启动网站服务和后台任务进程 (start the web server and the job workers).")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 (address).")
@click.option("--port", default=5000, show_default=True, type=int, help="端口 (port).")
@click.option("--workers", default=2, show_default=True, type=int, help="工作进程数 (workers).")
@click.option(
    "--job-workers",
    default=2,
    show_default=True,
    type=click.IntRange(0, 64),
    help="后台任务并行数，0 为不启动 (job workers beside the server; 0: none).",
)
@click.option("--dev", is_flag=True, help="开发模式：自动重载 (development server with reload).")
@with_appcontext
def serve(host: str, port: int, workers: int, job_workers: int, dev: bool) -> None:
    click.echo(f"党支部标准化规范化建设平台: http://{host}:{port}/")
    if dev:
        # The reloader runs this command again in a child (WERKZEUG_RUN_MAIN): one worker only.
        reloaded = os.environ.get("WERKZEUG_RUN_MAIN") == "true"
        with job_worker(0 if reloaded else job_workers):
            current_app.run(host=host, port=port, debug=True, use_reloader=True)
        return
    from gunicorn.app.base import BaseApplication

    from core.app import create_app

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")

        def load(self):
            return create_app()

    if job_workers > 0:
        # A worker runs beside the server: writes queue their unit's re-score (core.scoring.live).
        os.environ.setdefault("BRANCHMARK_LIVE_RESULTS_MODE", "queue")
    with job_worker(job_workers):
        _Server().run()
