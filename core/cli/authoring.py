"""``branchmark standard import|export|publish|diff|versions`` and ``branchmark overrides import``.

Files are an import path: what these commands read is stored in the database, where every
server sees it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.audit.recorder import acting_as
from core.authoring import services
from core.cli.common import tenant_by_slug
from core.extensions import db
from core.host.models import Tenant
from core.metrics.registry import metric_catalogue
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.overrides import OverrideFileError, read_override_file
from core.tenancy import use_tenant
from core.validation import RecordError

ACTOR = "cli:standard"


def _fail(error: RecordError) -> None:
    problems = getattr(error, "problems", None)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
    else:
        for field, message in error.errors.items():
            click.echo(f"{field}: {message}", err=True)
    raise SystemExit(1)


def _version(reference: str) -> services.StandardVersion:
    """A version by id (``12``) or by ``unit_type:number`` (``organ:2``)."""
    if ":" in reference:
        unit_type, _, number = reference.partition(":")
        found = [v for v in services.versions(unit_type) if str(v.number) == number]
        if not found:
            raise click.UsageError(f"单位类型 {unit_type} 没有第 {number} 版县级标准")
        return found[0]
    try:
        return services.get_version(int(reference))
    except (ValueError, RecordError):
        raise click.UsageError(f"没有标准版本 {reference}（写版本编号，或 单位类型:版次，如 organ:2）") from None


def register(standard: click.Group) -> None:
    """Add the database commands to the ``standard`` group."""
    standard.add_command(import_standard)
    standard.add_command(export_standard)
    standard.add_command(publish_standard)
    standard.add_command(diff_standard)
    standard.add_command(list_versions)


@click.command("import", help="把评分标准 YAML 文件导入为县级标准草稿 (YAML → draft).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit-type", required=True, help="单位类型 (unit type).")
@with_appcontext
def import_standard(path: Path, unit_type: str) -> None:
    registry = get_registry()
    try:
        registry.unit_type(unit_type)
    except UnknownUnitType as error:
        raise click.UsageError("--unit-type" + "：" + str(error)) from None
    try:
        with acting_as(None, ACTOR):
            document = services.parse_yaml(path.read_text(encoding="utf-8"), origin=str(path))
            draft = services.create_draft(unit_type, document, registry, actor=ACTOR, based_on=f"文件 {path.name}")
            db.session.commit()
    except RecordError as error:
        db.session.rollback()
        _fail(error)
    click.echo(f"已导入为草稿：编号 {draft.id}（{unit_type} 第{draft.number}版，{draft.key} {draft.version}）")


@click.command("export", help="把县级标准的一个版本导出为 YAML (version → YAML).")
@click.argument("version")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="写入文件，默认输出到屏幕。")
@with_appcontext
def export_standard(version: str, output: Path | None) -> None:
    text = services.document_yaml(_version(version).document)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {output}")


@click.command("publish", help="发布草稿，自生效日期起使用 (publish a draft).")
@click.argument("version")
@click.option("--effective-from", "effective_from", required=True, help="生效日期 YYYY-MM-DD。")
@with_appcontext
def publish_standard(version: str, effective_from: str) -> None:
    try:
        day = dt.date.fromisoformat(effective_from)
    except ValueError:
        raise click.UsageError("--effective-from" + "：" + "日期格式应为 YYYY-MM-DD") from None
    record = _version(version)
    try:
        with acting_as(None, ACTOR):
            affected = services.publish(record, get_registry(), effective_from=day, actor=ACTOR)
            db.session.commit()
    except RecordError as error:
        db.session.rollback()
        _fail(error)
    click.echo(f"已发布 {record.key} {record.version}，自 {day} 起生效；涉及 {len(affected)} 个单位，请重新评分。")


@click.command("diff", help="比较两个版本 (compare two versions; plugin:<unit_type> = shipped).")
@click.argument("old")
@click.argument("new")
@with_appcontext
def diff_standard(old: str, new: str) -> None:
    documents = []
    for reference in (old, new):
        if reference.startswith("plugin:"):
            unit_type = reference.split(":", 1)[1]
            shipped = get_registry().standard(unit_type, on=dt.date.today())
            documents.append(services.shipped_document(shipped))
        else:
            documents.append(_version(reference).document)
    lines = services.diff_documents(*documents, labels=metric_catalogue(get_registry()).labels())
    for line in lines or ["两个版本内容相同"]:
        click.echo(line)


@click.command("versions", help="列出某单位类型的县级标准各版本 (list versions).")
@click.argument("unit_type")
@with_appcontext
def list_versions(unit_type: str) -> None:
    for v in services.versions(unit_type):
        since = f"，{v.effective_from} 起生效" if v.effective_from else ""
        click.echo(f"{v.id}\t第{v.number}版\t{v.status}\t{v.key} {v.version}{since}\t{v.based_on}")


@click.group(help="单位覆盖设置 (unit overrides).")
def overrides() -> None:
    """单位覆盖设置 (unit overrides)."""


@overrides.command("import", help="把 tenants/overrides/<单位代码>.yaml 导入数据库 (file → database).")
@click.option("--tenant", "slug", default=None, help="只导入一个单位，默认导入目录中的全部文件。")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None, help="覆盖文件目录，默认 TENANTS_DIR/overrides。")
@with_appcontext
def import_overrides(slug: str | None, directory: Path | None) -> None:
    folder = directory or Path(current_app.config["TENANTS_DIR"]) / "overrides"
    if slug:
        tenants = [tenant_by_slug(slug)]
    else:
        names = sorted(p.stem for p in folder.glob("*.yaml"))
        tenants = list(db.session.scalars(select(Tenant).where(Tenant.slug.in_(names)).order_by(Tenant.slug)))
    for tenant in tenants:
        path = folder / f"{tenant.slug}.yaml"
        try:
            data = read_override_file(path)
        except OverrideFileError as error:
            raise click.ClickException(str(error)) from None
        if not data:
            click.echo(f"{tenant.slug}: 没有覆盖文件 {path}")
            continue
        with acting_as(None, "cli:overrides"), use_tenant(tenant.id):
            counts = services.import_override_file(tenant, data, actor="cli:overrides")
            db.session.commit()
        click.echo(
            f"{tenant.slug}: 参数 {counts['parameters']} 项，停用项目 {counts['disabled_items']} 项，"
            f"增加项目 {counts['extra_items']} 项"
        )
