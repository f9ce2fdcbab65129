"""Exports that cannot run: text a spreadsheet would take for a formula is written as text.

OWASP's CSV-injection rule: a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is prefixed with ``'``, and every cell is written as a value, never a formula, so a member
named ``=HYPERLINK(...)`` exports as those characters. Imports take the prefix off again
(:func:`restore`), so an exported sheet imports back unchanged.
"""

from __future__ import annotations

from typing import Any

#: First characters a spreadsheet (Excel, LibreOffice, WPS) reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutral(value: Any) -> Any:
    """``value`` safe for a cell: text starting like a formula gets the ``'`` prefix."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """Undo :func:`neutral` for a cell read back from an exported sheet."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def defuse(workbook) -> None:
    """Make every text cell of an openpyxl workbook a plain value (call before saving)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.data_type == "f" or cell.value.startswith(FORMULA_STARTS)):
                    cell.value = neutral(cell.value)
                    cell.data_type = "s"
