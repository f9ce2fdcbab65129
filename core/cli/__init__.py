"""The ``branchmark`` command: a Flask CLI group that needs no ``FLASK_APP``."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from core.app import create_app
from core.cli.excel import export_command, import_command
from core.cli.jobs import jobs
from core.cli.serve import serve
from core.cli.tenants import tenant
from core.cli.users import token, user
from core.cli.worker import worker


class BranchmarkGroup(FlaskGroup):
    """The command group; turns a database without tables into one clear instruction."""

    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as error:
            text = str(error.orig).lower()
            if "no such table" in text or ("relation" in text and "does not exist" in text):
                raise click.ClickException(
                    "数据库还没有建表：请先运行 `branchmark db upgrade` "
                    "(the database has no tables yet: run `branchmark db upgrade` first)"
                ) from None
            raise


@click.group(
    cls=BranchmarkGroup,
    create_app=lambda: create_app(),
    add_version_option=False,
    load_dotenv=False,
    help="党支部标准化规范化建设平台命令行 (Branchmark command line).",
)
def main() -> None:
    """党支部标准化规范化建设平台命令行 (Branchmark command line)."""


main.add_command(serve)
main.add_command(tenant)
main.add_command(user)
main.add_command(token)
main.add_command(__import__("core.cli.render", fromlist=["render_command"]).render_command)
main.add_command(worker)
main.add_command(jobs)
main.add_command(import_command)
main.add_command(export_command)


def _register_optional_commands() -> None:
    # Commands whose feature package may not be present in every build stage.
    from core.cli.dues import dues
    from core.cli.findings import finding, honour

    main.add_command(finding)
    main.add_command(honour)
    from core.cli.scoring import calc, score, standard

    main.add_command(dues)

    from core.cli.authoring import overrides, register

    register(standard)
    main.add_command(score)
    main.add_command(standard)
    main.add_command(overrides)
    main.add_command(calc)
    from core.cli.results import results

    main.add_command(results)
    try:
        from core.cli.demo import demo
    except ImportError:
        return
    main.add_command(demo)


_register_optional_commands()
