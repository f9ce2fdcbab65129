"""Scorecards: a unit's branches scored now (live JSON), and the stored snapshots."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import select

from core.api.auth import secretary_branch_id
from core.api.crud import paginate
from core.api.schemas import QueryArgsSchema, Schema, Timestamp, points, text
from core.extensions import db
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.scoring.live import stored_outcomes
from core.scoring.models import Scorecard
from core.scoring.services import score_unit

blp = Blueprint("scorecards", __name__, description="评分表 / Scorecards")


class ScoreQueryArgsSchema(QueryArgsSchema):
    year = fields.Integer(required=True, metadata={"description": "考核年度"})
    as_of = fields.Date(metadata={"description": "按此日期读取记录，默认今天"})
    branch = text("code", metadata={"description": "只评一个支部（支部代码）"})


class UnitScoreSchema(Schema):
    """``score_unit(...).to_dict()``: every branch with blocks and items, each explained."""

    tenant = fields.String()
    tenant_name = fields.String()
    unit_type = fields.String()
    standard = fields.Dict(allow_none=True)
    period = fields.Dict()
    not_scored_reason = fields.String(allow_none=True)
    warnings = fields.List(fields.String())
    branches = fields.List(fields.Dict())


class SnapshotSchema(Schema):
    """A stored scorecard (immutable)."""

    id = fields.Integer()
    organization_id = fields.Integer()
    year = fields.Integer()
    as_of = fields.Date()
    unit_type = fields.String()
    standard_key = fields.String()
    standard_version = fields.String()
    status = fields.String()
    total = points()
    max = points()
    grade = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = Timestamp()


class SnapshotDetailSchema(SnapshotSchema):
    result = fields.Dict(metadata={"description": "评分结果：分块、条目、说明、依据、证据"})
    inputs = fields.Dict(metadata={"description": "评分所用的指标值"})


class SnapshotQueryArgsSchema(QueryArgsSchema):
    year = fields.Integer()
    organization_id = fields.Integer()


def _branch_code_for_caller(requested: str | None) -> str | None:
    own = secretary_branch_id()
    if own is None:
        return requested
    code = db.session.scalar(select(Organization.code).where(Organization.id == own))
    if requested and requested != code:
        abort(404, message=_("支部不存在"))
    return code


@blp.route("")
class Scores(MethodView):
    @blp.arguments(ScoreQueryArgsSchema, location="query")
    @blp.response(200, UnitScoreSchema)
    def get(self, args: dict[str, Any]):
        """按记录即时评分（不保存） / Score the unit's branches now (nothing stored)."""
        branch = _branch_code_for_caller(args.get("branch"))
        outcome = score_unit(
            g.unit, args["year"], get_registry(), as_of=args.get("as_of"), branch_code=branch
        )
        if branch and not outcome.branches and not outcome.not_scored_reason:
            abort(404, message=_("支部不存在"))
        return outcome.to_dict()


class StoredBranchSchema(Schema):
    """A branch's stored current-year result: totals, grade, block scores, the items that lost points."""

    code = fields.String()
    name = fields.String()
    status = fields.String()
    total = points()
    max = points()
    grade = fields.String(allow_none=True)
    as_of = fields.Date()
    standard = fields.Dict()
    blocks = fields.List(fields.Dict())
    lost = fields.List(fields.Dict())
    alerts = fields.Integer(metadata={"description": "待办提醒数"})
    overdue = fields.Integer(metadata={"description": "其中逾期数"})
    computed_at = Timestamp()


class StoredScoresSchema(Schema):
    tenant = fields.String()
    year = fields.Integer()
    not_scored_reason = fields.String(allow_none=True)
    computed_at = Timestamp(allow_none=True)
    recomputing = fields.Boolean(metadata={"description": "记录已变更，正在重新计算"})
    branches = fields.List(fields.Nested(StoredBranchSchema))


@blp.route("/current")
class CurrentScores(MethodView):
    @blp.response(200, StoredScoresSchema)
    def get(self):
        """本年度已计算的实时评分（不重新评分） / This year's stored live results of the unit's branches."""
        outcomes, freshness = stored_outcomes([g.unit], get_registry())
        outcome = outcomes[0]
        own = secretary_branch_id()
        branches = []
        for branch in outcome.branches:
            if own is not None and branch.organization.id != own:
                continue
            row = branch.stored
            result = branch.result
            branches.append({
                "code": branch.organization.code,
                "name": branch.organization.name,
                "status": result.status,
                "total": result.total,
                "max": result.max,
                "grade": result.grade,
                "as_of": row.as_of,
                "standard": {"key": result.standard_key, "version": result.standard_version},
                "blocks": [{"id": b.id, "title": b.title, "score": str(b.score), "max": str(b.max)} for b in result.blocks],
                "lost": [
                    {"id": item[0], "title": item[1], "score": item[2], "max": item[3], "status": item[4]}
                    for item in row.lost
                ],
                "alerts": row.alerts,
                "overdue": row.overdue,
                "computed_at": row.computed_at,
            })
        return {
            "tenant": g.unit.slug,
            "year": outcome.period.year,
            "not_scored_reason": outcome.not_scored_reason,
            "computed_at": freshness.computed_at,
            "recomputing": freshness.recomputing,
            "branches": branches,
        }


@blp.route("/snapshots")
class Snapshots(MethodView):
    @blp.arguments(SnapshotQueryArgsSchema, location="query")
    @blp.response(200, SnapshotSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters):
        """已保存的评分表 / Stored scorecards, newest first."""
        query = select(Scorecard).order_by(Scorecard.year.desc(), Scorecard.id.desc())
        if args.get("year") is not None:
            query = query.where(Scorecard.year == args["year"])
        if args.get("organization_id") is not None:
            query = query.where(Scorecard.organization_id == args["organization_id"])
        own = secretary_branch_id()
        if own is not None:
            query = query.where(Scorecard.organization_id == own)
        return paginate(query, pagination_parameters)


@blp.route("/snapshots/<int:scorecard_id>")
class SnapshotById(MethodView):
    @blp.response(200, SnapshotDetailSchema)
    def get(self, scorecard_id: int):
        """一张已保存的评分表（含全部条目） / One stored scorecard with every item."""
        card = db.session.get(Scorecard, scorecard_id)
        own = secretary_branch_id()
        if card is None or (own is not None and card.organization_id != own):
            abort(404, message=_("评分表不存在"))
        return card


