"""YAML read with a size and an expansion limit: override, standard and demo files.

An alias bomb ("billion laughs") is a few hundred bytes whose anchors, expanded, make billions of
nodes; any code that walks the result (validation, JSON, a deep copy) then hangs the worker.
:class:`BoundedLoader` composes the node graph (cheap: aliases are shared, not copied) and counts
the nodes it would expand to, memoised per node, before anything is constructed; past
:data:`MAX_NODES` it raises :class:`YAMLTooLarge`, a :class:`yaml.YAMLError`, so every caller's
existing "YAML 格式错误" path reports it.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Largest YAML text read (a county's standard file is about 30 KB).
MAX_BYTES = 2 * 1024 * 1024
#: Most nodes a document may expand to, counting every alias use in full.
MAX_NODES = 200_000


class YAMLTooLarge(yaml.YAMLError):
    """The text or its expansion is over the limit (message in Chinese)."""


def check_text(text: str) -> None:
    """Refuse a text longer than :data:`MAX_BYTES`."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise YAMLTooLarge(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB")


def expanded_size(node: yaml.Node | None) -> int:
    """Nodes the document expands to (aliases counted each time they are used)."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node) -> int:
        known = sizes.get(id(current))
        if known is not None:
            return known
        sizes[id(current)] = MAX_NODES + 1  # a node met again while being counted: a cycle
        total = 1
        if isinstance(current, yaml.SequenceNode):
            total += sum(size(child) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in current.value)
        total = min(total, MAX_NODES + 1)
        sizes[id(current)] = total
        return total

    return size(node) if node is not None else 0


class BoundedLoader(yaml.SafeLoader):
    """:class:`yaml.SafeLoader` that refuses a document expanding past :data:`MAX_NODES`."""

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if expanded_size(node) > MAX_NODES:
            raise YAMLTooLarge(f"内容展开后超过 {MAX_NODES} 个节点（疑似别名炸弹），未读取")
        return node


def load(text: str) -> Any:
    """Like :func:`yaml.safe_load`, bounded in size and expansion.

    :raises yaml.YAMLError: bad YAML, or :class:`YAMLTooLarge`.
    """
    check_text(text)
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
