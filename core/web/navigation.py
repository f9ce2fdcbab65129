"""The main menu: each feature adds its entry here; the layout shows those the user may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class MenuEntry:
    """A menu link: the endpoint, its label, and the roles that see it."""

    endpoint: str
    label: object
    roles: tuple[str, ...] = ("host_admin", "supervisor", "unit_admin", "secretary")
    #: Whether the endpoint takes the user's unit slug (``slug=``).
    per_unit: bool = False


#: In menu order. Features append their entries (one line each).
MENU: list[MenuEntry] = [
    MenuEntry("web.home", _l("首页")),
    MenuEntry("jobs.index", _l("我的任务"), roles=("host_admin", "supervisor")),
    MenuEntry("web.county", _l("全县排名"), roles=("host_admin", "supervisor")),
    MenuEntry("scoring.inbox", _l("督导待办"), roles=("host_admin", "supervisor")),
    MenuEntry("scoring.rectifications", _l("整改任务"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("scoring.exemptions", _l("豁免"), roles=("unit_admin",), per_unit=True),
    MenuEntry("host.units", _l("单位管理"), roles=("host_admin",)),
    MenuEntry("host.parameters", _l("县级参数"), roles=("host_admin",)),
    MenuEntry("finding_pages.kinds", _l("认定类别"), roles=("host_admin",)),
    MenuEntry("host.assessment", _l("年度考核"), roles=("host_admin",)),
    MenuEntry("host.audit", _l("审计日志"), roles=("host_admin",)),
    MenuEntry("transfer_pages.county", _l("组织关系转接"), roles=("host_admin",)),
    MenuEntry("excel.index", _l("Excel 导入导出"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("organization_pages.index", _l("党组织"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("member_pages.index", _l("党员"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("transfer_pages.index", _l("组织关系转接"), roles=("unit_admin",), per_unit=True),
    MenuEntry("event_pages.choose", _l("组织生活"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("dues_pages.choose", _l("党费"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("event_pages.choose_training", _l("学时"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("facility_pages.choose", _l("阵地"), roles=("unit_admin", "secretary"), per_unit=True),
    MenuEntry("funding_pages.index", _l("经费"), roles=("unit_admin",), per_unit=True),
    MenuEntry("staff_pages.index", _l("党务人员"), roles=("unit_admin",), per_unit=True),
]


def menu_for(user) -> list[tuple[str, str]]:
    """(label, url) of the entries this user may open whose endpoint exists in this build."""
    if not getattr(user, "is_authenticated", False):
        return []
    entries = []
    slug = None
    for entry in MENU:
        if user.role not in entry.roles or entry.endpoint not in current_app.view_functions:
            continue
        if entry.per_unit:
            if slug is None:
                from core.extensions import db
                from core.host.models import Tenant

                tenant = db.session.get(Tenant, user.tenant_id) if user.tenant_id else None
                slug = tenant.slug if tenant else ""
            if not slug:
                continue
            entries.append((str(entry.label), url_for(entry.endpoint, slug=slug)))
        else:
            entries.append((str(entry.label), url_for(entry.endpoint)))
    return entries
