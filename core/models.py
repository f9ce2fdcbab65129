"""Every model, imported in one place so metadata (and Alembic) sees them all."""

from __future__ import annotations

from core.accounts.models import ApiToken, SupervisorScope, User
from core.audit.models import AuditLog
from core.authoring.models import (
    CountyStandard,
    StandardVersion,
    UnitItemSwitch,
    UnitStandardSetting,
)
from core.development.models import DevelopmentRecord, ProbationDecision
from core.documents.models import PartyDocument
from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, EventAttachment, EventKind, TrainingRecord
from core.facilities.models import FacilityCheck
from core.findings.models import FindingKind
from core.funding.models import FundingRecord
from core.host.models import FiscalBasis, Host, HostParameter, Tenant
from core.jobs.models import Job, JobChunk
from core.mass.models import MassActivity, MassOrganization
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member, Membership
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.publicity.models import PublicityReport
from core.scoring.models import (
    Exemption,
    Finding,
    Honour,
    ManualScore,
    Rectification,
    Scorecard,
)
from core.staffing.models import StaffPost
from core.transfers.models import UnitTransfer

__all__ = [
    "ApiToken",
    "Appraisal",
    "Attendance",
    "AuditLog",
    "CommitteeSeat",
    "CountyStandard",
    "DevelopmentCase",
    "DevelopmentRecord",
    "DevelopmentStep",
    "DuesPayment",
    "Event",
    "EventAttachment",
    "EventKind",
    "Exemption",
    "FacilityCheck",
    "FiscalBasis",
    "Finding",
    "FindingKind",
    "FundingRecord",
    "Host",
    "HostParameter",
    "Honour",
    "Job",
    "JobChunk",
    "MassActivity",
    "MassOrganization",
    "ManualScore",
    "Member",
    "Membership",
    "Organization",
    "PartyDocument",
    "PartyGroup",
    "ProbationDecision",
    "PublicityReport",
    "Rectification",
    "Scorecard",
    "StaffPost",
    "StandardVersion",
    "SupervisorScope",
    "Tenant",
    "Term",
    "UnitTransfer",
    "TrainingRecord",
    "UnitItemSwitch",
    "UnitStandardSetting",
    "User",
]
