"""The ``branchmark`` command: help in Chinese, units and users from the shell, migrations."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.cli import main
from core.host.models import Tenant

BRANCHMARK = shutil.which("branchmark", path=str(Path(sys.executable).parent)) or "branchmark"


def run(runner, *args: str, input: str | None = None):
    return runner.invoke(main, list(args), input=input)


@pytest.mark.parametrize(
    "command",
    [[], ["tenant"], ["tenant", "list"], ["tenant", "create"], ["user", "create"], ["serve"], ["score"], ["standard", "check"], ["calc"]],
    ids=lambda c: " ".join(c) or "branchmark",
)
def test_every_command_explains_itself_in_chinese(runner, command):
    result = run(runner, *command, "--help")
    assert result.exit_code == 0, result.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output), result.output


def test_tenant_create_then_list_as_json(runner, db):
    result = run(runner, "tenant", "create", "--slug", "jiaoyuju", "--name", "县教育局", "--unit-type", "organ")
    assert result.exit_code == 0, result.output
    assert "已新建单位 jiaoyuju" in result.output
    listed = json.loads(run(runner, "tenant", "list", "--json").output)
    assert listed == [
        {
            "slug": "jiaoyuju", "name": "县教育局", "unit_type": "organ", "sub_kind": None,
            "enabled": True, "plugin_enabled": True, "branches": 0, "members": 0,
        }
    ]
    assert "县教育局" in run(runner, "tenant", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "A!", "--name", "x", "--unit-type", "organ"], "slug: 单位代码须为"),
        (["--slug", "good-slug", "--name", " ", "--unit-type", "organ"], "name: 请填写单位名称"),
        (["--slug", "good-slug", "--name", "某单位", "--unit-type", "hospital-x"], "unit_type: 未知的单位类型"),
    ],
)
def test_tenant_create_refuses_bad_input_and_writes_nothing(runner, db, args, message):
    result = run(runner, "tenant", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalars(select(Tenant)).all() == []


def test_duplicate_slug_is_refused(runner, db, tenant):
    result = run(runner, "tenant", "create", "--slug", tenant.slug, "--name", "重名", "--unit-type", "organ")
    assert result.exit_code != 0 and "已存在" in result.output


def test_user_create_for_a_branch_secretary(runner, db, tenant, make_organization):
    make_organization(tenant, code="B01")
    result = run(
        runner, "user", "create", "--username", "czj-b01", "--role", "secretary",
        "--tenant", tenant.slug, "--branch", "B01", "--name", "张书记",
        input="long-enough-pw\nlong-enough-pw\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "czj-b01"))
    assert user.tenant_id == tenant.id and user.organization_id is not None
    assert "long-enough-pw" not in user.password_hash


def test_user_create_names_the_unknown_branch(runner, db, tenant):
    result = run(
        runner, "user", "create", "--username", "someone", "--role", "secretary",
        "--tenant", tenant.slug, "--branch", "NOPE", input="long-enough-pw\nlong-enough-pw\n",
    )
    assert result.exit_code != 0 and "没有代码为 NOPE 的组织" in result.output


def test_supervisor_scope_from_the_shell(runner, db, tenant):
    result = run(
        runner, "user", "create", "--username", "dudao", "--role", "supervisor",
        "--scope-unit-type", "soe", "--scope-tenant", tenant.slug, input="long-enough-pw\nlong-enough-pw\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "dudao"))
    assert sorted((s.unit_type or "", s.tenant_id or 0) for s in user.scopes) == [("", tenant.id), ("soe", 0)]


def _cli_env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANCHMARK_")}
    env.update({"BRANCHMARK_DATABASE_URL": url, "BRANCHMARK_INSTANCE_PATH": str(tmp_path / "instance")})
    return env


def test_installed_command_needs_no_flask_app_and_migrates_up_and_down(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = _cli_env(tmp_path, url)
    help_text = subprocess.run([BRANCHMARK, "--help"], env=env, capture_output=True, text=True, check=True)
    assert "党支部标准化规范化建设平台" in help_text.stdout
    subprocess.run([BRANCHMARK, "db", "upgrade"], env=env, capture_output=True, text=True, check=True)
    tables = {r[0] for r in sqlite3.connect(tmp_path / "fresh.db").execute("SELECT name FROM sqlite_master")}
    assert {"tenant", "member", "event", "audit_log", "scorecard"} <= tables
    subprocess.run([BRANCHMARK, "db", "downgrade", "base"], env=env, capture_output=True, text=True, check=True)
    tables = {r[0] for r in sqlite3.connect(tmp_path / "fresh.db").execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"alembic_version"}


def test_plugin_can_be_switched_off_and_on_for_a_unit(runner, db, tenant, make_organization):
    make_organization(tenant, code="B01")
    off = run(runner, "tenant", "disable-plugin", tenant.slug)
    assert off.exit_code == 0 and "已停用" in off.output
    scored = run(runner, "score", "--tenant", tenant.slug, "--year", "2025", "--as-of", "2026-01-10")
    assert "未启用单位类型插件" in scored.output and "B01" not in scored.output
    listed = json.loads(run(runner, "tenant", "list", "--json").output)
    assert listed[0]["plugin_enabled"] is False
    on = run(runner, "tenant", "enable-plugin", tenant.slug)
    assert on.exit_code == 0
    scored = run(runner, "score", "--tenant", tenant.slug, "--year", "2025", "--as-of", "2026-01-10")
    assert "B01" in scored.output


def test_each_instance_gets_its_own_secret_key(tmp_path, monkeypatch):
    from core import create_app

    monkeypatch.setenv("BRANCHMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"})
    assert first.config["SECRET_KEY"] and first.config["SECRET_KEY"] != "dev-only-change-me"
    again = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"})
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]  # kept across restarts


def test_processes_starting_together_agree_on_one_key(tmp_path):
    """Workers starting at once (gunicorn, pytest-xdist) race to create the instance's keys:
    every one of them gets the key that won, whole, and the file stays private."""
    from concurrent.futures import ThreadPoolExecutor

    from core.config import _secret_key

    instance = tmp_path / "instance"
    with ThreadPoolExecutor(max_workers=16) as pool:
        keys = list(pool.map(lambda _: _secret_key(instance, "db_host_key"), range(64)))
    stored = (instance / "db_host_key").read_text(encoding="utf-8")
    assert set(keys) == {stored} and len(stored) == 64
    assert (instance / "db_host_key").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in instance.iterdir()) == ["db_host_key"]  # no drafts left behind


def test_a_key_created_by_another_process_meanwhile_is_the_one_used(tmp_path, monkeypatch):
    """The other process wrote the key after this one looked for it: this one reads that key."""
    from pathlib import Path

    from core.config import _secret_key

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("k" * 64, encoding="utf-8")
    monkeypatch.setattr(Path, "exists", lambda self: False)  # it was not there when looked for
    assert _secret_key(instance) == "k" * 64


def test_a_finding_from_the_shell_caps_the_grade(runner, db, tenant, make_organization):
    make_organization(tenant, code="B01")
    bad = run(
        runner, "finding", "add", "--tenant", tenant.slug, "--branch", "B01", "--year", "2025",
        "--finding", "weak_and_lax", "--decided-on", "2025-12-10", "--document", " ",
    )
    assert bad.exit_code != 0 and "document：请填写认定所依据的文件" in bad.output
    ok = run(
        runner, "finding", "add", "--tenant", tenant.slug, "--branch", "B01", "--year", "2025",
        "--finding", "weak_and_lax", "--decided-on", "2025-12-10", "--document", "县组〔2025〕1号",
    )
    assert ok.exit_code == 0, ok.output
    data = json.loads(run(runner, "score", "--tenant", tenant.slug, "--year", "2025", "--as-of", "2026-01-10", "--json").output)
    assert [v["id"] for v in data["branches"][0]["vetoes"]] == ["veto.weak_and_lax"]


def test_an_honour_from_the_shell_is_recorded_and_checked(runner, db, tenant, make_organization):
    make_organization(tenant, code="B01")
    wrong_year = run(
        runner, "honour", "add", "--tenant", tenant.slug, "--branch", "B01", "--year", "2025",
        "--name", "先进基层党组织", "--level", "county", "--awarded-on", "2024-07-01", "--awarded-by", "县委",
    )
    assert wrong_year.exit_code != 0 and "不在 2025 年" in wrong_year.output
    ok = run(
        runner, "honour", "add", "--tenant", tenant.slug, "--branch", "B01", "--year", "2025",
        "--name", "先进基层党组织", "--level", "county", "--awarded-on", "2025-07-01", "--awarded-by", "县委",
    )
    assert ok.exit_code == 0, ok.output
    data = json.loads(run(runner, "score", "--tenant", tenant.slug, "--year", "2025", "--as-of", "2026-01-10", "--json").output)
    items = {i["id"]: i for b in data["branches"][0]["blocks"] for i in b["items"]}
    assert items["bonus.honours"]["score"] == "1.00"
