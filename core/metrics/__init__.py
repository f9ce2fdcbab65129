"""Metric families: the facts a standard reads, computed from the records for a whole scope.

The declarations live in :mod:`core.standards.catalogue`; this package computes them. See
:mod:`core.metrics.registry` for how a family is declared and bound.
"""

from __future__ import annotations

from core.metrics.registry import compute_metrics, families, metric_catalogue
from core.metrics.scope import BRANCH_KINDS, Scope
from core.standards.periods import Period

__all__ = ["BRANCH_KINDS", "Period", "Scope", "compute_metrics", "families", "metric_catalogue"]
