"""Party-building documents of a branch by year: each type with its due day, the documents on
file and their files; secretaries and unit admins add, correct and delete them.

Read: everyone who may read the branch. Pages commit: each write calls a service and commits
once; a refused write rolls back and shows the Chinese messages at their fields.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from core.documents import services
from core.documents.forms import DocumentForm
from core.documents.models import PartyDocument
from core.facilities.services import CONTENT_TYPES, evidence_path
from core.host.models import Tenant
from core.organizations.forms import select_choices
from core.organizations.views import (
    branch_record_or_404,
    can_edit_organization,
    choose_branch,
    delete_page,
    organization_or_404,
    save,
    unit_or_404,
    year_arg,
)
from core.timezone import local_today

bp = Blueprint("document_pages", __name__, url_prefix="/units/<slug>")


def _choices(form: DocumentForm, tenant: Tenant) -> None:
    types = services.document_types(tenant)
    form.doc_type.choices = select_choices([("", _("请选择"))] + [(t.key, t.label_zh) for t in types])
    results = sorted({r for t in types for r in t.results}, key=lambda r: [r for t in types for r in t.results].index(r))
    form.result.choices = select_choices([("", _("（不适用）"))] + [(r, r) for r in results])


def _fields(form: DocumentForm) -> dict[str, Any]:
    return {
        "doc_type": form.doc_type.data, "year": form.year.data, "title": form.title.data,
        "dated_on": form.dated_on.data, "approved_by": form.approved_by.data,
        "approved_on": form.approved_on.data, "result": form.result.data or None, "note": form.note.data,
    }


@bp.get("/documents")
@login_required
def choose(slug: str):
    tenant = unit_or_404(slug)
    return choose_branch(tenant, "document_pages.index", _("党建工作文档"))


@bp.route("/branches/<code>/documents", methods=["GET", "POST"])
@login_required
def index(slug: str, code: str):
    """The year's documents by type, each type overdue or on time, and the upload form."""
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=request.method == "POST")
    year = year_arg()
    form = DocumentForm()
    _choices(form, tenant)
    if request.method == "GET":
        form.year.data = year
        form.doc_type.data = request.args.get("type", "")
    if form.validate_on_submit():
        document = save(
            lambda: services.record_document(organization, **_fields(form), file=form.file.data),
            form,
        )
        if document is not None:
            flash(_("已保存：%(title)s", title=document.title), "info")
            return redirect(url_for(".index", slug=slug, code=code, year=document.year))
    today = local_today()
    return render_template(
        "documents/index.html", tenant=tenant, organization=organization, year=year, form=form,
        rows=services.year_status(organization, year, today), today=today,
        can_edit=can_edit_organization(tenant, organization.id),
    ), (400 if request.method == "POST" else 200)


@bp.route("/party-documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, document_id: int):
    tenant = unit_or_404(slug)
    document, organization = branch_record_or_404(tenant, PartyDocument, document_id, edit=True)
    form = DocumentForm(obj=document)
    _choices(form, tenant)
    if form.validate_on_submit() and save(
        lambda: services.update_document(document, file=form.file.data, **_fields(form)), form
    ):
        flash(_("已保存"), "info")
        return redirect(url_for(".index", slug=slug, code=organization.code, year=document.year))
    return render_template(
        "documents/form.html", tenant=tenant, organization=organization, form=form, document=document,
    ), (400 if request.method == "POST" else 200)


@bp.route("/party-documents/<int:document_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, document_id: int):
    tenant = unit_or_404(slug)
    document, organization = branch_record_or_404(tenant, PartyDocument, document_id, edit=True)
    return delete_page(
        tenant=tenant,
        what=_("文档“%(title)s”", title=document.title),
        summary=[(_("支部"), organization.name), (_("所属年度"), document.year), (_("成文日期"), document.dated_on)],
        refused=None,
        delete=lambda: services.delete_document(document),
        back=url_for(".index", slug=slug, code=organization.code, year=document.year),
        done=url_for(".index", slug=slug, code=organization.code, year=document.year),
    )


@bp.get("/party-documents/<int:document_id>/file")
@login_required
def file(slug: str, document_id: int):
    """The document's file, to whoever may read the branch."""
    tenant = unit_or_404(slug)
    document, organization = branch_record_or_404(tenant, PartyDocument, document_id)
    path = evidence_path(document.file_path) if document.file_path else None
    if path is None:
        abort(404)
    suffix = path.suffix.lower()
    return send_file(
        path, mimetype=CONTENT_TYPES.get(suffix, "application/octet-stream"),
        download_name=f"{organization.code}-{document.doc_type}-{document.id}{suffix}",
        as_attachment=True,  # never rendered inline by the browser, whatever the file holds
    )
