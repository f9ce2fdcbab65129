"""The example third-party plugin installs as its own package and registers by entry point."""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from core.plugins.manager import create_registry, get_registry
from core.scoring.services import score_unit

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hospital_plugin"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory) -> Path:
    """pip-install the example into a folder of its own (no build isolation: no network needed)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(EXAMPLE)],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


@pytest.fixture
def app_config(installed_example, monkeypatch):
    # Ensure the installed distribution is on the path before the app builds its registry.
    monkeypatch.syspath_prepend(str(installed_example))
    importlib.invalidate_caches()
    return {"LOAD_ENTRY_POINTS": True}


def test_entry_point_registers_the_hospital_unit_type(installed_example, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_example))
    importlib.invalidate_caches()
    registry = create_registry(load_entry_points=True)
    assert "hospital" in {u.key for u in registry.unit_types()}
    assert any("branchmark-hospital" in name or "branchmark_hospital" in name for name in registry.plugins())
    without = create_registry(load_entry_points=False)
    assert "hospital" not in {u.key for u in without.unit_types()}


def test_a_hospital_unit_is_scored_by_the_installed_plugin(app, db, make_tenant, make_organization, make_member):
    hospital = make_tenant("renmin-yiyuan", name="县人民医院", unit_type="hospital")
    branch = make_organization(hospital, code="YY1", name="医院第一党支部")
    for _ in range(5):
        make_member(branch)
    outcome = score_unit(hospital, 2025, get_registry(), as_of=dt.date(2026, 1, 10))
    assert outcome.not_scored_reason is None
    (result,) = [b.result for b in outcome.branches]
    assert result.standard_key.startswith("hospital")
    assert result.total > 0 and result.items()
