"""``branchmark standard check`` refuses unknown metrics; ``standard metrics`` lists the catalogue;
the catalogue section of ``docs/standards.md`` is the generated one."""

from __future__ import annotations

import json
from pathlib import Path

from core.cli import main
from core.cli.scoring import with_catalogue_section
from core.metrics.registry import metric_catalogue
from core.plugins.manager import get_registry

ROOT = Path(__file__).parents[1]
ORGAN_RUBRIC = ROOT / "plugins" / "organ" / "standards" / "organ-2025.yaml"
DOCS = ROOT / "docs" / "standards.md"


def _rubric_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    text = ORGAN_RUBRIC.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / "rubric.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, line


def test_check_refuses_an_unknown_metric_naming_line_and_field(runner, tmp_path) -> None:
    path, line = _rubric_with(tmp_path, "metric: attendance.ratio", "metric: attendance.ratoi")
    result = runner.invoke(main, ["standard", "check", str(path)])
    assert result.exit_code == 1
    (reported,) = result.output.strip().splitlines()
    assert reported.startswith(f"{path}:{line}:")
    assert ".params.metric: 指标「attendance.ratoi」不在指标目录中" in reported


def test_check_refuses_a_finding_kind_or_event_kind_the_county_does_not_have(runner, tmp_path) -> None:
    path, _ = _rubric_with(tmp_path, "metric: flags.weak_and_lax", "metric: flags.weak_and_lazy")
    result = runner.invoke(main, ["standard", "check", str(path)])
    assert result.exit_code == 1 and "flags.weak_and_lazy" in result.output
    assert "weak_and_lax" in result.output.split("可用：")[1]  # the message lists the kinds
    path, _ = _rubric_with(tmp_path, "metric: meetings.party_lesson", "metric: meetings.party_lessons")
    result = runner.invoke(main, ["standard", "check", "--unit-type", "organ", str(path)])
    assert result.exit_code == 1 and "meetings.party_lessons" in result.output


def test_check_refuses_a_finding_shorthand_the_county_does_not_have(runner, tmp_path) -> None:
    """``{finding: code}`` (a veto's, a deduction's, a 不得分 condition's) names a county kind:
    an unknown code would never fire, so it is refused like an unknown metric, at its line."""
    text = (ROOT / "tests" / "rubrics" / "patterns.yaml").read_text(encoding="utf-8")
    text = text.replace("points: 2, finding: weak_and_lax}", "points: 2, finding: weak_and_lazy}", 1)
    text = text.replace("- {finding: leadership_discipline_violation}", "- {finding: leadership_discipline}", 1)
    path = tmp_path / "patterns.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["standard", "check", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert ".params.deductions[3].finding: 认定类别「weak_and_lazy」不在县里的认定类别中，可用：" in lines[0]
    assert "vetoes[0].when.any_of[1].finding: 认定类别「leadership_discipline」不在县里的认定类别中" in lines[1]
    assert "weak_and_lax" in lines[0].split("可用：")[1]
    # The same file with the county's codes passes.
    assert runner.invoke(main, ["standard", "check", str(ROOT / "tests" / "rubrics" / "patterns.yaml")]).exit_code == 0


def test_an_unknown_metric_in_a_target_is_reported_once(runner, tmp_path) -> None:
    # Not also "比较运算「<=」须给出 target": the target is written, only its metric is wrong.
    text = (ROOT / "tests" / "rubrics" / "patterns.yaml").read_text(encoding="utf-8")
    old = "target: {metric: organization.full_member_count}"
    assert old in text
    path = tmp_path / "patterns.yaml"
    path.write_text(text.replace(old, "target: {metric: organization.full_members}"), encoding="utf-8")
    result = runner.invoke(main, ["standard", "check", str(path)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "params.target.metric: 指标「organization.full_members」不在指标目录中" in line


def test_every_shipped_rubric_passes_the_check(runner) -> None:
    for path in sorted(ROOT.glob("plugins/*/standards/*.yaml")):
        result = runner.invoke(main, ["standard", "check", str(path)])
        assert result.exit_code == 0, result.output


def test_metrics_json_lists_every_metric_with_its_chinese_label(runner, app) -> None:
    result = runner.invoke(main, ["standard", "metrics", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    with app.app_context():
        names = metric_catalogue(get_registry()).names()
    assert [row["name"] for row in rows] == names
    by_name = {row["name"]: row for row in rows}
    assert by_name["attendance.ratio"] | {"doc": ""} == {
        "name": "attendance.ratio", "label": "党员到会率", "type": "ratio", "type_label": "比例（0–1）",
        "level": "branch", "unit": "", "family": "attendance",
        # membership: members away on the day (流动党员外出, 出国出境) are left out of the ratio.
        "reads": ["event", "event_kind", "attendance", "membership"], "doc": "", "evidence": False,
    }
    assert by_name["attendance.events"]["evidence"] is True
    assert by_name["meetings.party_lesson"]["label"] == "党课每月次数"
    assert by_name["flags.weak_and_lax"]["type"] == "boolean"
    assert all(row["label"] and row["reads"] is not None for row in rows)
    plain = runner.invoke(main, ["standard", "metrics"])
    assert "staffing.unit_member_count  本单位党员人数（整数，单位级，计量：人" in plain.output


def test_the_catalogue_in_the_docs_is_the_generated_one(app) -> None:
    with app.app_context():
        generated = metric_catalogue(get_registry(), county_vocabularies=False).to_markdown()
    text = DOCS.read_text(encoding="utf-8")
    assert with_catalogue_section(text, generated) == text, (
        "docs/standards.md is stale: run `branchmark standard metrics --update-docs docs/standards.md`"
    )
    assert "`attendance.ratio` | 党员到会率" in text


def test_every_metric_the_docs_name_exists_and_none_is_said_to_be_missing() -> None:
    """The docs (examples, "尚不能表达") name only metrics the catalogue has, and never call one
    that the catalogue has missing (报道篇数 and 连续未发展党员年数 once were, after they existed)."""
    import re

    from core.standards.catalogue import default_catalogue

    names = default_catalogue().names()
    # A family's template (flags.<finding>) stands for every code of its vocabulary.
    patterns = [re.compile(re.sub(r"<[a-z_]+>", "[a-z_]+", re.escape(n)) + "$") for n in names]
    text = DOCS.read_text(encoding="utf-8")
    families = {n.split(".")[0] for n in names}
    named = {t for t in re.findall(r"`([a-z_]+(?:\.[a-z_<>0-9]+)+)`", text) if t.split(".")[0] in families}
    unknown = sorted(t for t in named if t not in names and not any(p.match(t) for p in patterns))
    assert unknown == []
    said_missing = re.findall(r"`([a-z_]+\.[a-z_.]+)`[^`\n]{0,30}(?:尚不在指标目录|另有工作在做|没有指标)", text)
    assert [t for t in said_missing if any(p.match(t) for p in patterns)] == []
