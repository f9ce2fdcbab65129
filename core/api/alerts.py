"""Alerts: what each branch of a unit has due or overdue, as of a day."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import select

from core.api.auth import secretary_branch_id
from core.api.schemas import QueryArgsSchema, Schema
from core.extensions import db
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.scoring.alerts import setup_alerts, unit_alerts
from core.timezone import local_today

blp = Blueprint("alerts", __name__, description="提醒 / Alerts")


class AlertQueryArgsSchema(QueryArgsSchema):
    as_of = fields.Date(metadata={"description": "截至日期，默认今天"})


class AlertSchema(Schema):
    kind = fields.String(metadata={"description": "meeting / dues / election / development / training / facility …"})
    level = fields.String(metadata={"description": "due / overdue / warning"})
    message = fields.String()
    due_on = fields.String(allow_none=True)
    member_id = fields.Integer(allow_none=True)


class BranchAlertsSchema(Schema):
    organization_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    alerts = fields.List(fields.Nested(AlertSchema))


@blp.route("")
class Alerts(MethodView):
    @blp.arguments(AlertQueryArgsSchema, location="query")
    @blp.response(200, BranchAlertsSchema(many=True))
    def get(self, args: dict[str, Any]):
        """各支部的待办与逾期事项 / Each branch's due and overdue items."""
        as_of = args.get("as_of") or local_today()
        by_branch = unit_alerts(g.unit, as_of, get_registry())
        own = secretary_branch_id()
        if own is not None:
            by_branch = {k: v for k, v in by_branch.items() if k == own}
        if not by_branch:
            return []
        organizations = {
            o.id: o
            for o in db.session.scalars(
                select(Organization).where(Organization.id.in_(list(by_branch)))
            )
        }
        return [
            {
                "organization_id": organization_id,
                "code": organizations[organization_id].code,
                "name": organizations[organization_id].name,
                "alerts": [a.to_dict() for a in alerts],
            }
            for organization_id, alerts in sorted(
                by_branch.items(), key=lambda item: organizations[item[0]].code
            )
        ]


class SetupAlertSchema(AlertSchema):
    organization_id = fields.Integer(metadata={"description": "涉及的党组织"})
    subject = fields.String(metadata={"description": "branch / committee / groups / election（应成立支部、设支委会、划分党小组、换届）"})


@blp.route("/organization-setup")
class SetupAlerts(MethodView):
    @blp.arguments(AlertQueryArgsSchema, location="query")
    @blp.response(200, SetupAlertSchema(many=True))
    def get(self, args: dict[str, Any]):
        """应设未设的组织（单位层面，含应设日期） / Organizations due but not set up, with the day each became due."""
        as_of = args.get("as_of") or local_today()
        alerts = setup_alerts(g.unit, as_of, get_registry())
        own = secretary_branch_id()
        if own is not None:
            alerts = [a for a in alerts if a.organization_id == own]
        return [a.to_dict() for a in alerts]
