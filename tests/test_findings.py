"""Findings and honours as county data: the kinds table, the pages, the API, the CLI, and a
county-defined kind read by a rubric veto (``flags.<code>``) changing the card."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from core.audit.models import AuditLog
from core.findings.kinds import finding_codes
from core.findings.models import FindingKind
from core.plugins.manager import get_registry
from core.scoring.models import Finding, Honour
from core.scoring.services import score_unit
from core.tenancy import host_scope, use_tenant
from core.timezone import local_today
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import fresh_request, rows

YEAR = local_today().year  # the configured zone's year, as the services use
PDF = b"%PDF-1.4\n% test\n"
SAFETY = {
    "code": "major_safety_incident",
    "label_zh": "发生重大安全生产事故",
    "label_en": "Major work-safety accident",
    "source": "某县国有企业党支部评星定级办法",
    "effect": "一票否决",
}

BUILT_IN = [
    "leadership_discipline_violation",
    "weak_and_lax",
    "records_seriously_missing",
    "teacher_ethics_violation",
    "medical_ethics_violation",
]


def add_kind(db, **fields) -> FindingKind:
    from core.findings.services import create_kind

    kind = create_kind(**{**SAFETY, **fields})
    db.session.commit()
    return kind


@pytest.fixture
def county_veto(tmp_path: Path) -> Path:
    """A tenants/ folder whose override for 县财政局 adds a veto on the county's own kind; bands
    put any branch with points at 五星 so the cap shows in the grade."""
    folder = tmp_path / "tenants"
    (folder / "overrides").mkdir(parents=True)
    (folder / "overrides" / "caizhengju.yaml").write_text(
        "sources:\n"
        "  - {id: county_safety, document: 某县国有企业党支部评星定级办法, tag: L}\n"
        "bands:\n  - {grade: 五星, min: 1}\n  - {grade: 二星, min: 0.5}\n  - {grade: 一星, min: 0}\n"
        "vetoes:\n"
        "  - {id: veto.safety, title: 发生重大安全生产事故, when: {metric: flags.major_safety_incident, op: is_true},"
        " cap: 二星, citation: county_safety}\n",
        encoding="utf-8",
    )
    return folder


# --- the kinds table ---------------------------------------------------------------------------


def test_the_migration_seeds_the_built_in_kinds_with_their_sources(db):
    assert finding_codes() == BUILT_IN
    kinds = db.session.scalars(select(FindingKind).order_by(FindingKind.position)).all()
    assert all(k.source and k.label_zh and k.active for k in kinds)
    assert "济教工委〔2021〕23号" in kinds[1].source


def test_a_county_kind_becomes_a_flags_metric(db, tenant, make_organization):
    from core.findings import services
    from core.scoring.metrics import Period, compute_metrics

    add_kind(db)
    assert finding_codes()[-1] == "major_safety_incident"
    branch = make_organization(tenant, code="B01")
    with use_tenant(tenant.id):
        facts = compute_metrics(Period(YEAR, local_today()))[branch.id]
        assert {f"flags.{code}" for code in finding_codes()} <= set(facts)
        assert facts["flags.major_safety_incident"] is False
        services.record_finding(
            branch, year=YEAR, finding="major_safety_incident", decided_on=local_today(),
            document="县组〔2026〕1号", recorded_by="t",
        )
        db.session.commit()
        assert compute_metrics(Period(YEAR, local_today()))[branch.id]["flags.major_safety_incident"] is True


def test_kind_rules_in_chinese(db, make_organization, tenant):
    from core.findings import services
    from core.validation import RecordError

    with pytest.raises(RecordError) as bad:
        services.create_kind(code="Bad Code", label_zh="", source="")
    assert set(bad.value.errors) == {"code", "label_zh", "source"}
    assert "小写英文字母" in bad.value.errors["code"]
    with pytest.raises(RecordError) as taken:
        services.create_kind(code="weak_and_lax", label_zh="重复", source="某文件")
    assert "已被其他认定类别使用" in taken.value.errors["code"]
    # Used by a shipped standard (organ-2025 reads flags.weak_and_lax): refused, with why.
    weak = services.kind_by_code("weak_and_lax")
    with pytest.raises(RecordError) as used:
        services.delete_kind(weak)
    refusal = used.value.errors["code"]
    assert "插件自带的「机关事业单位党支部标准化规范化建设评分表」（2025.1）" in refusal
    assert "flags." not in refusal and "weak_and_lax" not in refusal
    # Used by a finding: refused, naming the count.
    kind = add_kind(db)
    branch = make_organization(tenant, code="B01")
    with use_tenant(tenant.id):
        services.record_finding(
            branch, year=YEAR, finding=kind.code, decided_on=local_today(), document="县组〔2026〕1号", recorded_by="t"
        )
        db.session.commit()
    with pytest.raises(RecordError) as found:
        services.delete_kind(services.kind_by_code("major_safety_incident"))
    assert "已有 1 条认定" in found.value.errors["code"]


# --- host admin pages for kinds ----------------------------------------------------------------


def test_host_admin_manages_kinds_in_the_web(db, as_user, county):
    client = as_user("host")
    page = client.get("/host/finding-kinds")
    assert page.status_code == 200 and "被认定为软弱涣散党组织" in page.get_data(as_text=True)
    bad = client.post("/host/finding-kinds", data={"code": "安全", "label_zh": "", "source": ""})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "请填写认定类别名称" in text and "小写英文字母" in text
    # (major_safety_incident is read by the demo county's override files: not deletable.)
    ok = client.post("/host/finding-kinds", data={**SAFETY, "code": "added_by_mistake"})
    assert ok.status_code == 302
    fresh_request()
    kind = db.session.scalar(select(FindingKind).where(FindingKind.code == "added_by_mistake"))
    assert kind.position == 60 and kind.active
    kind_id = kind.id
    with host_scope():
        audit = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "finding_kind")).all()
    assert [a.action for a in audit][-1] == "insert"
    edit = client.post(f"/host/finding-kinds/{kind_id}", data={**SAFETY, "code": "changed", "label_zh": "重大安全事故"})
    assert edit.status_code == 302
    fresh_request()
    kind = db.session.get(FindingKind, kind_id)
    assert kind.code == "added_by_mistake" and kind.label_zh == "重大安全事故" and not kind.active
    refused = client.post("/host/finding-kinds/1/delete")
    assert refused.status_code == 400 and "不能删除" in refused.get_data(as_text=True)
    gone = client.post(f"/host/finding-kinds/{kind_id}/delete")
    assert gone.status_code == 302
    fresh_request()
    assert db.session.get(FindingKind, kind_id) is None
    assert client.get("/host/finding-kinds/9999").status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "admin", "secretary"])
def test_only_the_host_admin_manages_kinds(as_user, who):
    client = as_user(who)
    assert client.get("/host/finding-kinds").status_code == 403
    assert client.post("/host/finding-kinds", data=SAFETY).status_code == 403
    assert client.post("/host/finding-kinds/1/delete").status_code == 403


# --- findings and honours pages ----------------------------------------------------------------


def finding_form(code: str = "weak_and_lax", **fields):
    return {
        "form": "finding", "finding-finding": code, "finding-year": str(YEAR),
        "finding-decided_on": local_today().isoformat(), "finding-document": "县组通〔2026〕9号",
        "finding-note": "排查整顿认定", **fields,
    }


def test_supervisor_records_a_finding_with_its_document_and_revokes_it(db, as_user, county):
    add_kind(db)
    client = as_user("supervisor")
    page = client.get("/units/caizhengju/branches/B01/findings")
    assert page.status_code == 200 and "发生重大安全生产事故" in page.get_data(as_text=True)
    bad = client.post(
        "/units/caizhengju/branches/B01/findings",
        data=finding_form("nope", **{"finding-document": "", "finding-evidence": (io.BytesIO(b"MZ"), "x.pdf")}),
        content_type="multipart/form-data",
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "请填写认定所依据的文件" in text
    assert rows(db, county.tenant_id, Finding) == []
    ok = client.post(
        "/units/caizhengju/branches/B01/findings",
        data=finding_form("major_safety_incident", **{"finding-evidence": (io.BytesIO(PDF), "认定.pdf")}),
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)
    [finding] = rows(db, county.tenant_id, Finding)
    assert finding.finding == "major_safety_incident" and finding.document == "县组通〔2026〕9号"
    assert finding.evidence_file.startswith(f"uploads/{county.tenant_id}/findings/")
    file = client.get(f"/units/caizhengju/findings/{finding.id}/evidence")
    assert file.status_code == 200 and file.data == PDF
    assert file.headers["Content-Disposition"].startswith("attachment")  # issue 13: never inline
    file.close()  # send_file keeps the file open until the response is closed
    # The branch page and the unit page list it.
    assert "发生重大安全生产事故" in client.get("/units/caizhengju/branches/B01").get_data(as_text=True)
    assert "县组通〔2026〕9号" in client.get("/units/caizhengju/findings").get_data(as_text=True)
    no_reason = client.post(f"/units/caizhengju/findings/{finding.id}/revoke", data={"reason": ""})
    assert no_reason.status_code == 400 and "请填写撤销理由" in no_reason.get_data(as_text=True)
    done = client.post(f"/units/caizhengju/findings/{finding.id}/revoke", data={"reason": "复核后撤销"})
    assert done.status_code == 302
    [finding] = rows(db, county.tenant_id, Finding)
    assert finding.revoked_reason == "复核后撤销" and finding.revoked_on == local_today()
    with host_scope():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.table_name == "finding").order_by(AuditLog.id)
        ).all()
    assert actions == ["insert", "update"]


def test_a_revoked_finding_no_longer_counts(db, as_user, county):
    client = as_user("host")
    client.post("/units/caizhengju/branches/B01/findings", data=finding_form())
    fresh_request()
    with use_tenant(county.tenant_id):
        tenant = db.session.get(__import__("core.host.models", fromlist=["Tenant"]).Tenant, county.tenant_id)
        before = score_unit(tenant, YEAR, get_registry(), as_of=local_today(), branch_code="B01").to_dict()
    assert [v["id"] for v in before["branches"][0]["vetoes"]] == ["veto.weak_and_lax"]
    [finding] = rows(db, county.tenant_id, Finding)
    client.post(f"/units/caizhengju/findings/{finding.id}/revoke", data={"reason": "认定有误"})
    fresh_request()
    with use_tenant(county.tenant_id):
        tenant = db.session.get(__import__("core.host.models", fromlist=["Tenant"]).Tenant, county.tenant_id)
        after = score_unit(tenant, YEAR, get_registry(), as_of=local_today(), branch_code="B01").to_dict()
    assert after["branches"][0]["vetoes"] == []


def test_honours_are_recorded_with_a_file_and_revoked(db, as_user, county):
    client = as_user("supervisor")
    bad = client.post("/units/caizhengju/branches/B01/findings", data={
        "form": "honour", "honour-name": "", "honour-level": "county", "honour-year": str(YEAR),
        "honour-awarded_on": local_today().isoformat(), "honour-awarded_by": "",
    })
    assert bad.status_code == 400 and "请填写表彰名称" in bad.get_data(as_text=True)
    ok = client.post("/units/caizhengju/branches/B01/findings", data={
        "form": "honour", "honour-name": "全县先进基层党组织", "honour-level": "county",
        "honour-year": str(YEAR), "honour-awarded_on": local_today().isoformat(), "honour-awarded_by": "中共某县委",
        "honour-document": "县委〔2026〕3号", "honour-evidence": (io.BytesIO(PDF), "a.pdf"),
    }, content_type="multipart/form-data")
    assert ok.status_code == 302
    [honour] = rows(db, county.tenant_id, Honour)
    assert honour.recorded_by and honour.evidence_file and honour.document == "县委〔2026〕3号"
    download = client.get(f"/units/caizhengju/honours/{honour.id}/evidence")
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    assert client.post(f"/units/caizhengju/honours/{honour.id}/revoke", data={"reason": "重复录入"}).status_code == 302
    assert rows(db, county.tenant_id, Honour)[0].revoked_by
    # Audited like a finding: the record and its revocation.
    with host_scope():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.table_name == "honour").order_by(AuditLog.id)
        ).all()
    assert actions == ["insert", "update"]


@pytest.mark.parametrize("who", ["admin", "secretary", "other_supervisor"])
def test_others_read_only_or_refused(db, as_user, county, who):
    host = as_user("host")
    host.post("/units/caizhengju/branches/B01/findings", data=finding_form())
    [finding] = rows(db, county.tenant_id, Finding)
    client = as_user(who)
    page = client.get("/units/caizhengju/branches/B01/findings")
    if who == "other_supervisor":  # not in scope: to them the unit is not there (as a missing one)
        assert page.status_code == 404
    else:
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "县组通〔2026〕9号" in text and "保存认定" not in text
    refused = 404 if who == "other_supervisor" else 403
    assert client.post("/units/caizhengju/branches/B01/findings", data=finding_form()).status_code == refused
    assert client.post(f"/units/caizhengju/findings/{finding.id}/revoke", data={"reason": "x"}).status_code == refused
    assert len(rows(db, county.tenant_id, Finding)) == 1


def test_another_branch_and_another_unit_are_refused(db, as_user, county):
    host = as_user("host")
    host.post("/units/caizhengju/branches/B01/findings", data=finding_form())
    [finding] = rows(db, county.tenant_id, Finding)
    b2 = as_user("b2_secretary")
    assert b2.get("/units/caizhengju/branches/B01/findings").status_code == 403
    assert b2.get(f"/units/caizhengju/findings/{finding.id}/evidence").status_code in (403, 404)
    theirs = as_user("their_secretary")  # another unit's: the same answer as for a missing unit
    assert theirs.get("/units/caizhengju/branches/B01/findings").status_code == 404
    # The other unit's supervisor, through their own unit's address: the record is not there.
    other = as_user("other_supervisor")
    assert other.get(f"/units/shuiwu-jituan/findings/{finding.id}/revoke").status_code == 404
    assert other.post(f"/units/shuiwu-jituan/findings/{finding.id}/revoke", data={"reason": "x"}).status_code == 404
    assert as_user("supervisor").get("/units/caizhengju/branches/NOPE/findings").status_code == 404


# --- a county-defined kind in a rubric veto changes the card -----------------------------------


@pytest.fixture
def app_config(request, tmp_path):
    if "county_veto" in request.fixturenames:
        return {"TENANTS_DIR": str(request.getfixturevalue("county_veto"))}
    return {}


def test_a_county_kind_in_a_veto_caps_the_grade(db, as_user, county, county_veto, runner):
    from core.cli import main

    add_kind(db)
    # Unit overrides live in the database; the file is their import path.
    imported = runner.invoke(main, ["overrides", "import", "--tenant", "caizhengju"])
    assert imported.exit_code == 0, imported.output
    client = as_user("supervisor")

    def card():
        fresh_request()
        from core.host.models import Tenant

        tenant = db.session.get(Tenant, county.tenant_id)
        with use_tenant(county.tenant_id):
            return score_unit(tenant, YEAR, get_registry(), as_of=local_today(), branch_code="B01").to_dict()["branches"][0]

    before = card()
    assert before["grade"] == "五星" and before["vetoes"] == []
    response = client.post("/units/caizhengju/branches/B01/findings", data=finding_form("major_safety_incident"))
    assert response.status_code == 302
    after = card()
    assert after["grade"] == "二星"
    assert [v["title"] for v in after["vetoes"]] == ["发生重大安全生产事故"]
    assert after["vetoes"][0]["citation"]["document"] == "某县国有企业党支部评星定级办法"
    # The condition is worded with the county's label, never the metric's code.
    assert after["vetoes"][0]["condition"] == "发生重大安全生产事故为是"
    page = client.get("/units/caizhengju/branches/B01").get_data(as_text=True)
    assert "一票否决：" in page and "发生重大安全生产事故" in page
    assert "flags." not in page and "major_safety_incident" not in page
    # The unit's page says which vetoes the county set for it, by name.
    standard_page = client.get("/units/caizhengju/standard").get_data(as_text=True)
    assert "发生重大安全生产事故——等级最高为二星（依据：某县国有企业党支部评星定级办法）" in standard_page
    # The kind is read by the unit's own settings in the database and has a finding: the
    # refusal names both as the host admin knows them, not the file they were imported from.
    from core.findings import services
    from core.validation import RecordError

    with pytest.raises(RecordError) as used:
        services.delete_kind(services.kind_by_code("major_safety_incident"))
    refusal = used.value.errors["code"]
    assert "已有 1 条认定属于此类别" in refusal
    assert "单位「县财政局」的本单位评分设置用到了此类别" in refusal
    assert "tenants/" not in refusal and "flags." not in refusal


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_finding_add_checks_the_kind_against_the_database(db, runner, tenant, make_organization):
    from core.cli import main

    make_organization(tenant, code="B01")
    args = ["finding", "add", "--tenant", tenant.slug, "--branch", "B01", "--year", str(YEAR),
            "--decided-on", local_today().isoformat(), "--document", "县组〔2026〕5号"]
    unknown = runner.invoke(main, [*args, "--finding", "major_safety_incident"])
    assert unknown.exit_code != 0 and "认定类别须为" in unknown.output and "weak_and_lax" in unknown.output
    add_kind(db)
    ok = runner.invoke(main, [*args, "--finding", "major_safety_incident"])
    assert ok.exit_code == 0, ok.output
    listed = runner.invoke(main, ["finding", "kinds"])
    assert "major_safety_incident\t发生重大安全生产事故" in listed.output
    with use_tenant(tenant.id):
        assert db.session.scalar(select(Finding.finding)) == "major_safety_incident"
    data = json.loads(runner.invoke(main, ["score", "--tenant", tenant.slug, "--year", str(YEAR), "--json"]).output)
    assert data["branches"][0]["vetoes"] == []  # the organ standard does not read this kind
