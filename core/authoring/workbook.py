"""A standard as an Excel workbook, and back: one row per item, in a documented template.

Sheets (the names are the template; ``docs/standards.md`` describes each column):

- 标准: one row per top-level field (编号 key, 版本 version, 名称 title …); vetoes, not-rated
  rules and the quota as YAML text.
- 来源: the sources items cite.
- 块: block id, title, points, weight.
- 项目: block, item, title, rule text, points, rule kind, metric, parameters, citation,
  applies-when condition, when-missing status, advice — one row per item.
- 等级: grade bands, highest first.

Reading is all-or-nothing: every problem is reported with its sheet, row and column, in
Chinese, and nothing is stored unless there are none.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from zipfile import BadZipFile

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from core.authoring.services import plain
from core.standards.loader import Problem
from core.standards.rules import RULE_KINDS

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B22222")

#: 标准 sheet: label → document field; the YAML fields hold lists or mappings as YAML text.
TOP_FIELDS = {
    "编号": "key",
    "版本": "version",
    "名称": "title",
    "生效日期": "effective_from",
    "失效日期": "effective_to",
    "总分": "max",
    "计分方式": "scoring",
    "加分上限": "bonus_cap",
    "等级依据": "grades.citation",
}
YAML_FIELDS = {"一票否决（YAML）": "vetoes", "不参加评定（YAML）": "not_rated", "名额限制（YAML）": "quota"}
SOURCE_COLUMNS = {"编号": "id", "文件": "document", "可信度": "tag", "条款": "article", "网址": "url", "备注": "note"}
BLOCK_COLUMNS = {"块编号": "id", "块名称": "title", "满分": "max", "权重": "weight", "不得分条件": "zero_when"}
ITEM_COLUMNS = {
    "块编号": "block",
    "项目编号": "id",
    "项目名称": "title",
    "条款原文": "rule",
    "分值": "max",
    "规则类型": "kind",
    "指标": "metric",
    "参数": "params",
    "依据": "citation",
    "适用条件": "applies_when",
    "缺数据时": "when_missing",
    "整改建议": "advice",
    "不得分条件": "zero_when",
    "责任方": "owner",
}
#: Whose duty an item is, as the clerk writes it (the standard says ``branch`` or ``unit``).
OWNER_WORDS = {"branch": "支部", "unit": "单位"}
BAND_COLUMNS = {"等级": "grade", "最低分": "min"}
SHEETS = ("标准", "来源", "块", "项目", "等级")
#: Item fields written as YAML in one cell.
YAML_CELLS = {"params", "citation", "applies_when", "zero_when"}


def _flow(value: Any) -> str:
    """One-line YAML for a cell (``{target: 4, op: '>='}``)."""
    return yaml.safe_dump(plain(value), allow_unicode=True, default_flow_style=True, width=10_000).strip()


def _block_yaml(value: Any) -> str:
    return yaml.safe_dump(plain(value), allow_unicode=True, sort_keys=False, width=100).strip()


def _header(sheet, headers: list[str], widths: Mapping[str, int] | None = None) -> None:
    sheet.append(headers)
    for index, name in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = (widths or {}).get(name, 16)
    sheet.freeze_panes = "A2"


def write_workbook(document: Mapping[str, Any]) -> bytes:
    """:returns: the standard document as an ``.xlsx`` in the template."""
    document = plain(document)
    book = Workbook()
    top = book.active
    top.title = "标准"
    _header(top, ["字段", "值"], {"字段": 20, "值": 80})
    for label, field in TOP_FIELDS.items():
        if field == "grades.citation":
            value = (document.get("grades") or {}).get("citation")
            top.append([label, None if value is None else _flow(value)])
        else:
            top.append([label, document.get(field)])
    for label, field in YAML_FIELDS.items():
        value = document.get(field)
        top.append([label, None if value is None else _block_yaml(value)])
        top.cell(row=top.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")

    sources = book.create_sheet("来源")
    _header(sources, list(SOURCE_COLUMNS), {"文件": 50, "网址": 40, "备注": 30})
    for source in document.get("sources") or []:
        sources.append([source.get(field) for field in SOURCE_COLUMNS.values()])

    blocks = book.create_sheet("块")
    _header(blocks, list(BLOCK_COLUMNS), {"块名称": 30})
    items = book.create_sheet("项目")
    _header(items, list(ITEM_COLUMNS), {"项目名称": 24, "条款原文": 50, "参数": 50, "依据": 24, "适用条件": 30, "整改建议": 30})
    for block in document.get("blocks") or []:
        blocks.append(
            [
                _flow(block[field]) if field in YAML_CELLS and isinstance(block.get(field), dict) else block.get(field)
                for field in BLOCK_COLUMNS.values()
            ]
        )
        for item in block.get("items") or []:
            params = dict(item.get("params") or {})
            metric = params.pop("metric", None) if isinstance(params.get("metric"), str) else None
            row = []
            for field in ITEM_COLUMNS.values():
                if field == "block":
                    row.append(block.get("id"))
                elif field == "metric":
                    row.append(metric)
                elif field == "params":
                    row.append(_flow(params) if params else None)
                elif field == "owner":
                    owner = item.get("owner")
                    row.append(None if owner in (None, "branch") else OWNER_WORDS.get(owner, owner))
                elif field in YAML_CELLS:
                    value = item.get(field)
                    row.append(None if value is None else value if isinstance(value, str) else _flow(value))
                else:
                    row.append(item.get(field))
            items.append(row)
    kinds = DataValidation(type="list", formula1='"' + ",".join(RULE_KINDS) + '"', allow_blank=False)
    kinds.error = "请从列表中选择规则类型"
    items.add_data_validation(kinds)
    kinds.add(f"F2:F{max(items.max_row, 2) + 500}")

    bands = book.create_sheet("等级")
    _header(bands, list(BAND_COLUMNS))
    for band in (document.get("grades") or {}).get("bands") or []:
        bands.append([band.get("grade"), band.get("min")])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


class WorkbookProblems(ValueError):
    """The workbook cannot become a standard; :attr:`problems` names sheet, row and column."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: Any) -> Any:
    """Cells as the document wants them: text stripped, whole floats as ints, dates as ISO."""
    if hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "date") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


class _Sheets:
    """Reads the template's sheets, keeping where each document field came from."""

    def __init__(self, book) -> None:
        self.book = book
        self.problems: list[Problem] = []
        #: document field path → (sheet, row, column letter, header) for the checker's problems.
        self.origin: dict[str, tuple[str, int, str, str]] = {}

    def problem(self, sheet: str, row: int, header: str, column: str, message: str) -> None:
        self.problems.append(Problem(f"工作表「{sheet}」", row, 0, f"第{row}行 {column}列「{header}」", message))

    def rows(self, name: str, columns: Mapping[str, str]) -> list[tuple[int, dict[str, Any]]]:
        if name not in self.book.sheetnames:
            self.problems.append(Problem(f"工作表「{name}」", 0, 0, "", f"缺少工作表「{name}」"))
            return []
        sheet = self.book[name]
        headers = [_cell(c.value) for c in next(sheet.iter_rows(min_row=1, max_row=1))]
        missing = [h for h in columns if h not in headers]
        if missing:
            self.problems.append(Problem(f"工作表「{name}」", 1, 0, "表头", f"缺少列：{'、'.join(missing)}"))
            return []
        positions = {h: headers.index(h) for h in columns}
        found = []
        for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            values = {columns[h]: _cell(row[i]) if i < len(row) else None for h, i in positions.items()}
            if all(_empty(v) for v in values.values()):
                continue
            found.append((number, values))
        self.columns = {h: get_column_letter(i + 1) for h, i in positions.items()}
        return found

    def yaml_cell(self, text: Any, sheet: str, row: int, header: str, column: str) -> Any:
        if _empty(text):
            return None
        if not isinstance(text, str):
            return text
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            reason = getattr(error, "problem", None) or str(error)
            self.problem(sheet, row, header, column, f"格式不对（{reason}），应写成如 {{target: 4, op: '>='}}")
            return None


def read_workbook(data: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, int, str, str]]]:
    """Read a workbook in the template into a standard document.

    :returns: the document, and where each block/item field came from (for :func:`locate`).
    :raises WorkbookProblems: when the file is not a workbook or a cell cannot be read.
    """
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise WorkbookProblems([Problem("工作簿", 0, 0, "", f"不是有效的 Excel 文件（.xlsx）：{error}")]) from None
    sheets = _Sheets(book)
    document: dict[str, Any] = {}
    grades: dict[str, Any] = {}
    for row, values in sheets.rows("标准", {"字段": "label", "值": "value"}):
        label, value = values["label"], values["value"]
        if label in TOP_FIELDS:
            field = TOP_FIELDS[label]
            sheets.origin[field] = ("标准", row, "B", "值")
            if field == "grades.citation":
                parsed = sheets.yaml_cell(value, "标准", row, "值", "B")
                if parsed is not None:
                    grades["citation"] = parsed
            elif not _empty(value):
                document[field] = value
        elif label in YAML_FIELDS:
            field = YAML_FIELDS[label]
            sheets.origin[field] = ("标准", row, "B", "值")
            parsed = sheets.yaml_cell(value, "标准", row, "值", "B")
            if parsed is not None:
                document[field] = parsed
        else:
            sheets.problem("标准", row, "字段", "A", f"不认识的字段「{label}」，可用：{'、'.join([*TOP_FIELDS, *YAML_FIELDS])}")
    document["sources"] = []
    for row, values in sheets.rows("来源", SOURCE_COLUMNS):
        sheets.origin[f"sources[{len(document['sources'])}]"] = ("来源", row, "A", "编号")
        document["sources"].append({k: v for k, v in values.items() if not _empty(v)})
    blocks: dict[str, dict[str, Any]] = {}
    document["blocks"] = []
    for row, values in sheets.rows("块", BLOCK_COLUMNS):
        if isinstance(values.get("zero_when"), str):
            values["zero_when"] = sheets.yaml_cell(
                values["zero_when"], "块", row, "不得分条件", sheets.columns["不得分条件"]
            )
        block = {k: v for k, v in values.items() if not _empty(v)}
        block["items"] = []
        index = len(document["blocks"])
        for header, field in BLOCK_COLUMNS.items():
            sheets.origin[f"blocks[{index}].{field}"] = ("块", row, sheets.columns[header], header)
        sheets.origin[f"blocks[{index}]"] = ("块", row, "A", "块编号")
        if str(block.get("id")) in blocks:
            sheets.problem("块", row, "块编号", "A", f"块编号「{block.get('id')}」重复")
        blocks[str(block.get("id"))] = block
        document["blocks"].append(block)
    block_index = {str(b.get("id")): i for i, b in enumerate(document["blocks"])}
    for row, values in sheets.rows("项目", ITEM_COLUMNS):
        block_id = str(values.pop("block"))
        if block_id not in blocks:
            sheets.problem("项目", row, "块编号", "A", f"块「{block_id}」不在「块」工作表中")
            continue
        item: dict[str, Any] = {}
        for header, field in ITEM_COLUMNS.items():
            if field in ("block", "metric"):
                continue
            value = values.get(field)
            # A citation is a bare source id or a {source, article} mapping; the others are YAML.
            yaml_text = field in YAML_CELLS and (field != "citation" or str(value).startswith("{"))
            if yaml_text and isinstance(value, str):
                value = sheets.yaml_cell(value, "项目", row, header, sheets.columns[header])
            if field == "owner" and isinstance(value, str):
                words = {word: code for code, word in OWNER_WORDS.items()}
                value = words.get(value.strip(), value.strip())
            if not _empty(value):
                item[field] = value
        if not _empty(values.get("metric")):
            params = item.get("params") if isinstance(item.get("params"), dict) else {}
            item["params"] = {"metric": values["metric"], **params}
        where = f"blocks[{block_index[block_id]}].items[{len(blocks[block_id]['items'])}]"
        for header, field in ITEM_COLUMNS.items():
            target = "params.metric" if field == "metric" else field
            sheets.origin[f"{where}.{target}"] = ("项目", row, sheets.columns[header], header)
        sheets.origin[where] = ("项目", row, "B", "项目编号")
        blocks[block_id]["items"].append(item)
    bands = []
    for row, values in sheets.rows("等级", BAND_COLUMNS):
        index = len(bands)
        sheets.origin[f"grades.bands[{index}].grade"] = ("等级", row, "A", "等级")
        sheets.origin[f"grades.bands[{index}].min"] = ("等级", row, "B", "最低分")
        bands.append(values)
    grades["bands"] = bands
    document["grades"] = grades
    if sheets.problems:
        raise WorkbookProblems(sheets.problems)
    return plain(document), sheets.origin


def locate(problems: list[Problem], origin: Mapping[str, tuple[str, int, str, str]]) -> list[Problem]:
    """The checker's problems (by field path) moved to the sheet, row and column they came from."""
    located = []
    for problem in problems:
        path = problem.field
        found = None
        while path:
            if path in origin:
                found = origin[path]
                break
            # A parameter inside the 参数 cell: the cell is where to look.
            if ".params." in path and path.rsplit(".params.", 1)[0] + ".params" in origin:
                found = origin[path.rsplit(".params.", 1)[0] + ".params"]
                break
            path = path.rsplit(".", 1)[0] if "." in path else path.rsplit("[", 1)[0] if "[" in path else ""
        if found is None:
            located.append(Problem("工作簿", 0, 0, problem.field, problem.message))
            continue
        sheet, row, column, header = found
        located.append(Problem(f"工作表「{sheet}」", row, 0, f"第{row}行 {column}列「{header}」", problem.message))
    return located
