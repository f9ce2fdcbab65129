"""check_standard_file: every problem points at the right line, column and field, in Chinese."""

from __future__ import annotations

from pathlib import Path

from core.standards import check_standard_file
from core.standards.types import Parameter, Source

GOOD = """\
key: t-2025
version: "1"
title: 测试
effective_from: 2025-01-01
sources:
  - {id: zbtl, document: 《支部工作条例》, tag: V}
blocks:
  - id: life
    title: 组织生活
    max: 100
    items:
      - id: life.meeting
        title: 党员大会
        rule: 每季度1次
        max: 60
        kind: cadence
        params: {metric: meetings.general_meeting, period: quarter}
        citation: zbtl
      - id: life.hours
        title: 学时
        rule: 32学时
        max: 40
        kind: member_threshold
        params:
          metric: training.hours_by_member
          target: {parameter: training_hours_member}
grades:
  bands:
    - {grade: 达标, min: 80}
    - {grade: 不达标, min: 0}
"""
HOURS = Parameter("training_hours_member", "学时", "decimal", 32, Source("x", "V"))


def check(tmp_path: Path, text: str, **kwargs):
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    return check_standard_file(path, **kwargs)


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_good_file_has_no_problems(tmp_path: Path) -> None:
    assert check(tmp_path, GOOD, parameters=(HOURS,)) == []


def test_unknown_rule_kind_points_at_its_line_and_field(tmp_path: Path) -> None:
    text = GOOD.replace("kind: member_threshold", "kind: member_treshold")
    [problem] = check(tmp_path, text)
    assert (problem.line, problem.column) == (line_of(text, "member_treshold"), 15)
    assert problem.field == "blocks[0].items[1].kind"
    assert problem.message.startswith("未知的规则类型「member_treshold」，可用：cadence、threshold")
    assert str(problem).startswith(
        f"{tmp_path / 'rubric.yaml'}:{problem.line}:15: blocks[0].items[1].kind:"
    )


def test_missing_field_wrong_type_and_unknown_field(tmp_path: Path) -> None:
    text = (
        GOOD.replace("        rule: 每季度1次\n", "")
        .replace("max: 40", "max: 四十")
        .replace("        citation: zbtl\n", "        citation: zbtl\n        colour: red\n")
    )
    problems = {p.field: p for p in check(tmp_path, text)}
    assert problems["blocks[0].items[0].rule"].message == "缺少必填字段「rule」"
    assert problems["blocks[0].items[0].rule"].line == line_of(text, "- id: life.meeting")
    assert problems["blocks[0].items[1].max"].message == "应为数字，实际为「四十」"
    assert problems["blocks[0].items[1].max"].line == line_of(text, "max: 四十")
    assert problems["blocks[0].items[0].colour"].message.startswith("未知字段「colour」")


def test_items_that_do_not_fit_their_block(tmp_path: Path) -> None:
    text = GOOD.replace("max: 60", "max: 65")
    problems = check(tmp_path, text)
    [problem] = [p for p in problems if p.field == "blocks[0].max"]
    assert problem.message == "块内各项满分合计105分（加分项除外），与块满分100分不一致"
    assert problem.line == line_of(text, "    max: 100")


def test_params_checked_against_the_rule_kinds_schema(tmp_path: Path) -> None:
    text = GOOD.replace("period: quarter", "period: fortnight").replace(
        "metric: meetings.general_meeting", "metric: GeneralMeeting"
    )
    problems = {p.field: p.message for p in check(tmp_path, text)}
    assert (
        problems["blocks[0].items[0].params.period"]
        == "取值「fortnight」无效，可用：month、quarter、half、year"
    )
    assert problems["blocks[0].items[0].params.metric"].startswith(
        "指标名「GeneralMeeting」格式不对"
    )


def test_unknown_parameter_source_and_duplicate_item(tmp_path: Path) -> None:
    text = GOOD.replace("citation: zbtl", "citation: zgtl").replace(
        "id: life.hours", "id: life.meeting"
    )
    problems = {p.field: p.message for p in check(tmp_path, text, parameters=())}
    assert problems["blocks[0].items[0].citation"] == "来源「zgtl」未在 sources 中定义"
    assert problems["blocks[0].items[1].id"] == "项目编号「life.meeting」重复"
    assert (
        problems["blocks[0].items[1].params.target"]
        == "参数「training_hours_member」不是本单位类型的参数"
    )


def test_grades_vetoes_and_missing_required_params(tmp_path: Path) -> None:
    text = GOOD.replace("{grade: 不达标, min: 0}", "{grade: 不达标, min: 90}") + (
        "vetoes:\n  - {id: v, title: 否决, when: {metric: flags.x, op: is_true}, cap: 二星}\n"
    )
    text = text.replace(
        "params: {metric: meetings.general_meeting, period: quarter}", "params: {period: quarter}"
    )
    problems = {p.field: p.message for p in check(tmp_path, text)}
    assert problems["grades.bands[1].min"] == "等级应按最低分从高到低排列"
    assert problems["vetoes[0].cap"] == "等级「二星」不在 grades.bands 中"
    assert problems["blocks[0].items[0].params.metric"] == "缺少必填字段「metric」"


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    text = GOOD.replace("title: 测试", "title: [测试")
    [problem] = check(tmp_path, text)
    assert problem.message.startswith("YAML 语法错误")
    assert problem.line >= line_of(text, "title: [测试")


def test_unreadable_file(tmp_path: Path) -> None:
    [problem] = check_standard_file(tmp_path / "missing.yaml")
    assert problem.message.startswith("无法读取文件")
