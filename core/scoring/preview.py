"""Preview: the county's branches scored with a draft standard beside their current scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.host.models import Tenant
from core.plugins.manager import PluginRegistry
from core.scoring.services import score_units
from core.standards.model import Standard


@dataclass
class PreviewRow:
    """One branch: its current total and grade, the draft's, and the items that changed."""

    unit: str
    branch: str
    current_total: Decimal
    current_grade: str | None
    draft_total: Decimal
    draft_grade: str | None
    changes: list[str] = field(default_factory=list)

    @property
    def delta(self) -> Decimal:
        return self.draft_total - self.current_total


def preview(
    unit_type: str, draft: Standard, year: int, registry: PluginRegistry, *, as_of: dt.date | None = None
) -> list[PreviewRow]:
    """Score every enabled unit of the type twice — with the standard in effect and with the
    draft — and compare branch by branch. Nothing is stored.

    :returns: a row per branch scored, units and branches in code order.
    """
    tenants = list(
        db.session.scalars(
            select(Tenant).where(Tenant.unit_type == unit_type, Tenant.enabled.is_(True)).order_by(Tenant.slug)
        )
    )
    if not tenants:
        return []
    current = score_units(tenants, year, registry, as_of=as_of)
    trial = score_units(tenants, year, registry, as_of=as_of, standards={unit_type: draft})
    rows: list[PreviewRow] = []
    for now, then in zip(current, trial, strict=True):
        drafts = {b.organization.id: b for b in then.branches}
        for branch in now.branches:
            other = drafts.get(branch.organization.id)
            if other is None:
                continue
            rows.append(
                PreviewRow(
                    unit=now.tenant.name,
                    branch=f"{branch.organization.code} {branch.organization.name}",
                    current_total=branch.result.total,
                    current_grade=branch.result.grade,
                    draft_total=other.result.total,
                    draft_grade=other.result.grade,
                    changes=_changed_items(branch.result, other.result),
                )
            )
    return rows


def _changed_items(old, new) -> list[str]:
    """Items whose score or rule differs, with the draft's explanation (why)."""
    before = {item.id: item for item in old.items()}
    after = {item.id: item for item in new.items()}
    lines = []
    for item_id, item in after.items():
        was = before.get(item_id)
        if was is None:
            lines.append(f"新增「{item.title}」：{item.score}/{item.max}分。{item.explanation}")
        elif was.score != item.score or was.max != item.max:
            lines.append(f"「{item.title}」{was.score}/{was.max} → {item.score}/{item.max}分。{item.explanation}")
        elif was.explanation != item.explanation:
            # Same points, another rule (e.g. an on-site score become named levels).
            lines.append(f"「{item.title}」得分不变（{item.score}/{item.max}分），评分说明改为：{item.explanation}")
    for item_id, item in before.items():
        if item_id not in after:
            lines.append(f"删除「{item.title}」（原{item.score}/{item.max}分）")
    return lines
