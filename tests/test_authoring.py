"""County standards in the database: drafts, publishing, resolution, Excel, pages, unit switches."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import g
from openpyxl import load_workbook
from sqlalchemy import select

from core.app import create_app
from core.authoring import services
from core.authoring.models import StandardVersion, UnitItemSwitch
from core.authoring.workbook import WorkbookProblems, locate, read_workbook, write_workbook
from core.cli import main
from core.plugins.manager import get_registry
from core.scoring.models import Scorecard
from core.scoring.services import score_unit, store_scorecards
from core.standards.loader import load_standard, load_standard_text
from core.tenancy import use_tenant
from tests.conftest import TEST_PASSWORD

ORGAN = Path("plugins/organ/standards/organ-2025.yaml")
NEW_ITEM = {
    "id": "org.local_register",
    "title": "党员名册建立",
    "rule": "党支部应建立党员名册（县里自定）。",
    "max": 1,
    "kind": "threshold",
    "params": {"metric": "organization.member_count", "op": ">=", "target": 1},
    "applies_when": {"metric": "organization.kind", "op": "==", "value": "branch"},
    "citation": "zbtl",
}


def _bigger_branch_size(document: dict) -> dict:
    """The county gives 支部规模适当 3 points instead of 2 and adds one item."""
    item = next(i for b in document["blocks"] for i in b["items"] if i["id"] == "org.branch_size")
    changed = services.with_item(document, "organization", {**item, "max": 3}, replace_id="org.branch_size")
    return services.with_item(changed, "organization", NEW_ITEM)


def _item(result: dict, item_id: str) -> dict:
    return next(i for b in result["blocks"] for i in b["items"] if i["id"] == item_id)


@pytest.fixture
def host(make_user):
    return make_user("host_admin", username="county")


@pytest.fixture
def branch(tenant, make_organization, make_member):
    organization = make_organization(tenant, code="B01", name="机关第一党支部")
    make_member(organization, name="张喆")
    return organization


# -- drafts, publishing, immutability --------------------------------------------------------


def test_published_version_never_changes(db):
    registry = get_registry()
    draft = services.copy_shipped("organ", registry, actor="县委组织部", on=dt.date(2025, 6, 1))
    assert draft.status == "draft" and draft.version.startswith("2025.1-县")
    services.update_draft(draft, _bigger_branch_size(draft.document), registry, actor="县委组织部")
    services.publish(draft, registry, effective_from=dt.date(2026, 1, 1), actor="县委组织部")
    db.session.commit()
    with pytest.raises(services.VersionFrozen):
        services.update_draft(draft, draft.document, registry, actor="县委组织部")
    # Not even a write that bypasses the service gets through.
    draft.document = {**draft.document, "title": "改过的标题"}
    with pytest.raises(services.VersionFrozen):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(StandardVersion, draft.id).document["title"] != "改过的标题"
    # Retiring is the only change a published version takes.
    services.retire(draft, actor="县委组织部")
    db.session.commit()
    assert draft.status == "retired"


def test_a_draft_that_fails_the_checker_is_refused_naming_the_field(db):
    registry = get_registry()
    draft = services.copy_shipped("organ", registry, actor="县委组织部")
    broken = services.with_item(draft.document, "organization", {**NEW_ITEM, "kind": "thresh"})
    with pytest.raises(services.DocumentProblems) as raised:
        services.update_draft(draft, broken, registry, actor="县委组织部")
    assert any("未知的规则类型「thresh」" in p.message and p.field.endswith(".kind") for p in raised.value.problems)
    assert "org.local_register" not in str(db.session.get(StandardVersion, draft.id).document)


def test_a_version_label_is_used_once(db):
    registry = get_registry()
    text = ORGAN.read_text(encoding="utf-8")
    same = services.create_draft("organ", services.parse_yaml(text, origin="x"), registry, actor="t", based_on="x")
    with pytest.raises(services.RecordError, match="已被其他版本使用"):
        services.publish(same, registry, effective_from=dt.date(2026, 1, 1), actor="t")


def test_resolution_picks_the_published_version_in_effect(db):
    registry = get_registry()
    shipped = registry.standard("organ", on=dt.date(2026, 6, 1))
    assert services.effective_standard("organ", on=dt.date(2026, 6, 1), registry=registry) == shipped
    draft = services.copy_shipped("organ", registry, actor="t")
    db.session.commit()
    # A draft is never used for scoring.
    assert services.effective_standard("organ", on=dt.date(2026, 6, 1), registry=registry) == shipped
    services.publish(draft, registry, effective_from=dt.date(2026, 1, 1), actor="t")
    db.session.commit()
    county = services.effective_standard("organ", on=dt.date(2026, 6, 1), registry=registry)
    assert (county.version, county.effective_from) == (draft.version, dt.date(2026, 1, 1))
    assert services.effective_standard("organ", on=dt.date(2025, 12, 31), registry=registry) == shipped
    assert services.effective_standard("soe", on=dt.date(2026, 6, 1), registry=registry).key.startswith("soe")


def test_cards_cite_the_version_they_were_scored_with(db, tenant, branch):
    registry = get_registry()
    old = store_scorecards(score_unit(tenant, 2025, registry, as_of=dt.date(2026, 1, 10)), created_by="t")
    db.session.commit()
    draft = services.copy_shipped("organ", registry, actor="t")
    services.update_draft(draft, _bigger_branch_size(draft.document), registry, actor="t")
    services.publish(draft, registry, effective_from=dt.date(2026, 1, 1), actor="t")
    db.session.commit()
    new = store_scorecards(score_unit(tenant, 2026, registry, as_of=dt.date(2026, 11, 1)), created_by="t")
    db.session.commit()
    with use_tenant(tenant.id):
        cards = {c.id: c for c in db.session.scalars(select(Scorecard))}
        first, second = cards[old[0].id], cards[new[0].id]
        assert (first.standard_key, first.standard_version) == ("organ-2025", "2025.1")
        assert second.standard_version == draft.version
        assert Decimal(str(_item(first.result, "org.branch_size")["max"])) == 2
        assert Decimal(str(_item(second.result, "org.branch_size")["max"])) == 3
        assert _item(second.result, "org.local_register")["status"] == "met"


# -- Excel --------------------------------------------------------------------------------------


def test_round_trip_yaml_database_excel_database_yaml(db, tmp_path):
    registry = get_registry()
    original = load_standard(ORGAN, parameters=registry.unit_type("organ").parameters)
    text = ORGAN.read_text(encoding="utf-8").replace('version: "2025.1"', 'version: "2025.1-rt"')
    first = services.create_draft("organ", services.parse_yaml(text, origin="organ"), registry, actor="t", based_on="YAML")
    workbook = write_workbook(first.document)
    document, _ = read_workbook(workbook)
    second = services.create_draft("organ", document, registry, actor="t", based_on="Excel")
    db.session.commit()
    exported = services.document_yaml(db.session.get(StandardVersion, second.id).document)
    back = load_standard_text(exported, origin="export", parameters=registry.unit_type("organ").parameters)
    assert dataclasses.replace(back, version="2025.1") == original
    assert {k: v for k, v in second.document.items() if v is not None} == {
        k: v for k, v in first.document.items() if v is not None
    }


@pytest.mark.parametrize(
    "path",
    [*sorted(Path("plugins").glob("*/standards/*.yaml")), *sorted(Path("tests/rubrics").glob("*.yaml"))],
    ids=lambda p: p.name,
)
def test_every_construct_survives_the_workbook(db, path):
    """Levels decided from records, compound and negated conditions, findings, deductions with
    counts, targets by case, 不得分 on items and blocks, weighted blocks, class bands: the
    workbook carries every one of them."""
    document = services.parse_yaml(path.read_text(encoding="utf-8"), origin=path.name)
    back, _ = read_workbook(write_workbook(document))
    assert {k: v for k, v in back.items() if v is not None} == {k: v for k, v in document.items() if v is not None}


def test_workbook_problems_name_sheet_row_and_column(db):
    registry = get_registry()
    document = services.shipped_document(registry.standard("organ", on=dt.date(2025, 6, 1)))
    book = load_workbook(io.BytesIO(write_workbook(document)))
    items = book["项目"]
    items["E3"] = "三分"
    items["F4"] = "cadenza"
    data = io.BytesIO()
    book.save(data)
    parsed, origin = read_workbook(data.getvalue())
    problems = locate(services.check_document(parsed, "organ", registry), origin)
    shown = [f"{p.path} {p.field}：{p.message}" for p in problems]
    assert any("第3行 E列「分值」" in line and "应为数字" in line for line in shown), shown
    assert any("第4行 F列「规则类型」" in line and "cadenza" in line for line in shown), shown
    with pytest.raises(WorkbookProblems, match="不是有效的 Excel 文件"):
        read_workbook(b"not a workbook")


# -- web pages ----------------------------------------------------------------------------------


def test_copy_edit_check_preview_publish_in_the_web(db, client, login, host, tenant, branch):
    login(host)
    assert "复制插件标准并修改" in client.get("/host/standards/").get_data(as_text=True)
    response = client.post("/host/standards/copy", data={"unit_type": "organ"})
    assert response.status_code == 302
    version = db.session.scalars(select(StandardVersion)).one()
    page = client.get(f"/host/standards/{version.id}?item=org.branch_size").get_data(as_text=True)
    assert 'name="param.metric"' in page and "organization.member_count" in page
    # Live validation: the loader's message, on the field.
    form = {
        "kind": "threshold", "original_id": "org.branch_size", "block": "organization", "id": "org.branch_size",
        "title": "支部规模适当", "rule": "党支部党员人数一般不超过50人。", "max": "三",
        "param.metric": "organization.member_count", "param.op": "<=", "param.target": "50", "citation": "zbtl",
    }
    checked = client.post(f"/host/standards/{version.id}/check", data=form).get_json()
    assert not checked["ok"] and "应为数字" in checked["fields"]["max"]
    # Changing the kind rebuilds the params from its ParamSpec.
    manual = client.get(f"/host/standards/{version.id}?item=org.branch_size&kind=manual").get_data(as_text=True)
    assert 'name="param.metric"' not in manual
    saved = client.post(f"/host/standards/{version.id}", data={**form, "max": "3"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    added = client.post(
        f"/host/standards/{version.id}",
        data={
            "kind": "threshold", "block": "organization", "id": "org.local_register", "title": "党员名册建立",
            "rule": "党支部应建立党员名册。", "max": "1", "param.metric": "organization.member_count",
            "param.op": ">=", "param.target": "1", "citation": "zbtl",
            "applies_when": "{metric: organization.kind, op: '==', value: branch}",
        },
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    blocks = submitted(client.get(f"/host/standards/{version.id}").get_data(as_text=True), "blocks-form")
    renamed = client.post(f"/host/standards/{version.id}/blocks", data={**blocks, "title.organization": "组织设置"})
    assert renamed.status_code == 302
    db.session.expire_all()
    assert db.session.get(StandardVersion, version.id).document["blocks"][0]["title"] == "组织设置"
    emptied = client.post(f"/host/standards/{version.id}/blocks", data={**blocks, "title.organization": ""})
    assert "应为非空文本" in client.get(emptied.location).get_data(as_text=True)
    preview = client.get(f"/host/standards/{version.id}/preview?year=2026").get_data(as_text=True)
    assert "机关第一党支部" in preview and "党员名册建立" in preview and "支部规模适当" in preview
    workbook = client.get(f"/host/standards/{version.id}/export.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    published = client.post(f"/host/standards/{version.id}/publish", data={"effective_from": "2026-01-01"})
    assert published.status_code == 302
    db.session.expire_all()
    assert db.session.get(StandardVersion, version.id).status == "published"
    outcome = score_unit(tenant, 2026, get_registry(), as_of=dt.date(2026, 11, 1))
    items = {i.id: i for i in outcome.branches[0].result.items()}
    assert items["org.branch_size"].max == 3 and "org.local_register" in items


class _Fields(HTMLParser):
    """What a browser would submit from one form: inputs, checked boxes, selected options and
    textareas (a select without a selected option submits its first)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and (attrs.get("type") != "checkbox" or "checked" in attrs):
            self.values[name] = attrs.get("value") or ""
        elif tag == "select":
            self._select, self._first = name, None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = attrs.get("value") or ""
            if "selected" in attrs:
                self.values[self._select] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, self._first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def submitted(page: str, form_id: str = "item-editor") -> dict[str, str]:
    parser = _Fields(form_id)
    parser.feed(page)
    return parser.values


def _as_written(item: dict) -> dict:
    """An item as the editor writes it: defaults it leaves out are left out."""
    item = services.plain(item)
    if item.get("when_missing") == "failed":
        del item["when_missing"]
    if item.get("owner") == "branch":
        del item["owner"]
    return item


@pytest.mark.parametrize(
    "path",
    [*sorted(Path("plugins").glob("*/standards/*.yaml")), *sorted(Path("tests/rubrics").glob("*.yaml"))],
    ids=lambda p: p.name,
)
def test_every_item_comes_back_from_the_editor_form_unchanged(app, db, path):
    """Opening an item in the editor and saving it changes nothing, whatever constructs it
    uses (levels decided on site or from records, compound conditions, findings, deductions,
    targets by case, owner), so a clerk who changes one field loses none of the others."""
    from flask import render_template_string

    from core.authoring.forms import EditorChoices, item_form, item_from_form, metric_groups

    document = services.parse_yaml(path.read_text(encoding="utf-8"), origin=path.name)
    unit_type = path.parent.parent.name if path.parts[0] == "plugins" else None
    choices = EditorChoices(
        metrics=metric_groups(), sources=[(s["id"], s["document"]) for s in document["sources"]],
        parameters=get_registry().unit_type(unit_type).parameters if unit_type else (), formulas=[],
    )
    template = (
        '{% from "authoring/_item_fields.html" import item_fields %}'
        '<form id="item-editor">{{ item_fields(form, blocks, block, choices, {}) }}</form>'
    )
    with app.test_request_context():
        for block in document["blocks"]:
            for item in block["items"]:
                page = render_template_string(
                    template, form=item_form(item, None), blocks=document["blocks"], block=block["id"], choices=choices
                )
                posted = submitted(page)
                assert posted["block"] == block["id"]
                back, problems = item_from_form(posted, posted["kind"])
                assert problems == {}
                assert back == _as_written(item), item["id"]


def test_editor_switches_an_item_to_levels_and_writes_compound_conditions_from_rows(db, client, login, host):
    login(host)
    client.post("/host/standards/copy", data={"unit_type": "organ"})
    version = db.session.scalars(select(StandardVersion)).one()
    url = f"/host/standards/{version.id}"
    # 作用发挥 (on site, 5 points) becomes 好/较好/一般/差: the form offers one row per level.
    page = client.get(f"{url}?item=inspect.role&kind=levels").get_data(as_text=True)
    form = submitted(page)
    assert form["kind"] == "levels" and form["title"] == "作用发挥"
    assert "param.levels.2.points" in form and "param.levels" not in form
    levels = {"param.levels.0.name": "好", "param.levels.0.points": "5", "param.levels.1.name": "较好",
              "param.levels.1.points": "5"}
    same = client.post(f"{url}/check", data={**form, **levels}).get_json()
    assert not same["ok"] and "两个档次都是5分" in same["fields"]["param.levels"]
    levels.update({"param.levels.1.points": "4", "param.levels.2.name": "一般", "param.levels.2.points": "3",
                   "param.levels.3.name": "差", "param.levels.3.points": "0"})
    assert client.post(url, data={**form, **levels, "param.levels.3.when": ""}).status_code == 302
    # A new item whose condition is two rows joined by 并且, and a 不得分 condition of two rows
    # joined by 或者, one a county finding and one negated.
    page = client.get(f"{url}?block=organization&kind=threshold").get_data(as_text=True)
    new = {
        **submitted(page), "id": "org.local_register", "title": "党员名册建立", "rule": "党支部应建立党员名册。",
        "max": "1", "param.metric": "organization.member_count", "param.op": ">=", "param.target": "1",
        "citation": "zbtl",
        "applies_when.join": "all_of",
        "applies_when.0.metric": "organization.kind", "applies_when.0.op": "==", "applies_when.0.value": "branch",
        "applies_when.1.metric": "organization.member_count", "applies_when.1.op": ">=", "applies_when.1.value": "3",
        "zero_when.join": "any_of",
        "zero_when.0.metric": "flags.weak_and_lax", "zero_when.0.op": "is_true",
        "zero_when.1.not": "1", "zero_when.1.metric": "organization.has_secretary", "zero_when.1.op": "is_true",
    }
    unknown = client.post(f"{url}/check", data={**new, "applies_when.1.metric": "organization.no_such"}).get_json()
    assert "不在指标目录中" in unknown["fields"]["applies_when"]
    saved = client.post(url, data=new)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    items = {i["id"]: i for b in db.session.get(StandardVersion, version.id).document["blocks"] for i in b["items"]}
    assert items["inspect.role"]["kind"] == "levels"
    assert items["inspect.role"]["params"]["levels"] == [
        {"name": "好", "points": 5}, {"name": "较好", "points": 4}, {"name": "一般", "points": 3}, {"name": "差", "points": 0}
    ]
    assert items["org.local_register"]["applies_when"] == {"all_of": [
        {"metric": "organization.kind", "op": "==", "value": "branch"},
        {"metric": "organization.member_count", "op": ">=", "value": 3},
    ]}
    assert items["org.local_register"]["zero_when"] == {"any_of": [
        {"finding": "weak_and_lax"}, {"not": {"metric": "organization.has_secretary", "op": "is_true"}},
    ]}
    # Opened again, the rows show what was saved.
    again = submitted(client.get(f"{url}?item=org.local_register").get_data(as_text=True))
    assert again["applies_when.1.value"] == "3" and again["zero_when.join"] == "any_of"
    assert again["zero_when.1.not"] == "1" and again["applies_when"] == ""


def test_bad_upload_changes_nothing_and_says_where(db, client, login, host):
    login(host)
    response = client.post(
        "/host/standards/upload",
        data={"unit_type": "organ", "file": (io.BytesIO(b"key: x\nversion: 1\n"), "bad.yaml")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "版本号应为文本" in page and "缺少必填字段" in page
    assert db.session.scalars(select(StandardVersion)).first() is None


def test_pages_are_for_the_county_only(db, client, login, make_user, tenant):
    login(make_user("unit_admin", tenant=tenant))
    assert client.get("/host/standards/").status_code == 403


# -- unit switches ------------------------------------------------------------------------------


def test_switched_off_item_counts_only_after_approval(db, tenant, branch):
    registry = get_registry()
    draft = services.copy_shipped("organ", registry, actor="t")
    services.publish(draft, registry, effective_from=dt.date(2026, 1, 1), actor="t")
    draft.county_standard.unit_may_disable = ["support.facilities"]
    db.session.commit()
    known = [i["id"] for b in draft.document["blocks"] for i in b["items"]]
    with use_tenant(tenant.id):
        with pytest.raises(services.RecordError, match="须说明理由"):
            services.request_switch_off(tenant, "support.facilities", " ", actor="单位", known_items=known)
        with pytest.raises(services.RecordError, match="未允许单位停用"):
            services.request_switch_off(tenant, "dues.on_time", "无", actor="单位", known_items=known)
        switch = services.request_switch_off(
            tenant, "support.facilities", "与县委党校共用活动场所", actor="单位", known_items=known
        )
        db.session.commit()
    before = score_unit(tenant, 2026, registry, as_of=dt.date(2026, 11, 1))
    assert "support.facilities" in {i.id for i in before.branches[0].result.items()}
    with use_tenant(tenant.id):
        services.decide_switch(db.session.get(UnitItemSwitch, switch.id), approve=True, actor="督导", on=dt.date(2026, 3, 1))
        db.session.commit()
    after = score_unit(tenant, 2026, registry, as_of=dt.date(2026, 11, 1))
    assert "support.facilities" not in {i.id for i in after.branches[0].result.items()}
    assert any("已停用" in w and "与县委党校共用活动场所" in w and "督导" in w for w in after.warnings)


# -- commands and several servers -------------------------------------------------------------


def test_standard_commands(db, runner, tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text(ORGAN.read_text(encoding="utf-8").replace('version: "2025.1"', 'version: "2026.1"'), encoding="utf-8")
    imported = runner.invoke(main, ["standard", "import", str(path), "--unit-type", "organ"])
    assert imported.exit_code == 0 and "已导入为草稿" in imported.output, imported.output
    diff = runner.invoke(main, ["standard", "diff", "plugin:organ", "organ:1"])
    assert "版本号：2025.1 → 2026.1" in diff.output
    published = runner.invoke(main, ["standard", "publish", "organ:1", "--effective-from", "2026-01-01"])
    assert published.exit_code == 0, published.output
    shown = runner.invoke(main, ["standard", "show", "organ", "--on", "2026-05-01"])
    assert "2026.1" in shown.output
    exported = runner.invoke(main, ["standard", "export", "organ:1"])
    assert 'effective_from: \'2026-01-01\'' in exported.output
    again = runner.invoke(main, ["standard", "publish", "organ:1", "--effective-from", "2026-01-01"])
    assert again.exit_code == 1 and "已发布或已停用的版本不能修改" in again.output


def test_the_changes_are_worded_as_the_card_words_them(db, runner, tmp_path):
    """Preview and ``standard diff`` name what changed in Chinese: conditions as the card words
    them, metrics and the county's finding kinds by their labels, never as the file writes them."""
    from core.findings.models import FindingKind

    db.session.add(FindingKind(code="major_safety_incident", label_zh="发生重大安全生产事故", source="县安委会认定", position=9))
    db.session.commit()
    text = ORGAN.read_text(encoding="utf-8")
    document = services.parse_yaml(text, origin="organ")
    item = next(i for b in document["blocks"] for i in b["items"] if i["id"] == "org.branch_size")
    changed = services.with_item(document, "organization", {
        **item, "applies_when": {"all_of": [
            {"metric": "organization.member_count", "op": ">=", "value": 3},
            {"not": {"finding": "major_safety_incident"}},
        ]},
    }, replace_id="org.branch_size")
    changed["vetoes"] = [*changed.get("vetoes", []), {
        "id": "veto.safety", "title": "发生重大安全生产事故", "when": {"finding": "major_safety_incident"},
        "cap": "二星", "citation": "zbtl",
    }]
    path = tmp_path / "county.yaml"
    path.write_text(services.document_yaml(changed), encoding="utf-8")
    assert runner.invoke(main, ["standard", "import", str(path), "--unit-type", "organ"]).exit_code == 0
    diff = runner.invoke(main, ["standard", "diff", "plugin:organ", "organ:1"]).output
    assert "项目「支部规模适当」适用条件：组织类别等于 党支部 → 党员人数不少于 3并且并非（发生重大安全生产事故为是）" in diff
    assert "一票否决：新增「发生重大安全生产事故」（名称：发生重大安全生产事故，条件：发生重大安全生产事故为是，最高等级：二星，依据：zbtl）" in diff
    assert "flags." not in diff and "major_safety_incident" not in diff and "organization." not in diff
    assert '{"' not in diff  # no document written out as the file holds it


def test_overrides_import_puts_the_file_in_the_database(db, runner, tenant, branch, tmp_path):
    folder = tmp_path / "overrides"
    folder.mkdir()
    (folder / f"{tenant.slug}.yaml").write_text(
        "parameters:\n  training_hours_member: 24\ndisabled_items:\n  support.facilities: 与县委党校共用活动场所\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["overrides", "import", "--dir", str(folder)])
    assert result.exit_code == 0 and "停用项目 1 项" in result.output, result.output
    (folder / f"{tenant.slug}.yaml").unlink()  # the file is an import path, not live configuration
    outcome = score_unit(tenant, 2025, get_registry(), as_of=dt.date(2026, 1, 10))
    assert "support.facilities" not in {i.id for i in outcome.branches[0].result.items()}
    assert any("32" in w and "24" in w for w in outcome.warnings)


def test_two_app_instances_see_the_same_configuration(app, db, database_url, tenant, branch, tmp_path):
    registry = get_registry()
    draft = services.copy_shipped("organ", registry, actor="t")
    services.update_draft(draft, _bigger_branch_size(draft.document), registry, actor="t")
    services.publish(draft, registry, effective_from=dt.date(2026, 1, 1), actor="t")
    with use_tenant(tenant.id):
        db.session.add(UnitItemSwitch(
            tenant_id=tenant.id, item_id="support.facilities", reason="共用场所", requested_by="单位",
            status="approved", decided_by="督导", decided_on=dt.date(2026, 2, 1),
        ))
        db.session.commit()
    first_engine = db.engine
    empty = tmp_path / "no-tenants"
    empty.mkdir()
    other = create_app({
        "DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret", "TENANTS_DIR": str(empty),
    })
    with other.app_context():
        from core.extensions import db as other_db
        from core.host.models import Tenant

        assert other_db.engine is not first_engine  # its own pool, as a second server would have
        unit = other_db.session.get(Tenant, tenant.id)
        outcome = score_unit(unit, 2026, get_registry(), as_of=dt.date(2026, 11, 1))
        items = {i.id: i for i in outcome.branches[0].result.items()}
        assert outcome.branches[0].result.standard_version == draft.version
        assert items["org.branch_size"].max == 3 and "support.facilities" not in items
        other_db.session.close()
        other_db.session.remove()
        other_db.engine.dispose()
    gc.collect()  # the second app's connections are gone before the next test starts


def test_a_second_process_on_the_same_database_scores_with_the_same_configuration(
    db, database_url, tenant, branch, tmp_path
):
    """What one server stores (a published county version, an approved switch, a unit's own item
    and bands) another server process sees, with no file under ``tenants/``."""
    registry = get_registry()
    version = _county_standard(registry, items=True, bands=True)
    bigger = services.copy_version(version, registry, actor="t")
    services.update_draft(bigger, _bigger_branch_size(bigger.document), registry, actor="t")
    services.publish(bigger, registry, effective_from=dt.date(2026, 1, 1), actor="t")
    standard = services.effective_standard("organ", on=dt.date(2026, 12, 31), registry=registry)
    with use_tenant(tenant.id):
        db.session.add(UnitItemSwitch(
            tenant_id=tenant.id, item_id="support.facilities", reason="共用场所", requested_by="单位",
            status="approved", decided_by="督导", decided_on=dt.date(2026, 2, 1),
        ))
        services.save_unit_item(tenant, standard, "organization", {
            "id": "local.x", "title": "本单位项目", "rule": "本单位自定。", "max": 1, "kind": "manual",
        }, registry)
        services.set_unit_bands(tenant, standard, ["1", "0.8", "0.6", "0.4", "0"])
    db.session.commit()
    empty = tmp_path / "no-tenants"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANCHMARK_")}
    env.update({"BRANCHMARK_DATABASE_URL": database_url, "BRANCHMARK_TENANTS_DIR": str(empty)})
    done = subprocess.run(
        [str(Path(sys.executable).with_name("branchmark")), "score", "--tenant", tenant.slug, "--year", "2026",
         "--as-of", "2026-11-01", "--json"],
        env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    scored = json.loads(done.stdout)
    card = scored["branches"][0]
    items = {i["id"]: i for block in card["blocks"] for i in block["items"]}
    assert scored["standard"]["version"] == bigger.version
    assert items["org.branch_size"]["max"] == "3" and "org.local_register" in items
    assert "support.facilities" not in items and "local.x" in items
    assert card["grade"] == "五星"


def test_unit_page_switch_needs_the_supervisor(app, db, client, login, make_user, tenant, branch):
    registry = get_registry()
    draft = services.copy_shipped("organ", registry, actor="t")
    services.publish(draft, registry, effective_from=dt.date(2000, 1, 1), actor="t")
    draft.county_standard.unit_may_disable = ["support.facilities"]
    db.session.commit()
    admin = make_user("unit_admin", tenant=tenant)
    supervisor = make_user("supervisor", username="jg-dudao", scope_unit_types=["organ"])
    login(admin)
    page = client.get(f"/units/{tenant.slug}/standard").get_data(as_text=True)
    # Only what the county allows is offered.
    assert 'value="support.facilities">活动阵地（六有）' in page and 'value="dues.on_time"' not in page
    refused = client.post(f"/units/{tenant.slug}/standard", data={"item_id": "support.facilities", "reason": ""})
    assert refused.status_code == 400 and "停用项目须说明理由" in refused.get_data(as_text=True)
    sent = client.post(f"/units/{tenant.slug}/standard", data={"item_id": "support.facilities", "reason": "与县委党校共用活动场所"})
    assert sent.status_code == 302
    with use_tenant(tenant.id):
        switch = db.session.scalars(select(UnitItemSwitch)).one()
        assert switch.status == "requested"
        switch_id = switch.id  # read inside the unit: under RLS the row is invisible outside it
    assert client.post(f"/units/{tenant.slug}/standard/switches/{switch_id}/decide", data={"decision": "approve"}).status_code == 403
    # Requests share the test's app context, so Flask-Login's cached user must be forgotten.
    g.pop("_login_user", None)
    other = app.test_client()
    assert other.post("/login", data={"username": supervisor.username, "password": TEST_PASSWORD}).status_code == 302
    decided = other.post(f"/units/{tenant.slug}/standard/switches/{switch_id}/decide", data={"decision": "approve"})
    assert decided.status_code == 302
    outcome = score_unit(tenant, dt.date.today().year, registry)
    assert any("已停用" in w and "与县委党校共用活动场所" in w for w in outcome.warnings)


# -- a unit's own parameters, items and bands in the web -----------------------------------------

LOCAL_ITEM = {
    "kind": "threshold", "block": "organization", "id": "local.groups", "title": "划分党小组（本单位）",
    "rule": "本单位各支部均应划分党小组。", "max": "2", "param.metric": "organization.group_count",
    "param.op": ">=", "param.target": "1", "citation": "zbtl",
}


def _county_standard(registry, *, items: bool, bands: bool) -> StandardVersion:
    version = services.copy_shipped("organ", registry, actor="县委组织部")
    services.publish(version, registry, effective_from=dt.date(2000, 1, 1), actor="县委组织部")
    version.county_standard.units_may_add_items = items
    version.county_standard.units_may_set_bands = bands
    return version


def test_unit_admin_sets_own_parameters_flagged_below_the_national_floor(db, client, login, make_user, tenant, branch):
    login(make_user("unit_admin", tenant=tenant))
    url = f"/units/{tenant.slug}/standard"
    bad = client.post(f"{url}/parameters", data={"key": "training_hours_member", "value": "三十"})
    assert bad.status_code == 400 and "应为数字" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert "training_hours_member" not in (db.session.get(type(tenant), tenant.id).parameters or {})
    low = client.post(f"{url}/parameters", data={"key": "training_hours_member", "value": "24"}, follow_redirects=True)
    text = low.get_data(as_text=True)
    assert "已保存本单位参数：党员每年集中学习培训学时" in text
    assert "低于全国底线32学时（《中国共产党党员教育管理工作条例》第二十条）" in text
    db.session.expire_all()
    assert db.session.get(type(tenant), tenant.id).parameters["training_hours_member"] == 24
    outcome = score_unit(tenant, 2026, get_registry(), as_of=dt.date(2026, 11, 1))
    assert any("低于全国底线" in w for w in outcome.warnings)
    cleared = client.post(f"{url}/parameters", data={"key": "training_hours_member", "value": ""})
    assert cleared.status_code == 302
    db.session.expire_all()
    assert "training_hours_member" not in db.session.get(type(tenant), tenant.id).parameters


def test_unit_adds_its_own_item_only_when_the_county_allows(db, client, login, make_user, tenant, branch):
    registry = get_registry()
    login(make_user("unit_admin", tenant=tenant))
    url = f"/units/{tenant.slug}/standard"
    assert "县委组织部未允许单位增加评分项目" in client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/items", data=LOCAL_ITEM)
    assert refused.status_code == 400 and "县委组织部未允许单位增加评分项目" in refused.get_data(as_text=True)
    _county_standard(registry, items=True, bands=False)
    db.session.commit()
    form = submitted(client.get(f"{url}?kind=threshold").get_data(as_text=True))
    assert form["kind"] == "threshold" and "applies_when.0.metric" in form
    # Checked like an item of the standard: the field is named, nothing is stored.
    clash = client.post(f"{url}/items", data={**form, **LOCAL_ITEM, "id": "org.branch_size"})
    assert clash.status_code == 400 and "项目编号「org.branch_size」重复" in clash.get_data(as_text=True)
    live = client.post(f"{url}/items/check", data={**form, **LOCAL_ITEM, "max": "两"}).get_json()
    assert not live["ok"] and "应为数字" in live["fields"]["max"]
    with use_tenant(tenant.id):
        assert services.unit_items(tenant.id) == []
    saved = client.post(f"{url}/items", data={**form, **LOCAL_ITEM})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    result = score_unit(tenant, 2026, registry, as_of=dt.date(2026, 11, 1)).branches[0].result
    block = next(b for b in result.blocks if b.id == "organization")
    assert "local.groups" in [i.id for i in block.items]
    assert result.item("local.groups").status == "failed"  # the branch has no party group
    page = client.get(url).get_data(as_text=True)
    assert 'data-own-item="local.groups"' in page and "划分党小组（本单位）" in page
    # Changed in the same form, then removed.
    edit = submitted(client.get(f"{url}?item=local.groups").get_data(as_text=True))
    assert edit["original_id"] == "local.groups" and edit["max"] == "2"
    assert client.post(f"{url}/items", data={**edit, "max": "3"}).status_code == 302
    with use_tenant(tenant.id):
        assert [(b, i["max"]) for b, i in services.unit_items(tenant.id)] == [("organization", 3)]
    assert client.post(f"{url}/items/remove", data={"item": "local.groups"}).status_code == 302
    with use_tenant(tenant.id):
        assert services.unit_items(tenant.id) == []


def test_unit_sets_its_own_bands_only_when_the_county_allows(db, client, login, make_user, tenant, branch):
    registry = get_registry()
    login(make_user("unit_admin", tenant=tenant))
    url = f"/units/{tenant.slug}/standard"
    before = score_unit(tenant, 2026, registry, as_of=dt.date(2026, 11, 1)).branches[0].result
    generous = {"band.0": "1", "band.1": "0.8", "band.2": "0.6", "band.3": "0.4", "band.4": "0"}
    refused = client.post(f"{url}/bands", data=generous)
    assert refused.status_code == 400 and "县委组织部未允许单位调整等级划分" in refused.get_data(as_text=True)
    _county_standard(registry, items=False, bands=True)
    db.session.commit()
    disordered = client.post(f"{url}/bands", data={**generous, "band.2": "0.9"})
    text = disordered.get_data(as_text=True)
    assert disordered.status_code == 400 and "「三星」的最低分应低于上一等级的0.8分" in text
    not_zero = client.post(f"{url}/bands", data={**generous, "band.4": "0.1"}).get_data(as_text=True)
    assert "最低一等「一星」的最低分应为0" in not_zero
    assert client.post(f"{url}/bands", data=generous).status_code == 302
    after = score_unit(tenant, 2026, registry, as_of=dt.date(2026, 11, 1)).branches[0].result
    assert before.grade != "五星" and after.grade == "五星" and after.total == before.total
    assert client.post(f"{url}/bands", data={"reset": "1"}).status_code == 302
    again = score_unit(tenant, 2026, registry, as_of=dt.date(2026, 11, 1)).branches[0].result
    assert again.grade == before.grade


@pytest.mark.parametrize("role", ["secretary", "supervisor"])
def test_only_the_unit_admin_or_county_changes_the_units_settings(db, client, login, make_user, tenant, branch, role):
    _county_standard(get_registry(), items=True, bands=True)
    db.session.commit()
    user = (
        make_user("secretary", tenant, organization_code="B01") if role == "secretary"
        else make_user("supervisor", username="jg-dudao", scope_unit_types=["organ"])
    )
    login(user)
    url = f"/units/{tenant.slug}/standard"
    page = client.get(url)
    assert page.status_code == 200 and 'id="item-editor"' not in page.get_data(as_text=True)
    assert client.post(f"{url}/parameters", data={"key": "training_hours_member", "value": "40"}).status_code == 403
    assert client.post(f"{url}/items", data=LOCAL_ITEM).status_code == 403
    assert client.post(f"{url}/bands", data={"reset": "1"}).status_code == 403


def test_every_change_to_what_scores_a_unit_goes_through_one_place(db, monkeypatch, tenant, branch):
    """Stored results are to be marked stale in ``units_to_rescore`` only: every service that
    changes scoring calls it with the units it affects."""
    calls: list[tuple[str | None, list[int]]] = []
    real = services.units_to_rescore

    def record(unit_type=None, *, tenant_ids=()):
        calls.append((unit_type, list(tenant_ids)))
        return real(unit_type, tenant_ids=tenant_ids)

    monkeypatch.setattr(services, "units_to_rescore", record)
    registry = get_registry()
    version = _county_standard(registry, items=True, bands=True)
    version.county_standard.unit_may_disable = ["support.facilities"]
    assert services.publish(services.copy_version(version, registry, actor="t"), registry,
                            effective_from=dt.date(2001, 1, 1), actor="t") == [tenant.id]
    standard = services.effective_standard("organ", on=dt.date(2026, 12, 31), registry=registry)
    with use_tenant(tenant.id):
        services.set_unit_parameter(tenant, registry.unit_type("organ").parameter("training_hours_member"), "40")
        services.save_unit_item(tenant, standard, "organization", {
            "id": "local.x", "title": "本单位项目", "rule": "本单位自定。", "max": 1, "kind": "manual",
        }, registry)
        services.remove_unit_item(tenant, "local.x")
        services.set_unit_bands(tenant, standard, ["90", "80", "70", "60", "0"])
        switch = services.request_switch_off(tenant, "support.facilities", "共用场所", actor="单位",
                                             known_items=["support.facilities"])
        services.decide_switch(switch, approve=True, actor="督导", on=dt.date(2026, 3, 1))
    services.retire(version, actor="t")
    # _county_standard published once, then the new version; the unit's five changes; the retirement.
    assert calls == [("organ", [])] * 2 + [(None, [tenant.id])] * 5 + [("organ", [])]


def test_a_county_parameter_rescores_the_units_it_touches(db, monkeypatch, tenant, make_tenant, branch):
    """A county parameter is host-level (no unit's record is written): the unit type's parameter
    reaches every unit of that type, the top-grade quota every unit; the ranking rules none."""
    from core.host import services as host_services

    other = make_tenant(slug="school-x", unit_type="school")
    calls: list[list[int]] = []
    real = services.units_to_rescore

    def record(unit_type=None, *, tenant_ids=()):
        affected = real(unit_type, tenant_ids=tenant_ids)
        calls.append(affected)
        return affected

    monkeypatch.setattr(services, "units_to_rescore", record)
    host_services.set_county_parameter("organ.training_hours_member", "40")
    host_services.set_county_parameter("organ.training_hours_member", "40")  # unchanged: nothing
    host_services.set_county_parameter("organ.training_hours_member", "")  # cleared: back to default
    host_services.set_county_parameter("county.top_grade_quota", "0.3")
    host_services.set_county_parameter("county.ranking_rules", {"praise_top": "3", "bar_bottom": "3", "interview_bottom": "2"})
    assert calls == [[tenant.id], [tenant.id], sorted([tenant.id, other.id])]


def test_blocks_are_added_with_their_first_item_renamed_reweighted_and_removed_at_once(db, client, login, host):
    registry = get_registry()
    login(host)
    client.post("/host/standards/copy", data={"unit_type": "organ"})
    version = db.session.scalars(select(StandardVersion)).one()
    url = f"/host/standards/{version.id}"
    form = submitted(client.get(f"{url}?kind=manual").get_data(as_text=True))
    item = {**form, "id": "local.feature", "title": "本县特色工作", "rule": "开展本县特色党建工作。", "max": "5",
            "citation": "zbtl", "block": "__new__"}
    nameless = client.post(f"{url}/check", data=item).get_json()
    assert nameless["fields"]["block"] == "请填写新块的名称"
    assert client.post(url, data={**item, "new_block": "特色工作"}).status_code == 302
    db.session.expire_all()
    document = db.session.get(StandardVersion, version.id).document
    added = document["blocks"][-1]
    assert (added["title"], added["max"], [i["id"] for i in added["items"]]) == ("特色工作", 5, ["local.feature"])
    assert document["max"] == 105
    blocks = submitted(client.get(url).get_data(as_text=True), "blocks-form")
    removed = client.post(f"{url}/blocks", data={**blocks, "remove": added["id"]})
    assert removed.status_code == 302
    db.session.expire_all()
    document = db.session.get(StandardVersion, version.id).document
    assert [b["id"] for b in document["blocks"]][-1] != added["id"] and document["max"] == 100

    # A weighted standard's weights change together: one at a time would never add up to 1.
    weighted = services.create_draft(
        "organ", services.parse_yaml(Path("tests/rubrics/yuanxi-kaoping.yaml").read_text(encoding="utf-8"), origin="y"),
        registry, actor="t", based_on="YAML",
    )
    db.session.commit()
    url = f"/host/standards/{weighted.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="__new__"' not in page
    blocks = submitted(page, "blocks-form")
    assert set(k for k in blocks if k.startswith("weight.")) == {"weight.a", "weight.c"}
    too_much = client.post(f"{url}/blocks", data={**blocks, "weight.a": "0.6"}, follow_redirects=True)
    assert "各块权重合计1.1，应为1" in too_much.get_data(as_text=True)
    assert client.post(f"{url}/blocks", data={**blocks, "weight.a": "0.6", "weight.c": "0.4"}).status_code == 302
    db.session.expire_all()
    assert [b["weight"] for b in db.session.get(StandardVersion, weighted.id).document["blocks"]] == [0.6, 0.4]


def test_the_editor_names_every_param_and_choice_in_chinese():
    """A new param or choice of a rule kind needs its Chinese name before the editor shows it."""
    from core.authoring.forms import CONDITION_CHOICES, OWNER_LABELS
    from core.standards.loader import OWNERS
    from core.standards.model import CONDITION_OPERATORS
    from core.standards.rules import CHOICE_LABELS, PARAM_LABELS, RULE_KINDS

    for kind in RULE_KINDS.values():
        for name, spec in kind.params.items():
            assert name in PARAM_LABELS, f"{kind.name}.{name}"
            assert all(choice in CHOICE_LABELS for choice in spec.choices), f"{kind.name}.{name}"
    assert set(CONDITION_CHOICES) == set(CONDITION_OPERATORS)
    assert set(OWNER_LABELS) == set(OWNERS)
