"""A collection text that passed its schema is remembered by content; any other text is validated as before."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from imagecontract.collection.loader import load_collection
from imagecontract.collection.validated import known_valid, remember_valid, remember_valid_under
from imagecontract.errors import CollectionError

VALID = """name: Demo
requests:
  - name: generate
    path: /images/generations
    json: {model: gpt-image-1.5, prompt: a cat, size: 1024x1024}
"""


@pytest.fixture
def markers(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "valid"
    remember_valid_under(directory)
    yield directory
    remember_valid_under(None)


def test_a_valid_collection_is_remembered_and_loads_the_same_again(tmp_path: Path, markers: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(VALID)

    first = load_collection(path)
    assert len(list(markers.glob("*.ok"))) == 1
    second = load_collection(path)

    assert [(spec.name, spec.json) for spec in first.requests] == [(spec.name, spec.json) for spec in second.requests]


def test_an_edit_that_breaks_a_remembered_collection_is_reported(tmp_path: Path, markers: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(VALID)
    load_collection(path)
    path.write_text(VALID.replace("    path:", "    expcet: {status: 200}\n    path:"))

    with pytest.raises(CollectionError, match=r"demo.yaml:3: requests\[0\]: unknown key 'expcet' \(did you mean 'expect'\?\)"):
        load_collection(path)
    assert len(list(markers.glob("*.ok"))) == 1


def test_an_invalid_collection_is_never_remembered(tmp_path: Path, markers: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(VALID.replace("    path:", "    expcet: {status: 200}\n    path:"))

    for _ in range(2):
        with pytest.raises(CollectionError, match="unknown key 'expcet'"):
            load_collection(path)
    assert not markers.exists() or not list(markers.glob("*.ok"))


def test_a_marker_holds_for_one_schema_and_one_text_only(markers: Path) -> None:
    remember_valid(b"schema 1", b"text")

    assert known_valid(b"schema 1", b"text")
    assert not known_valid(b"schema 2", b"text")
    assert not known_valid(b"schema 1", b"text ")


def test_without_a_place_nothing_is_remembered(tmp_path: Path) -> None:
    remember_valid_under(None)
    remember_valid(b"schema", b"text")

    assert not known_valid(b"schema", b"text")
