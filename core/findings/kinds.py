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


def kind_label(kind: FindingKind) -> str:
    """The kind's name in the reader's language: the English label on English pages when the
    county gave one, the Chinese label otherwise."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is not None and locale.language == "en" and kind.label_en:
        return kind.label_en
    return kind.label_zh


def finding_labels() -> dict[str, str]:
    """Code → label (in the reader's language) of every kind, for pages."""
    return {kind.code: kind_label(kind) for kind in finding_kinds()}
