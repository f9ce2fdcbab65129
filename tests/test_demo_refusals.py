"""The demo's records go through the record services' own checks (issue 11, point 5): a row a
service refuses stops the load with the service's Chinese message, naming the demo file, the
line and the field, and nothing is written.

One broken row per record kind, each in a copy of tenants/demo.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.demo import DEMO_DIR, DemoDataError, load_demo
from core.host.models import Host, Tenant
from core.members.models import Member
from core.tenancy import host_scope


def _member_cell(number: str, column: str, value: str) -> Callable[[Path], int]:
    """Set one cell of a member's row in members.csv; returns the row's line number."""

    def edit(folder: Path) -> int:
        path = folder / "members.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = next(line for line in lines if line.startswith("no,")).rstrip("\n").split(",")
        row = next(i for i, line in enumerate(lines) if line.startswith(f"{number},"))
        cells = lines[row].rstrip("\n").split(",")
        cells[header.index(column)] = value
        lines[row] = ",".join(cells) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
        return row + 1

    return edit


def _replace(file: str, old: str, new: str) -> Callable[[Path], int]:
    """Replace the first ``old`` in a data file; returns the line it is on."""

    def edit(folder: Path) -> int:
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return text[: text.index(old)].count("\n") + 1

    return edit


#: (record kind, edit of the copy returning the line, file, field, a piece of the service's message)
CASES = [
    ("member: 转正早于入党", _member_cell("jikong-005", "full_on", "2016-07-25"), "members.csv", "full_on",
     "转正时间不能早于入党时间"),
    ("member: 手机号", _member_cell("jikong-005", "phone", "2580000571"), "members.csv", "phone",
     "手机号码须为 11 位数字"),
    ("member: 未满十八岁入党", _member_cell("jikong-005", "joined_on", "1998-07-10"), "members.csv", "joined_on",
     "年满十八岁"),
    ("member: 身份证校验位", _member_cell("jikong-005", "id_number", "379901198101160324"), "members.csv",
     "id_number", "校验位"),
    ("staff post: 岗位类别", _replace("units.yaml", "kind: full_time, title: 机关党总支专职党务干事",
                                      "kind: fulltime, title: 机关党总支专职党务干事"), "units.yaml", "staff.kind",
     "请选择岗位类别"),
    ("staff post: 离任早于任职", _replace("units.yaml", "started_on: 2021-03-01, organization: cz-zz}",
                                     "started_on: 2021-03-01, ended_on: 2020-01-01, organization: cz-zz}"),
     "units.yaml", "staff.ended_on", "离任日期不能早于任职日期"),
    ("funding: 来源", _replace("units.yaml", "source: fiscal_budget", "source: fiscal"), "units.yaml",
     "funding.2025.source", "请选择经费来源"),
    ("development step: 早于前一步", _replace("development.yaml", "3: 2025-09-10, 4: 2025-09-18",
                                         "3: 2025-09-10, 4: 2025-09-01"), "development.yaml", "steps.4.done_on",
     "不能早于第 3 步"),
    ("development step: 缺少前一步", _replace("development.yaml", "2: 2025-03-24, 3: 2025-09-10,", "3: 2025-09-10,"),
     "development.yaml", "steps.3.step", "请先记录第 2 步"),
    ("facility check: 清单外项目", _replace("units.yaml", "equipment: 活动室电教设备损坏", "lawn: 未设草坪\n                equipment: 活动室电教设备损坏"), "units.yaml",
     "facilities.unmet.lawn.item", "请选择清单中的项目"),
]


@pytest.mark.parametrize(("edit", "file", "field", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_row_the_service_refuses_names_file_line_and_field_and_loads_nothing(
    app, db, tmp_path, edit, file, field, message
):
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, folder)
    line = edit(folder)

    with pytest.raises(DemoDataError) as caught:
        load_demo(folder)
    error = caught.value
    assert (Path(error.file).name, error.line, error.field) == (file, line, field)
    assert message in error.message and f"{file} 第 {line} 行" in str(error)
    db.session.rollback()
    with host_scope():
        assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Host, Tenant, Member)] == [0, 0, 0]
