"""Party-building documents (年度计划、总结、制度、述职、党务公开、责任书 …) of a unit's branches.

The types are the unit type's (``GET .../party-documents/types``). Files are uploaded through
the pages; the API says whether a document has one.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import (
    RecordResource,
    organization_or_422,
    organization_scope,
    register_record_routes,
)
from core.api.schemas import QueryArgsSchema, Schema, text
from core.documents import services
from core.documents.models import PartyDocument

blp = Blueprint("party_documents", __name__, description="党建工作文档 / Party-building documents")


class DocumentSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True)
    doc_type = text("kind_code", required=True, metadata={"description": "文档类别代码（见 types）"})
    year = fields.Integer(required=True, metadata={"description": "所属年度"})
    title = text("title", required=True)
    dated_on = fields.Date(required=True, metadata={"description": "成文日期"})
    approved_by = text("short_text", allow_none=True, metadata={"description": "审批人或审批机关"})
    approved_on = fields.Date(allow_none=True, metadata={"description": "审批日期"})
    result = text("kind_code", allow_none=True, metadata={"description": "评议结果（书记述职）"})
    note = fields.String(allow_none=True)
    has_file = fields.Method("_has_file", dump_only=True, metadata={"description": "是否已上传文件"})

    def _has_file(self, document: PartyDocument) -> bool:
        return bool(document.file_path)


class DocumentUpdateSchema(DocumentSchema):
    organization_id = fields.Integer(dump_only=True)
    doc_type = text("kind_code")
    year = fields.Integer()
    title = text("title")
    dated_on = fields.Date()


class DocumentQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer()
    doc_type = text("kind_code")
    year = fields.Integer()


def _filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("organization_id", "doc_type", "year"):
        if args.get(name) is not None:
            query = query.where(getattr(PartyDocument, name) == args[name])
    return query


def _create(data: dict[str, Any]) -> PartyDocument:
    fields_ = dict(data)
    return services.record_document(organization_or_422(fields_.pop("organization_id")), **fields_)


class DocumentTypeSchema(Schema):
    key = fields.String()
    label = fields.String()
    due = fields.String(allow_none=True, metadata={"description": "每年应形成日期（MM-DD）"})
    results = fields.List(fields.String(), metadata={"description": "可记录的评议结果"})
    source = fields.String(metadata={"description": "依据"})


@blp.route("/types")
class DocumentTypes(MethodView):
    @blp.response(200, DocumentTypeSchema(many=True))
    def get(self):
        """本单位类型的文档类别 / The document types of the unit's type."""
        return [
            {"key": t.key, "label": t.label_zh, "due": t.due, "results": list(t.results), "source": t.source.label}
            for t in services.document_types(g.unit)
        ]


register_record_routes(
    blp,
    RecordResource(
        name="party_document",
        model=PartyDocument,
        schema=DocumentSchema,
        update_schema=DocumentUpdateSchema,
        query_schema=DocumentQueryArgsSchema,
        filters=_filters,
        order_by=(PartyDocument.year, PartyDocument.dated_on, PartyDocument.id),
        create=_create,
        update=lambda record, changes: services.update_document(record, **changes),
        delete=services.delete_document,
        **organization_scope(PartyDocument),
    ),
)
