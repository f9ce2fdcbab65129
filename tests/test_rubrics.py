"""The shipped rubric files: they pass the checks, cite their sources, and score real branches."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core.plugins import create_registry
from core.standards import ManualScore, TenantOverrides, check_standard_file, evaluate
from core.standards.formulas import evaluate_formula
from core.standards.rules import RULE_KINDS
from tests.standards_fixtures import YEAR_END, good_branch, quarterly

ROOT = Path(__file__).parents[1]
HOSPITAL = ROOT / "examples" / "hospital_plugin"
FULL_ONSITE = {"inspect.records": ManualScore(Decimal(5)), "inspect.role": ManualScore(Decimal(5))}


@pytest.fixture(scope="module")
def hospital_module():
    sys.path.insert(0, str(HOSPITAL))
    try:
        import branchmark_hospital

        yield branchmark_hospital
    finally:
        sys.path.remove(str(HOSPITAL))


@pytest.fixture(scope="module")
def registry(hospital_module):
    return create_registry(load_entry_points=False, extra_plugins=[hospital_module])


def score(registry, unit_type: str, facts, *, on: dt.date, overrides=None, **inputs):
    """Score facts with the unit type's standard in effect on ``on`` and its formulas."""
    return evaluate(
        registry.standard(unit_type, on=on), overrides, facts, on=on,
        formulas=registry.formula_table(unit_type), **inputs,
    )


def unit_type_keys() -> list[str]:
    return ["organ", "institution", "soe", "two_new", "school", "hospital"]


@pytest.mark.parametrize("key", unit_type_keys())
def test_rubric_files_pass_the_check(registry, key: str) -> None:
    unit_type = registry.unit_type(key)
    assert unit_type.standard_files
    for path in unit_type.standard_files:
        problems = check_standard_file(
            path,
            parameters=unit_type.parameters,
            formulas={formula.name for formula in registry.formulas(key)},
            facility_keys={item.key for item in unit_type.facility_checklist},
        )
        assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("key", unit_type_keys())
def test_every_item_and_rule_cites_a_tagged_source(registry, key: str) -> None:
    standard = registry.standard(key, on=YEAR_END)
    for block in standard.blocks:
        for item in block.items:
            assert item.citation is not None, item.id
            assert item.citation.tag in ("V", "V-full", "U", "L")
    assert standard.bands_citation is not None
    assert all(veto.citation for veto in standard.vetoes)
    assert standard.quota is not None and standard.quota.max_share == Decimal("0.3")
    assert [band.grade for band in standard.bands] == ["五星", "四星", "三星", "二星", "一星"]
    assert [band.min for band in standard.bands] == [90, 80, 70, 60, 0]


@pytest.mark.parametrize("key", unit_type_keys())
def test_cadence_items_agree_with_the_unit_types_cadences(registry, key: str) -> None:
    unit_type = registry.unit_type(key)
    standard = registry.standard(key, on=YEAR_END)
    declared = {cadence.kind: cadence for cadence in unit_type.cadences}
    for block in standard.blocks:
        for item in block.items:
            if item.kind != "cadence":
                continue
            kind = item.params["metric"].removeprefix("meetings.")
            if kind not in declared:
                continue
            cadence = declared[kind]
            period = item.params["period"]
            if cadence.parameter:
                assert getattr(period, "key", None) == cadence.parameter, item.id
            else:
                assert period == cadence.period, item.id


@pytest.mark.parametrize("key", unit_type_keys())
def test_a_branch_that_keeps_its_records_gets_five_stars(registry, key: str) -> None:
    facts = good_branch(
        **{
            "staffing.full_time": 2,
            "funding.budgeted": 100_000,
            "staffing.full_time_deputy_secretary": 0,
        }
    )
    result = score(registry, key, facts, on=YEAR_END, manual_scores=FULL_ONSITE)
    lost = {item.id: item.explanation for item in result.items() if item.lost}
    assert lost == {}
    assert (result.total, result.grade, result.status) == (Decimal("100.00"), "五星", "rated")


def test_weak_organ_branch_is_explained_item_by_item(registry) -> None:
    facts = good_branch(
        **{
            "meetings.general_meeting": quarterly(skip=(2, 3)),
            "attendance.ratio": 0.65,
            "funding.budgeted": 17_500,
            "facilities.items": {"site": {"met": True}},
        }
    )
    result = score(registry, "organ", facts, on=YEAR_END, manual_scores=FULL_ONSITE)
    meetings = result.item("life.general_meeting")
    assert meetings.score == Decimal("2.00")
    assert [e.period for e in meetings.evidence if e.period] == ["2025-Q2", "2025-Q3"]
    assert result.item("life.attendance").score == Decimal("1.00")
    funding = result.item("support.funding")
    assert funding.score == Decimal("2.50")  # 17,500 of 35,000 required, proportional
    assert "正常公用经费总额1,000,000元×3.5%=35,000元" in funding.explanation
    assert result.item("support.facilities").score == Decimal("1.00")
    # 100 − 2 − 2 − 2.5 − 5
    assert result.total == Decimal("88.50")
    assert result.grade == "四星"


def test_institution_shares_the_organ_rubric_with_its_own_funding_ratio(registry) -> None:
    facts = good_branch(**{"funding.budgeted": 20_000})
    organ = score(registry, "organ", facts, on=YEAR_END, manual_scores=FULL_ONSITE)
    institution = score(registry, "institution", facts, on=YEAR_END, manual_scores=FULL_ONSITE)
    assert organ.standard_key == institution.standard_key == "organ-2025"
    assert organ.item("support.funding").status == "partial"
    assert institution.item("support.funding").status == "met"


def test_soe_blocks_are_weighted_seventy_thirty(registry) -> None:
    facts = good_branch(**{"staffing.full_time": 2, "funding.budgeted": 100_000})
    result = score(registry,
        "soe", facts, on=YEAR_END, manual_scores={"inspect.records": ManualScore(Decimal(5))}
    )
    # the on-site block (weight 0.3) is half scored: 70 + 15
    assert result.total == Decimal("85.00")
    assert result.status == "provisional"


def test_two_new_county_training_hours_are_flagged_below_the_national_floor(registry) -> None:
    overrides = TenantOverrides(
        parameters={"training_hours_member": 24, "training_hours_leader": 40}
    )
    facts = good_branch(**{"training.hours_by_member": {f"m{i}": 40 for i in range(1, 13)}})
    result = score(registry,
        "two_new", facts, on=YEAR_END, overrides=overrides, manual_scores=FULL_ONSITE
    )
    assert result.item("edu.training").status == "met"
    assert len(result.warnings) == 2
    assert (
        "低于全国底线32学时（《中国共产党党员教育管理工作条例》第二十条 [V-full]）"
        in result.warnings[0]
    )
    assert "低于全国底线56学时（《2019—2023年全国党员教育培训工作规划》 [V]）" in result.warnings[1]


def test_school_veto_for_teacher_ethics_caps_at_two_stars(registry) -> None:
    facts = good_branch(**{"flags.teacher_ethics_violation": True, "staffing.full_time": 1})
    result = score(registry, "school", facts, on=YEAR_END, manual_scores=FULL_ONSITE)
    assert (result.band_grade, result.grade) == ("五星", "二星")


def test_hospital_plugin_follows_the_school_rules(registry) -> None:
    hospital = registry.unit_type("hospital")
    assert hospital.name_zh == "医院"
    funding = evaluate_formula(registry.formula("hospital", "funding"), {"staffing.unit_member_count": 40})
    assert funding.value == Decimal("2000.00")
    assert "seeds/004" in funding.source.note
    facts = good_branch(**{"funding.budgeted": 0, "meetings.study_session": {}})
    result = score(registry,
        "hospital", facts, on=dt.date(2025, 12, 31), manual_scores=FULL_ONSITE
    )
    assert result.standard_key == "hospital-2025"
    assert result.item("support.budget_line").status == "failed"
    assert result.item("edu.study").score == 0
    assert result.total == Decimal("91.00")


def test_every_rule_kind_is_used_by_some_shipped_rubric(registry) -> None:
    used = {
        item.kind
        for unit_type in registry.unit_types()
        for block in registry.standard(unit_type.key, on=YEAR_END).blocks
        for item in block.items
    }
    assert used == set(RULE_KINDS)
