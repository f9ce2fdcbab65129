"""Kept for code written before the metric registry: the metrics now live in :mod:`core.metrics`.

New code imports :func:`core.metrics.compute_metrics`, :data:`core.metrics.BRANCH_KINDS` and
:class:`core.standards.periods.Period`.
"""

from __future__ import annotations

from core.metrics.dues import DUES_LAPSE_MONTHS
from core.metrics.registry import compute_metrics
from core.metrics.scope import BRANCH_KINDS
from core.standards.periods import Period

__all__ = ["BRANCH_KINDS", "DUES_LAPSE_MONTHS", "Period", "compute_metrics"]
