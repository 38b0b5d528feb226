"""An imported collection as readable YAML: block style, request order, untranslated scripts as comments."""

from __future__ import annotations

from typing import Any, Mapping

import yaml

from imagecontract.postman.notes import Note


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else ">" if len(value) > 100 and value.isprintable() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def to_yaml(collection: Mapping[str, Any], notes: list[Note] = (), *, header: str = "") -> str:
    """The collection as readable block-style YAML, in request order, scripts kept as comments."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    head = {key: value for key, value in collection.items() if key != "requests"}
    text = "\n".join(lines) + ("\n" if lines else "") + _dump(head)
    for note in notes:
        if note.request_index is None and note.comment:
            text += "".join(f"# {line}".rstrip() + "\n" for line in [f"{note.message}:", *note.comment])
    text += "requests:\n"
    comments: dict[int, list[str]] = {}
    for note in notes:
        if note.request_index is not None and note.comment:
            comments.setdefault(note.request_index, []).extend(note.comment)
    for index, request in enumerate(collection["requests"]):
        if index:
            text += "\n"
        for line in comments.get(index, []):
            text += f"  # {line}".rstrip() + "\n"
        item = _dump([request])
        text += "".join(f"  {line}\n" for line in item.splitlines())
    return text
