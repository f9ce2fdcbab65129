"""``branchmark jobs``: background jobs from the shell (deleting old ones)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.audit.recorder import acting_as


@click.group(help="后台任务 (background jobs).")
def jobs() -> None:
    """后台任务 (background jobs)."""


@jobs.command(
    "prune",
    help=(
        "删除早于保留期（默认 JOBS_RETENTION_DAYS，7 天）的任务及其文件；后台进程每天也会执行一次。\n\n"
        "Delete jobs older than the retention, with their files (the workers also do it nightly)."
    ),
)
@click.option(
    "--days",
    type=click.IntRange(0, 3650),
    default=None,
    help="保留天数，默认取设置 (days to keep; default: the setting).",
)
@with_appcontext
def prune(days: int | None) -> None:
    from core.jobs.retention import prune_jobs, retention_days

    kept = retention_days() if days is None else days
    with acting_as(None, "cli:jobs-prune"):
        deleted = prune_jobs(days=kept)
    click.echo(f"已删除 {len(deleted)} 个早于 {kept} 天的任务 (deleted {len(deleted)} jobs)")
