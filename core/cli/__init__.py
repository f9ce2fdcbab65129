"""The ``branchmark`` command: a Flask CLI group that needs no ``FLASK_APP``."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from core.app import create_app
from core.cli.serve import serve
from core.cli.tenants import tenant
from core.cli.users import user


@click.group(
    cls=FlaskGroup,
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


def _register_optional_commands() -> None:
    # Commands whose feature package may not be present in every build stage.
    from core.cli.scoring import calc, score, standard

    main.add_command(score)
    main.add_command(standard)
    main.add_command(calc)
    try:
        from core.cli.demo import demo
    except ImportError:
        return
    main.add_command(demo)


_register_optional_commands()
