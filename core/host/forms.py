"""Reading the host pages' query strings and multi-selects into typed values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def int_list(values: Iterable[str]) -> list[int]:
    """The integers among a multi-select's values (anything else cannot be a row id)."""
    return [int(v) for v in values if str(v).strip().isdigit()]


def _date(raw: str | None, label: str, errors: dict[str, str], name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{label}须为日期，格式 YYYY-MM-DD"
        return None


#: The audit log's actions.
AUDIT_ACTIONS = ("insert", "update", "delete")


@dataclass
class AuditFilters:
    """The audit log's filters: unit, table, actor, date range and page."""

    tenant_id: int | None = None
    table: str = ""
    actor: str = ""
    #: ``insert``, ``update`` or ``delete`` (“已删除记录” is ``delete``); empty: every action.
    action: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        """Read the filters; a bad date is reported and left out rather than failing the page."""
        errors: dict[str, str] = {}
        tenant = (args.get("tenant") or "").strip()
        page = (args.get("page") or "1").strip()
        action = (args.get("action") or "").strip()
        filters = cls(
            tenant_id=int(tenant) if tenant.isdigit() else None,
            table=(args.get("table") or "").strip(),
            actor=(args.get("actor") or "").strip(),
            action=action if action in AUDIT_ACTIONS else "",
            start=_date(args.get("start"), "开始日期", errors, "start"),
            end=_date(args.get("end"), "结束日期", errors, "end"),
            page=max(1, int(page)) if page.isdigit() else 1,
            errors=errors,
        )
        return filters

    def query_args(self, **changes: object) -> dict[str, object]:
        """The filters as URL arguments (for pagination links), with some changed."""
        args: dict[str, object] = {
            "tenant": self.tenant_id or "",
            "table": self.table,
            "actor": self.actor,
            "action": self.action,
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "page": self.page,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v not in ("", None)}
