"""When development records fall due and when a 预备期 ends: the one definition pages, alerts
and metrics read. Pure date arithmetic (no records, no web).
"""

from __future__ import annotations

import datetime as dt

from core.standards.periods import add_months, add_years

#: 发展党员工作细则 第十一条: 党支部每半年对入党积极分子考察一次 (as the day count the
#: scorecards have always used).
ACTIVIST_ASSESSMENT_DAYS = 183
#: 预备党员: 党支部每季度考察一次 (rules §发展党员: 预备党员 每季度).
PROBATIONARY_ASSESSMENT_DAYS = 92
#: 延长预备期: once, not less than six months and at most a year (党章第七条).
EXTENSION_MONTHS = (6, 12)
#: The step each kind of record belongs under (thought reports follow the stage, see
#: :func:`record_step`).
RECORD_STEPS = {"activist_assessment": 6, "training_certificate": 11, "probationary_assessment": 21}
#: The stage whose members are assessed, and the kind of record that assesses them.
ASSESSED_STAGES = {"activist": "activist_assessment", "probationary": "probationary_assessment"}
#: Steps whose date counts as an assessment besides the records: becoming an activist (3) and
#: the single date the 25-step page kept (6, 21) before assessments were records.
ASSESSMENT_STARTS = {"activist_assessment": (3, 6), "probationary_assessment": (15, 21)}
#: The 支部大会 that admits a probationary member (step 15): the 预备期 runs a year from it.
ADMISSION_STEP = 15


def assessment_due_on(kind: str, last: dt.date) -> dt.date:
    """:returns: the day the next assessment of ``kind`` is due after one on ``last``."""
    days = ACTIVIST_ASSESSMENT_DAYS if kind == "activist_assessment" else PROBATIONARY_ASSESSMENT_DAYS
    return last + dt.timedelta(days=days)


def probation_ends_on(started_on: dt.date, extension_months: int | None = None) -> dt.date:
    """:returns: the last day of a 预备期 begun on ``started_on`` (one year, plus an extension)."""
    return add_months(add_years(started_on, 1), extension_months or 0)


def record_step(kind: str, done_on: dt.date, admitted_on: dt.date | None) -> int:
    """:returns: the step a record of ``kind`` is kept under: a thought report goes under the
    activist's step 6 before admission and under step 21 (继续教育考察) after it."""
    if kind == "thought_report":
        return 21 if admitted_on is not None and done_on >= admitted_on else 6
    return RECORD_STEPS[kind]
