"""Reading the county's finding kinds: the one list of finding codes every part asks for.

Kept apart from :mod:`core.findings.services` so the metrics (``flags.<code>``) can read it
without importing the write path and the permission rules above them.
"""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.findings.models import FindingKind


def finding_kinds(*, active_only: bool = False) -> list[FindingKind]:
    """The county's finding kinds in their order (inactive ones too unless ``active_only``)."""
    query = select(FindingKind).order_by(FindingKind.position, FindingKind.id)
    if active_only:
        query = query.where(FindingKind.active.is_(True))
    return list(db.session.scalars(query))


def finding_codes() -> list[str]:
    """Every finding code, in order: the names of the ``flags.<code>`` metrics.

    Inactive kinds are included: findings recorded before a kind was switched off still count
    for their year.
    """
    return list(
        db.session.scalars(select(FindingKind.code).order_by(FindingKind.position, FindingKind.id))
    )


def finding_labels() -> dict[str, str]:
    """Code → Chinese label of every kind, for pages and cards."""
    return {
        code: label
        for code, label in db.session.execute(
            select(FindingKind.code, FindingKind.label_zh).order_by(FindingKind.position, FindingKind.id)
        )
    }
