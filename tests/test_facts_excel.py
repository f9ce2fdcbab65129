"""Excel for the long lists of issue 11 point 3: 报道 and repeated development records — a
template, an all-or-nothing import with row errors, and an export that imports back."""

from __future__ import annotations

import datetime as dt

from core.development.models import DevelopmentRecord
from core.members.models import DevelopmentCase, DevelopmentStep
from core.publicity.models import PublicityReport
from core.tenancy import use_tenant
from tests.test_excel import _export, _import, _workbook_with_rows


def _unit(db, tenant, make_organization):
    b1 = make_organization(tenant, "b1", name="第一党支部")
    with use_tenant(tenant.id):
        case = DevelopmentCase(organization_id=b1.id, name="赵积极", stage="activist")
        db.session.add(case)
        db.session.flush()
        db.session.add_all([DevelopmentStep(case_id=case.id, step=n, done_on=dt.date(2024, 3, 1)) for n in (1, 2, 3)])
        db.session.commit()


def _count(db, tenant, model) -> int:
    with use_tenant(tenant.id):
        return db.session.query(model).count()


def test_publicity_rows_import_all_or_nothing_and_export_back(db, tenant, make_organization, make_tenant):
    _unit(db, tenant, make_organization)
    bad = _workbook_with_rows(tenant, "publicity", [
        {"支部代码": "b1", "刊发日期": dt.date(2025, 3, 1), "标题": "主题党日", "刊发媒体或平台": "县融媒体中心", "级别": "县级"},
        {"支部代码": "b1", "刊发日期": dt.date(2025, 4, 1), "标题": "志愿服务", "刊发媒体或平台": "市报", "级别": "乡级"},
        {"支部代码": "b1", "刊发日期": dt.date(2025, 5, 1), "标题": "党课", "刊发媒体或平台": "县报", "级别": "县级", "网址": "ftp://x"},
    ])
    result = _import(tenant, bad)
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert errors[(3, "级别")].startswith("“乡级”无效")
    assert errors[(4, "网址")] == "网址须以 http:// 或 https:// 开头"
    assert _count(db, tenant, PublicityReport) == 0
    good = _workbook_with_rows(tenant, "publicity", [
        {"支部代码": "b1", "刊发日期": dt.date(2025, 3, 1), "标题": "主题党日", "刊发媒体或平台": "县融媒体中心", "级别": "县级"},
        {"支部代码": "b1", "刊发日期": dt.date(2025, 4, 1), "标题": "志愿服务", "刊发媒体或平台": "市报", "级别": "市级"},
    ])
    assert _import(tenant, good).created == 2
    # The export is a template with rows: it imports into another unit unchanged.
    other = make_tenant("qita")
    _unit(db, other, make_organization)
    again = _import(other, _export("publicity", tenant, year=2025))
    assert (again.ok, again.created) == (True, 2)
    assert _count(db, other, PublicityReport) == 2
    # Importing the same rows again updates them instead of adding.
    assert _import(tenant, _export("publicity", tenant)).updated == 2


def test_development_record_rows_find_the_case_by_name(db, tenant, make_organization):
    _unit(db, tenant, make_organization)
    rows = [
        {"支部代码": "b1", "姓名": "赵积极", "记录类别": "入党积极分子考察", "日期": dt.date(2024, 9, 1), "考察意见或内容": "表现良好"},
        {"支部代码": "b1", "姓名": "赵积极", "记录类别": "入党积极分子考察", "日期": dt.date(2025, 3, 1)},
        {"支部代码": "b1", "姓名": "钱某", "记录类别": "思想汇报", "日期": dt.date(2025, 3, 1)},
        {"支部代码": "b1", "姓名": "赵积极", "记录类别": "预备党员考察", "日期": dt.date(2025, 3, 1)},
    ]
    result = _import(tenant, _workbook_with_rows(tenant, "development_records", rows))
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert errors[(4, "姓名")] == "第一党支部没有名为“钱某”的发展党员案例"
    assert errors[(5, "记录类别")] == "请先记录第 15 步（支部大会讨论）"
    assert _count(db, tenant, DevelopmentRecord) == 0
    assert _import(tenant, _workbook_with_rows(tenant, "development_records", rows[:2])).created == 2
    exported = _export("development_records", tenant, year=2025)
    assert _import(tenant, exported).updated == 1
    assert _count(db, tenant, DevelopmentRecord) == 2
