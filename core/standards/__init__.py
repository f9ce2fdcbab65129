"""Standards as data: rubric files, their checks, rule kinds, and pure branch evaluation."""

from __future__ import annotations

from core.standards.evaluation import BlockResult, BranchResult, ItemResult, VetoResult, evaluate
from core.standards.loader import Problem, StandardFileError, check_standard_file, load_standard
from core.standards.model import Standard
from core.standards.overrides import Exemption, TenantOverrides, resolve_parameters
from core.standards.quota import apply_grade_quota
from core.standards.rules import RULE_KINDS, Evidence, ManualScore

__all__ = [
    "RULE_KINDS",
    "BlockResult",
    "BranchResult",
    "Evidence",
    "Exemption",
    "ItemResult",
    "ManualScore",
    "Problem",
    "Standard",
    "StandardFileError",
    "TenantOverrides",
    "VetoResult",
    "apply_grade_quota",
    "check_standard_file",
    "evaluate",
    "load_standard",
    "resolve_parameters",
]
