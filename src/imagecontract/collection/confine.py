"""Keeping fixture files inside the collection's project: a collection (or an imported Postman export) naming
`../../../../etc/passwd`, an absolute path or `~/.ssh/id_rsa` would upload that file to the target and keep it
in the cassette's side files. The run refuses such paths unless `--allow-outside-fixtures` is given."""

from __future__ import annotations

import os
from pathlib import Path

ALLOW_FLAG = "--allow-outside-fixtures"


def project_of(directory: Path) -> Path:
    """The project a collection folder belongs to: the folder holding its `collections/`, else the folder itself."""
    resolved = directory.resolve()
    for folder in (resolved, *resolved.parents):
        if folder.name == "collections":
            return folder.parent
    return resolved


def outside_reason(path_text: str, directory: Path) -> str | None:
    """Why `path_text` (relative to the collection folder `directory`) is not a file of its project, or None."""
    if path_text.startswith("~"):
        return "in a home folder (~)"
    if os.path.isabs(path_text):
        return "an absolute path"
    project = project_of(directory)
    target = (directory / path_text).resolve()
    if target != project and project not in target.parents:
        return f"outside the project {project} (after following '..' and links)"
    return None
