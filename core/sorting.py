"""Names in pinyin order (何, 于, 严 …), as a Chinese reader expects a list of people.

Code-point order puts 严 (U+4E25) before 何 (U+4F55) before 于 (U+4E8E)… unpredictably for a
reader; pypinyin's readings give the dictionary order. Ties (same reading) keep the characters'
order so the sort is stable and total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")


@lru_cache(maxsize=20_000)
def pinyin_key(name: str | None) -> tuple[str, str]:
    """The sort key of a name: its toneless pinyin syllables, then the name itself."""
    text = name or ""
    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)), text


def by_pinyin(rows: Iterable[T], name: Callable[[T], Any] = lambda row: row.name) -> list[T]:
    """``rows`` sorted by the pinyin of ``name(row)`` (default: the ``name`` attribute)."""
    return sorted(rows, key=lambda row: pinyin_key(name(row)))
