"""The calculators and standard commands from the shell, and unit overrides from ``tenants/``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from core.cli import main
from core.plugins.manager import get_registry
from core.scoring.services import score_unit


def run(runner, *args):
    return runner.invoke(main, list(args))


@pytest.mark.parametrize(
    ("category", "base", "rate", "amount"),
    [
        ("employed", "3000", "0.005", "15.00"),
        ("employed", "3000.01", "0.01", "30.00"),
        ("employed", "5400", "0.015", "81.00"),
        ("employed", "11500", "0.02", "230.00"),
        ("retired", "5000", "0.005", "25.00"),
        ("retired", "5000.01", "0.01", "50.00"),
    ],
)
def test_dues_json(runner, category, base, rate, amount):
    result = run(runner, "dues", "--category", category, "--base", base, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == {**data, "category": category, "rate": rate, "amount": amount}
    assert data["base"] == f"{float(base):.2f}" and "中组发〔2008〕3号" in data["rule"]


def test_dues_fixed_amount_and_bad_input(runner):
    data = json.loads(run(runner, "dues", "--category", "unemployed", "--json").output)
    assert data["amount"] == "0.20" and data["rate"] is None
    bad = run(runner, "dues", "--category", "employed", "--base", "-1")
    assert bad.exit_code != 0 and "不能为负数" in bad.output
    unknown = run(runner, "dues", "--category", "nobody")
    assert unknown.exit_code != 0 and "党员类别「nobody」无效" in unknown.output


def test_calc_funding_and_staffing(runner):
    funding = json.loads(
        run(runner, "calc", "funding", "--unit-type", "organ", "public_operating_expenses=1000000", "--json").output
    )
    assert funding["value"] == "35000.00" and funding["source"]["tag"] == "L"
    assert {"formula", "unit_type", "inputs", "value", "explanation", "source"} <= set(funding)
    staffing = json.loads(run(runner, "calc", "staffing", "--unit-type", "organ", "members=60", "--json").output)
    assert staffing["value"] == "3"
    institution = json.loads(
        run(runner, "calc", "funding", "--unit-type", "institution", "public_operating_expenses=1000000", "--json").output
    )
    assert institution["value"] == "20000.00"


def test_calc_list_and_unknown_formula(runner):
    listed = json.loads(run(runner, "calc", "--list", "--unit-type", "two_new", "--json").output)
    assert "funding" in {row["formula"] for row in listed}
    missing = run(runner, "calc", "nothing", "--unit-type", "organ")
    assert missing.exit_code != 0 and "没有公式 nothing" in missing.output
    missing_input = run(runner, "calc", "funding", "--unit-type", "organ")
    assert missing_input.exit_code != 0 and "正常公用经费总额" in missing_input.output


def test_standard_check_points_at_line_and_field(runner, tmp_path):
    good = run(runner, "standard", "check", "plugins/organ/standards/organ-2025.yaml", "--unit-type", "organ")
    assert good.exit_code == 0 and "没有发现问题" in good.output
    text = Path("plugins/organ/standards/organ-2025.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("kind: cadence", "kind: cadenza", 1), encoding="utf-8")
    line = text[: text.index("kind: cadence")].count("\n") + 1
    result = run(runner, "standard", "check", str(broken))
    assert result.exit_code == 1
    assert f"broken.yaml:{line}:" in result.output and "cadenza" in result.output


def test_standard_show_prints_rubric_with_sources(runner):
    result = run(runner, "standard", "show", "soe")
    assert result.exit_code == 0, result.output
    assert "国有企业" in result.output and "五星" in result.output and "[V]" in result.output


class TestUnitOverrides:
    @pytest.fixture
    def tenants_dir(self, tmp_path):
        (tmp_path / "overrides").mkdir()
        return tmp_path

    @pytest.fixture
    def app_config(self, tenants_dir):
        return {"TENANTS_DIR": str(tenants_dir)}

    def test_override_below_national_floor_is_warned_with_its_source(
        self, db, tenants_dir, tenant, make_organization, runner
    ):
        make_organization(tenant, code="B01")
        (tenants_dir / "overrides" / f"{tenant.slug}.yaml").write_text(
            "parameters:\n  training_hours_member: 24\ndisabled_items:\n  support.facilities: 本单位与县委党校共用活动场所\n",
            encoding="utf-8",
        )
        assert run(runner, "overrides", "import", "--tenant", tenant.slug).exit_code == 0
        outcome = score_unit(tenant, 2025, get_registry(), as_of=dt.date(2026, 1, 10))
        warnings = " ".join(outcome.warnings)
        assert "24" in warnings and "32" in warnings and "党员教育管理工作条例" in warnings
        items = {i.id for i in outcome.branches[0].result.items()}
        assert "support.facilities" not in items

    def test_override_of_one_unit_leaves_others_alone(
        self, db, tenants_dir, tenant, other_tenant, make_organization, runner
    ):
        make_organization(tenant, code="B01")
        make_organization(other_tenant, code="B01")
        (tenants_dir / "overrides" / f"{tenant.slug}.yaml").write_text(
            "parameters:\n  training_hours_member: 24\n", encoding="utf-8"
        )
        assert run(runner, "overrides", "import").exit_code == 0
        other = score_unit(other_tenant, 2025, get_registry(), as_of=dt.date(2026, 1, 10))
        assert not any("24" in w for w in other.warnings)

    def test_bad_override_file_names_the_file(self, db, tenants_dir, tenant, make_organization, runner):
        make_organization(tenant, code="B01")
        (tenants_dir / "overrides" / f"{tenant.slug}.yaml").write_text("colour: red\n", encoding="utf-8")
        result = runner.invoke(main, ["overrides", "import", "--tenant", tenant.slug])
        assert result.exit_code != 0
        assert f"{tenant.slug}.yaml" in str(result.exception) + result.output
