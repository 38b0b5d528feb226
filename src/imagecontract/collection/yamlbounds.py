"""Bounds on what a YAML file may cost to load: its size, the values its aliases expand to, its depth.

An 803-byte alias bomb (each anchor listing the previous one ten times) composes into a small
graph that schema validation and templating then walk as a tree of billions of values; a
collection of tens of MB is a mistake that would otherwise load silently for minutes. Each is
refused with a `CollectionError` naming the file, the place (a line and column) and the fix.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from imagecontract.errors import CollectionError
from imagecontract.images import human_size

MAX_FILE_BYTES = 8 * 1024 * 1024
"""The shipped collections are a few KB; a file this large holds data that belongs in fixture files."""

MAX_VALUES = 50_000
"""Values (mappings, lists, scalars, keys) after every alias is expanded; the largest shipped collection has ~700."""


def check_size(path: Path, shown: str) -> None:
    """Refuse a file over `MAX_FILE_BYTES` before reading it."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size > MAX_FILE_BYTES:
        raise CollectionError(shown, "", f"{human_size(size)} is over the {human_size(MAX_FILE_BYTES)} limit for a YAML file; "
                                         f"split it into several collections, or keep large data in fixture files")


def check_expansion(root: yaml.Node | None) -> None:
    """Refuse (as a YAML error at the node) a document whose aliases expand past `MAX_VALUES` values, or one that
    contains itself."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _refused(node.start_mark, "an alias refers to a value that contains it, so it never ends; remove the alias")
        open_nodes.add(key)
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else \
            node.value if isinstance(node, yaml.SequenceNode) else []
        total = 1 + sum(size(child) for child in children)
        if total > MAX_VALUES:
            raise _refused(node.start_mark, f"the aliases here expand to more than {MAX_VALUES} values (an alias bomb?); "
                                            f"write the values out, or use fewer aliases")
        open_nodes.discard(key)
        sizes[key] = total
        return total

    if root is not None:
        size(root)


def too_deep(mark: yaml.Mark) -> yaml.MarkedYAMLError:
    """A tree nested deeper than Python's recursion allows, refused where the reader got to."""
    return _refused(mark, "nested too deep (hundreds of levels); flatten it")


def _refused(mark: yaml.Mark, message: str) -> yaml.MarkedYAMLError:
    """A YAML error at `mark`, which the reader turns into `file: line L, column C: invalid YAML: message`."""
    return yaml.composer.ComposerError(None, None, message, mark)
