"""What an import carries along: the notes it makes for its user, and the context of one import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Note:
    """One thing the import changed or could not translate, at a Postman item."""

    location: str
    name: str
    message: str
    level: str = "warning"  # or "info"
    request_index: int | None = None
    comment: list[str] = field(default_factory=list)
    """Lines kept as a YAML comment above the request (an untranslated script)."""

    def __str__(self) -> str:
        where = f'{self.location} "{self.name}"' if self.name else self.location
        prefix = "note: " if self.level == "info" else ""
        return f"{where}: {prefix}{self.message}"


@dataclass
class Context:
    """One import's variables, notes, and the folders that file paths are relative to."""

    variables: dict[str, Any]
    notes: list[Note]
    source_dir: str | None
    target_dir: str | None
    base_variables: set[str] = field(default_factory=set)


def description_text(value: Any) -> str:
    """A Postman description, given as text or as `{content, type}`, as plain text."""
    if isinstance(value, dict):
        value = value.get("content", "")
    return str(value or "").strip()
