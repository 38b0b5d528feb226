"""Two collection files whose cassettes would share one folder (`a b.yaml` and `a-b.yaml`, `Gen.yaml` and
`gen.yaml`): refused when either is collected, before anything is sent, as two requests of one file are
(`loader._check_references`). Recording one would overwrite, or replay, the other's cassettes."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from imagecontract.collection.model import NOT_COLLECTIONS, cassette_folder
from imagecontract.errors import CollectionError

COLLECTION_SUFFIXES = (".yaml", ".yml")


def collections_root(path: Path) -> Path | None:
    """The innermost `collections` folder above `path` (the one its cassette folder is named below), or None."""
    parents = [parent for parent in path.parents if parent.name == "collections"]
    return parents[0] if parents else None


def sharing_folder(path: Path) -> Path | None:
    """Another collection file under the same `collections/` whose cassette folder is `path`'s, or None."""
    root = collections_root(path)
    if root is None:
        return None
    mine = cassette_folder(path)
    for other in sorted(root.rglob("*")):
        below = other.relative_to(root).parts
        if (other.suffix in COLLECTION_SUFFIXES and other.name not in NOT_COLLECTIONS and other != path
                and not any(part.startswith(".") for part in below) and other.is_file()
                and cassette_folder(other) == mine):
            return other
    return None


def refuse_shared_folder(path: Path, shown: Callable[[Path], str]) -> None:
    """Raise a located error naming both files when another collection file would share `path`'s cassette folder
    (`shown` names a file to the user, e.g. relative to the rootdir)."""
    other = sharing_folder(path)
    if other is not None:
        raise CollectionError(shown(path), "", (
            f"its cassettes would share the folder {cassette_folder(path)}/ with those of {shown(other)}; "
            f"rename one of the two files so their names differ in more than case and punctuation"))
