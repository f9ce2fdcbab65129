"""``branchmark finding`` and ``honour``: the records that vetoes and bonus items read."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core.audit.recorder import acting_as
from core.cli.common import tenant_by_slug
from core.extensions import db
from core.findings.kinds import finding_kinds
from core.findings.services import record_finding, record_honour
from core.organizations.models import Organization
from core.tenancy import use_tenant
from core.validation import RecordError
from core.vocabulary import HONOUR_LEVELS


def _branch(slug: str, code: str) -> tuple[int, Organization]:
    tenant = tenant_by_slug(slug)
    with use_tenant(tenant.id):
        organization = db.session.scalar(select(Organization).where(Organization.code == code))
    if organization is None:
        raise click.UsageError(f"--branch：单位 {slug} 中没有代码为 {code} 的支部")
    return tenant.id, organization


def _save(tenant_id: int, actor: str, write) -> None:
    with use_tenant(tenant_id), acting_as(None, actor):
        try:
            record = write()
        except RecordError as error:
            db.session.rollback()
            raise click.UsageError("；".join(f"{k}：{v}" for k, v in error.errors.items())) from None
        record_id = record.id  # read inside the unit: on PostgreSQL the row is hidden outside it
        db.session.commit()
    click.echo(f"已记录（编号 {record_id}）")


@click.group(help="上级党组织的认定，一票否决依据 (findings: veto grounds).")
def finding() -> None:
    """上级党组织的认定 (findings)."""


@finding.command("add", help="记录一项认定 (record a finding).")
@click.option("--tenant", "slug", required=True, help="单位代码 (unit slug).")
@click.option("--branch", "code", required=True, help="支部代码 (branch code).")
@click.option("--year", required=True, type=int, help="考核年度 (year).")
@click.option("--finding", "code_", required=True, help="认定类别代码，见 finding kinds (finding kind code).")
@click.option("--decided-on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="认定日期 (date).")
@click.option("--document", required=True, help="依据文件文号 (document).")
@click.option("--note", default=None, help="说明 (note).")
@with_appcontext
def add_finding(slug, code, year, code_, decided_on: dt.datetime, document, note) -> None:
    tenant_id, organization = _branch(slug, code)
    _save(
        tenant_id,
        "cli:finding add",
        lambda: record_finding(
            organization, year=year, finding=code_, decided_on=decided_on.date(),
            document=document, note=note, recorded_by="cli",
        ),
    )


@finding.command("kinds", help="列出县里的认定类别 (list the county's finding kinds).")
@with_appcontext
def list_kinds() -> None:
    for kind in finding_kinds():
        state = "" if kind.active else "（已停用）"
        click.echo(f"{kind.code}\t{kind.label_zh}{state}\t{kind.source}")


@click.group(help="支部获得的表彰，加分项依据 (honours: bonus items).")
def honour() -> None:
    """支部获得的表彰 (honours)."""


@honour.command("add", help="记录一项表彰 (record an honour).")
@click.option("--tenant", "slug", required=True, help="单位代码 (unit slug).")
@click.option("--branch", "code", required=True, help="支部代码 (branch code).")
@click.option("--year", required=True, type=int, help="年度 (year).")
@click.option("--name", required=True, help="表彰名称 (name).")
@click.option("--level", required=True, type=click.Choice(list(HONOUR_LEVELS)), help="级别 (level).")
@click.option("--awarded-on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="表彰日期 (date).")
@click.option("--awarded-by", required=True, help="表彰机关 (awarded by).")
@with_appcontext
def add_honour(slug, code, year, name, level, awarded_on: dt.datetime, awarded_by) -> None:
    tenant_id, organization = _branch(slug, code)
    _save(
        tenant_id,
        "cli:honour add",
        lambda: record_honour(
            organization, year=year, name=name, level=level,
            awarded_on=awarded_on.date(), awarded_by=awarded_by,
        ),
    )
