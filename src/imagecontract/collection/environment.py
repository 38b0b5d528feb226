"""Environment files: variables a collection uses but does not define, as Postman environments supply them.

Two forms are read: a YAML mapping of names to values, and a Postman
environment export (`{"values": [{"key", "value", "enabled"}]}`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from imagecontract.collection.yamlsource import read_yaml
from imagecontract.errors import CollectionError

_SCALARS = (str, int, float, bool, type(None))


def load_environment(path: Path) -> dict[str, Any]:
    """The variables of an environment file, or a `CollectionError` naming the entry at fault."""
    if path.suffix.lower() == ".json":
        return _postman_environment(path)
    data = read_yaml(path).data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CollectionError(str(path), "", f"expected a mapping of variable names to values, got {type(data).__name__}")
    for name, value in data.items():
        if not isinstance(value, _SCALARS):
            raise CollectionError(str(path), str(name), f"expected a string, number or boolean, got {type(value).__name__}")
    return {str(name): value for name, value in data.items()}


def _postman_environment(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CollectionError(str(path), "", "file not found") from None
    except ValueError as exc:
        raise CollectionError(str(path), "", f"invalid JSON: {exc}") from None
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, list):
        raise CollectionError(str(path), "values", "expected a Postman environment with a 'values' list")
    result: dict[str, Any] = {}
    for index, entry in enumerate(values):
        if not isinstance(entry, dict) or "key" not in entry:
            raise CollectionError(str(path), f"values[{index}]", "expected an object with 'key' and 'value'")
        if entry.get("enabled", True):
            result[str(entry["key"])] = entry.get("value", "")
    return result
