"""Reading YAML so that every later error can point at a file and a line.

PyYAML silently keeps the last of two equal keys and reports tabs in
terms of its tokenizer; both are turned into `CollectionError`s that say
what to change.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from imagecontract.collection.yamlbounds import check_expansion, check_size, too_deep
from imagecontract.errors import CollectionError

_NODE_KINDS = {dict: "mapping", list: "list"}


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain value such as a name, got a {_NODE_KINDS.get(type(key), 'value')}",
                key_node.start_mark,
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first at line {seen[key] + 1}); remove one of them",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _FastLoader(getattr(yaml, "CSafeLoader", _StrictLoader)):  # type: ignore[misc]
    """`_StrictLoader`'s constructors on libyaml's C parser when PyYAML has it (some 20x faster); its nodes
    carry the same line marks. Only its error texts differ, so a file it rejects is parsed again by
    `_StrictLoader` for the documented message."""

    yaml_constructors = _StrictLoader.yaml_constructors


@dataclass
class YamlDocument:
    """A parsed YAML file and its node tree, to find the line of any path."""

    path: Path
    data: Any
    root: yaml.Node | None
    text: str = ""
    """The text it was parsed from (what `validated` remembers)."""

    def line_of(self, location: Sequence[str | int]) -> int | None:
        """1-based line of the deepest node on `location` that exists."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in location:
            child = _child(node, part)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == part:
                return value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def _parse(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the data constructed from that same tree: one parse, not two.

    Aliases that expand too far are refused before anything is constructed; with the pure-Python loader, a tree
    nested deeper than Python's recursion allows is refused where the reader got to.
    """
    loader = loader_class(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:
            if not hasattr(loader, "get_mark"):
                raise
            raise too_deep(loader.get_mark()) from None
        check_expansion(root)
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def read_yaml(path: Path, *, display: str | None = None) -> YamlDocument:
    """Parse a YAML file, raising `CollectionError` with line and hint on any problem."""
    shown = display or str(path)
    check_size(path, shown)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CollectionError(shown, "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise CollectionError(shown, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        try:
            root, data = _parse(text, _FastLoader)
        except (yaml.YAMLError, RecursionError):
            root, data = _parse(text, _StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        hint = ""
        if "\t" in problem or "'\\t'" in problem:
            hint = "; YAML does not allow tabs for indentation, indent with spaces"
        raise CollectionError(shown, where, f"invalid YAML: {problem}{hint}") from None
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        raise CollectionError(shown, f"line {line}, column {column}",
                              f"invalid YAML: {_character(exc.character)} is not allowed in YAML text; remove it") from None
    except yaml.YAMLError as exc:
        raise CollectionError(shown, "", f"invalid YAML: {exc}") from None
    return YamlDocument(path=path, data=data, root=root, text=text)


def _character(character: int | bytes | str) -> str:
    if isinstance(character, int):
        return f"the control character U+{character:04X}"
    return f"the byte {character!r}"


def _line_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of character `position`."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
