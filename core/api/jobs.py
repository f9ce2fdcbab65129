"""Background jobs: the caller's own (host admins: every job), with progress."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import fields

from core.api.crud import paginate
from core.api.schemas import QueryArgsSchema, Schema, Timestamp, one_of
from core.extensions import db
from core.jobs.models import JOB_STATUSES, Job
from core.jobs.services import can_view_job, visible_jobs_query

blp = Blueprint("jobs_api", __name__, description="后台任务 / Jobs")


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String(metadata={"description": "、".join(f"{k}={v}" for k, v in JOB_STATUSES.items())})
    params = fields.Dict()
    total = fields.Integer()
    done = fields.Integer()
    percent = fields.Integer()
    error = fields.String(allow_none=True)
    created_at = Timestamp()
    started_at = Timestamp(allow_none=True)
    finished_at = Timestamp(allow_none=True)


class JobQueryArgsSchema(QueryArgsSchema):
    status = one_of(JOB_STATUSES)


@blp.route("")
class Jobs(MethodView):
    @blp.arguments(JobQueryArgsSchema, location="query")
    @blp.response(200, JobSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters):
        """我的任务 / The caller's jobs, newest first."""
        query = visible_jobs_query(g.api_user)
        if args.get("status"):
            query = query.where(Job.status == args["status"])
        return paginate(query, pagination_parameters)


@blp.route("/<int:job_id>")
class JobById(MethodView):
    @blp.response(200, JobSchema)
    def get(self, job_id: int):
        """一个任务的进度 / One job's progress."""
        job = db.session.get(Job, job_id)
        if job is None or not can_view_job(g.api_user, job):
            abort(404, message=_("任务不存在"))
        return job
