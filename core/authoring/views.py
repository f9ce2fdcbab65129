"""Host admin pages for county standards: list, copy and adapt, upload, edit, preview, publish."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.authoring import services
from core.authoring.forms import NEW_BLOCK, editor_choices, form_errors, item_form, item_from_form
from core.authoring.workbook import WorkbookProblems, locate, read_workbook, write_workbook
from core.extensions import db
from core.metrics.registry import metric_catalogue
from core.plugins.manager import get_registry
from core.scoring.preview import preview
from core.standards.loader import Problem
from core.standards.rules import RULE_KINDS
from core.validation import RecordError

bp = Blueprint("authoring", __name__, url_prefix="/host/standards")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def _host_admin_only():
    if current_user.role != "host_admin":
        abort(403)


def _actor() -> str:
    return current_user.display_name or current_user.username


def _version_or_404(version_id: int) -> services.StandardVersion:
    version = db.session.get(services.StandardVersion, version_id)
    if version is None:
        abort(404)
    return version


def _problem_lines(error: RecordError) -> list[str]:
    problems = getattr(error, "problems", None)
    if problems:
        return [f"{p.field}：{p.message}" if p.field else p.message for p in problems]
    return list(error.errors.values())


@bp.route("/")
def index():
    registry = get_registry()
    today = dt.date.today()
    rows = []
    for unit_type in registry.unit_types():
        try:
            shipped = registry.standard(unit_type.key, on=today)
        except LookupError:
            shipped = None
        rows.append(
            {
                "unit_type": unit_type,
                "shipped": shipped,
                "effective": services.effective_standard(unit_type.key, on=today, registry=registry)
                if shipped or services.effective_version(unit_type.key, on=today) else None,
                "versions": services.versions(unit_type.key),
            }
        )
    return render_template("authoring/index.html", rows=rows, statuses=services.VERSION_STATUS_LABELS)


@bp.route("/copy", methods=["POST"])
def copy():
    unit_type = request.form.get("unit_type", "")
    registry = get_registry()
    try:
        draft = services.copy_shipped(unit_type, registry, actor=_actor())
    except (RecordError, KeyError, LookupError) as error:
        db.session.rollback()
        flash(_("无法复制：%(reason)s", reason="；".join(_problem_lines(error)) if isinstance(error, RecordError) else str(error)), "error")
        return redirect(url_for("authoring.index"))
    db.session.commit()
    flash(_("已复制为草稿第%(number)s版，可修改后预览、发布。", number=draft.number), "info")
    return redirect(url_for("authoring.edit", version_id=draft.id))


@bp.route("/upload", methods=["POST"])
def upload():
    unit_type = request.form.get("unit_type", "")
    upload = request.files.get("file")
    registry = get_registry()
    if upload is None or not upload.filename:
        flash(_("请选择要上传的文件（YAML 或 Excel）。"), "error")
        return redirect(url_for("authoring.index"))
    data = upload.read()
    try:
        registry.unit_type(unit_type)
        if upload.filename.lower().endswith((".xlsx", ".xlsm")):
            document, origin = read_workbook(data)
            problems = services.check_document(document, unit_type, registry, origin=upload.filename)
            if problems:
                raise WorkbookProblems(locate(problems, origin))
        else:
            document = services.parse_yaml(data.decode("utf-8", errors="replace"), origin=upload.filename)
        draft = services.create_draft(unit_type, document, registry, actor=_actor(), based_on=f"上传文件 {upload.filename}")
    except WorkbookProblems as error:
        db.session.rollback()
        return render_template("authoring/problems.html", problems=error.problems, filename=upload.filename), 400
    except RecordError as error:
        db.session.rollback()
        problems = getattr(error, "problems", None) or [Problem(upload.filename, 0, 0, k, v) for k, v in error.errors.items()]
        return render_template("authoring/problems.html", problems=problems, filename=upload.filename), 400
    except KeyError:
        abort(400)
    db.session.commit()
    flash(_("已上传为草稿第%(number)s版。", number=draft.number), "info")
    return redirect(url_for("authoring.edit", version_id=draft.id))


def _locate_item(document: dict[str, Any], item_id: str) -> str | None:
    for b, block in enumerate(document.get("blocks") or []):
        for i, item in enumerate(block.get("items") or []):
            if item.get("id") == item_id:
                return f"blocks[{b}].items[{i}]"
    return None


def _try_item(version, posted) -> tuple[dict[str, Any] | None, dict[str, str], list[str]]:
    """The document with the posted item in it, or the problems naming the item's fields."""
    kind = posted.get("kind", "")
    if kind not in RULE_KINDS:
        return None, {"kind": _("请选择规则类型")}, []
    item, errors = item_from_form(posted, kind)
    if errors:
        return None, errors, []
    block_id = posted.get("block", "")
    replace = posted.get("original_id") or None
    document = version.document
    if block_id == NEW_BLOCK:
        title = (posted.get("new_block") or "").strip()
        if not title:
            return None, {"block": _("请填写新块的名称")}, []
        document, block_id = services.with_new_block(document, title)
    try:
        document = services.with_item(document, block_id, item, replace_id=replace)
    except RecordError as error:
        return None, error.errors, []
    problems = services.check_document(document, version.unit_type, get_registry())
    if problems:
        fields, general = form_errors(problems, _locate_item(document, item["id"]))
        title = item.get("title") or item.get("id") or _("新项目")
        general = [_("项目「%(title)s」：%(line)s", title=title, line=line) for line in general]
        return None, fields, general
    return document, {}, []


@bp.route("/<int:version_id>", methods=["GET", "POST"])
def edit(version_id: int):
    version = _version_or_404(version_id)
    registry = get_registry()
    item_id = request.values.get("item")
    current = None
    current_block = request.values.get("block")
    for block in version.document.get("blocks") or []:
        for item in block.get("items") or []:
            if item.get("id") == item_id:
                current, current_block = item, current_block or block.get("id")
    errors: dict[str, str] = {}
    general: list[str] = []
    posted = None
    if request.method == "POST":
        services_error = None
        try:
            services.require_draft(version)
        except RecordError as error:
            services_error = error
        if services_error is not None:
            general = _problem_lines(services_error)
        else:
            document, errors, general = _try_item(version, request.form)
            if document is not None:
                services.update_draft(version, document, registry, actor=_actor())
                db.session.commit()
                flash(_("已保存项目「%(title)s」。", title=request.form.get("title", "")), "info")
                return redirect(url_for("authoring.edit", version_id=version.id))
        posted = request.form
    kind = request.values.get("kind") or (current or {}).get("kind")
    form = item_form(current, kind, posted)
    sources = [(s.get("id"), s.get("document") or s.get("id")) for s in version.document.get("sources") or []]
    # A new block comes with its first item; a weighted standard's weights change all at once
    # in the blocks form, so new blocks there come by workbook or YAML.
    choices = editor_choices(version.unit_type, sources, new_block=version.document.get("scoring", "points") == "points")
    return render_template(
        "authoring/edit.html",
        version=version,
        document=version.document,
        form=form,
        editing=item_id if current else None,
        block=current_block,
        kinds={name: k.label_zh for name, k in RULE_KINDS.items()},
        choices=choices,
        errors=errors,
        general=general,
        statuses=services.VERSION_STATUS_LABELS,
        county=version.county_standard,
        new_block=(posted or {}).get("new_block"),
    ), (400 if errors or general else 200)


@bp.route("/<int:version_id>/check", methods=["POST"])
def check(version_id: int):
    """Live validation: the checker's messages for the item being typed, by form field."""
    version = _version_or_404(version_id)
    document, errors, general = _try_item(version, request.form)
    return jsonify({"ok": document is not None, "fields": errors, "general": general})


@bp.route("/<int:version_id>/blocks", methods=["POST"])
def edit_blocks(version_id: int):
    """Every block's title (and weight, when weighted) at once, and blocks taken out; points
    follow the items."""
    version = _version_or_404(version_id)
    changes: dict[str, tuple[str, Any]] = {}
    for block in version.document.get("blocks") or []:
        block_id = block.get("id")
        raw_weight = (request.form.get(f"weight.{block_id}") or "").strip()
        try:
            weight = float(raw_weight) if raw_weight else None
        except ValueError:
            flash(_("块「%(title)s」的权重应为数字，如 0.2。", title=block.get("title")), "error")
            return redirect(url_for("authoring.edit", version_id=version.id) + "#blocks")
        changes[block_id] = ((request.form.get(f"title.{block_id}") or "").strip(), weight)
    try:
        document = services.with_blocks(version.document, changes, remove=request.form.getlist("remove"))
        services.update_draft(version, document, get_registry(), actor=_actor())
    except RecordError as error:
        db.session.rollback()
        flash("；".join(_problem_lines(error)), "error")
    else:
        db.session.commit()
        flash(_("已保存块。"), "info")
    return redirect(url_for("authoring.edit", version_id=version.id) + "#blocks")


@bp.route("/<int:version_id>/remove-item", methods=["POST"])
def remove_item(version_id: int):
    version = _version_or_404(version_id)
    try:
        document = services.without_item(version.document, request.form.get("item", ""))
        services.update_draft(version, document, get_registry(), actor=_actor())
    except RecordError as error:
        db.session.rollback()
        flash("；".join(_problem_lines(error)), "error")
    else:
        db.session.commit()
        flash(_("已删除项目。"), "info")
    return redirect(url_for("authoring.edit", version_id=version.id))


@bp.route("/<int:version_id>/permissions", methods=["POST"])
def permissions(version_id: int):
    """What units may change: items they may switch off, whether they may add items and set
    their own grade bands."""
    version = _version_or_404(version_id)
    record = version.county_standard
    known = {i.get("id") for b in version.document.get("blocks") or [] for i in b.get("items") or []}
    record.unit_may_disable = sorted(i for i in request.form.getlist("may_disable") if i in known)
    record.units_may_add_items = request.form.get("may_add") == "1"
    record.units_may_set_bands = request.form.get("may_set_bands") == "1"
    db.session.commit()
    flash(_("已保存单位可调整的范围。"), "info")
    return redirect(url_for("authoring.edit", version_id=version.id))


@bp.route("/<int:version_id>/preview")
def preview_page(version_id: int):
    version = _version_or_404(version_id)
    registry = get_registry()
    year = request.args.get("year", type=int) or dt.date.today().year
    as_of = dt.date.today()
    draft = services.version_standard(version, registry)
    rows = preview(version.unit_type, draft, year, registry, as_of=as_of)
    try:
        current = services.effective_document(version.unit_type, on=dt.date(year, 12, 31), registry=registry)
    except LookupError:
        current = None
    labels = metric_catalogue(registry).labels()  # the county's finding kinds by name
    changes = services.diff_documents(current, version.document, labels=labels) if current is not None else []
    return render_template("authoring/preview.html", version=version, rows=rows, year=year, changes=changes)


@bp.route("/<int:version_id>/publish", methods=["POST"])
def publish(version_id: int):
    version = _version_or_404(version_id)
    raw = request.form.get("effective_from", "")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        flash(_("生效日期格式应为 YYYY-MM-DD。"), "error")
        return redirect(url_for("authoring.edit", version_id=version.id))
    try:
        affected = services.publish(version, get_registry(), effective_from=day, actor=_actor())
    except RecordError as error:
        db.session.rollback()
        flash("；".join(_problem_lines(error)), "error")
        return redirect(url_for("authoring.edit", version_id=version.id))
    db.session.commit()
    flash(_("已发布，自 %(day)s 起生效；涉及 %(count)s 个单位，重新评分后评分表即按新标准计分。", day=day.isoformat(), count=len(affected)), "info")
    return redirect(url_for("authoring.index"))


@bp.route("/<int:version_id>/retire", methods=["POST"])
def retire(version_id: int):
    version = _version_or_404(version_id)
    try:
        services.retire(version, actor=_actor())
    except RecordError as error:
        db.session.rollback()
        flash("；".join(_problem_lines(error)), "error")
    else:
        db.session.commit()
        flash(_("已停用该版本。"), "info")
    return redirect(url_for("authoring.index"))


@bp.route("/<int:version_id>/new-draft", methods=["POST"])
def new_draft(version_id: int):
    version = _version_or_404(version_id)
    draft = services.copy_version(version, get_registry(), actor=_actor())
    db.session.commit()
    return redirect(url_for("authoring.edit", version_id=draft.id))


@bp.route("/<int:version_id>/delete", methods=["POST"])
def delete(version_id: int):
    version = _version_or_404(version_id)
    try:
        services.delete_draft(version)
    except RecordError as error:
        db.session.rollback()
        flash("；".join(_problem_lines(error)), "error")
    else:
        db.session.commit()
        flash(_("已删除草稿。"), "info")
    return redirect(url_for("authoring.index"))


@bp.route("/<int:version_id>/export.<fmt>")
def export(version_id: int, fmt: str):
    version = _version_or_404(version_id)
    name = f"{version.key}-{version.version}"
    if fmt == "yaml":
        return Response(
            services.document_yaml(version.document), mimetype="text/yaml",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}.yaml"},
        )
    if fmt == "xlsx":
        return Response(
            write_workbook(version.document), mimetype=XLSX,
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}.xlsx"},
        )
    abort(404)


@bp.route("/shipped/<unit_type>.xlsx")
def export_shipped(unit_type: str):
    """The plugin's shipped standard as a workbook: the template, filled in."""
    registry = get_registry()
    try:
        shipped = registry.standard(unit_type, on=dt.date.today())
    except (KeyError, LookupError):
        abort(404)
    return Response(
        write_workbook(services.shipped_document(shipped)), mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{shipped.key}-{shipped.version}.xlsx"},
    )

