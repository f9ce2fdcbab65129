"""``core.standards`` is pure: it imports without Flask or SQLAlchemy, and plugins build on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]

BLOCKER = """
import importlib.abc, sys

BLOCKED = ("flask", "flask_sqlalchemy", "flask_babel", "sqlalchemy")

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"blocked for this test: {name}", name=name)
        return None

sys.meta_path.insert(0, Block())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_core_standards_imports_without_flask_or_sqlalchemy() -> None:
    done = _run(
        "import core.standards, core.standards.catalogue, core.standards.periods, "
        "core.standards.formulas, core.standards.types, core.standards.national\n"
        "from core.standards import check_standard_file\n"
        "problems = check_standard_file('plugins/organ/standards/organ-2025.yaml')\n"
        "assert problems == [], problems\n"
        "assert not any(m.split('.')[0] in ('flask', 'sqlalchemy') for m in sys.modules)\n"
        "print('ok')"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_blocker_does_block() -> None:
    # Guards the test above: with the hook in place, the web side cannot be imported.
    done = _run("import core.app")
    assert done.returncode != 0
    assert "blocked for this test" in done.stderr


def test_plugins_import_standards_never_the_reverse() -> None:
    offenders = []
    for path in sorted((ROOT / "core" / "standards").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            words = line.split()
            if words[:1] in (["from"], ["import"]) and len(words) > 1:
                module = words[1]
                if module.startswith("core.") and not module.startswith("core.standards"):
                    offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
