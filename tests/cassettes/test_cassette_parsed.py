"""Parsed cassettes kept as JSON across runs: used when the text is the same, parsed again when it is not."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest
from image_server import PNG
from vcr.request import Request

from imagecontract.cassettes.parsed import cache_parsed_under, json_native, parsed
from imagecontract.cassettes.storage import CassetteStorage
from imagecontract.errors import CassetteCorrupt

BASE = "http://127.0.0.1:8000/v1"


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "parsed"
    cache_parsed_under(directory)
    yield directory
    cache_parsed_under(None)


def saved(directory: Path, body: bytes = b'{"size": "256x256"}') -> Path:
    path = directory / "cassettes" / "request.yaml"
    request = Request("POST", f"{BASE}/images/generations", body, {"Content-Type": "application/json"})
    response = {"status": {"code": 200, "message": "OK"}, "headers": {"Content-Type": ["image/png"]},
                "body": {"string": PNG}, "latency": 0.25}
    CassetteStorage(BASE).save(path, [(request, response)])
    return path


def cache_file(cache: Path, cassette: Path) -> Path:
    return cache / f"{hashlib.sha256(cassette.read_bytes()).hexdigest()}.json"


def test_a_second_load_reads_the_kept_document_and_gives_the_same_interactions(tmp_path: Path, cache: Path) -> None:
    cassette = saved(tmp_path)
    first = CassetteStorage(BASE).load(cassette)
    kept = cache_file(cache, cassette)
    document = json.loads(kept.read_text())
    document["interactions"][0]["response"]["latency"] = 0.75
    kept.write_text(json.dumps(document))

    second = CassetteStorage(BASE).load(cassette)

    assert [(r.method, r.uri, r.body) for r, _ in second] == [(r.method, r.uri, r.body) for r, _ in first]
    assert second[0][1]["body"]["string"] == PNG
    assert (first[0][1]["latency"], second[0][1]["latency"]) == (0.25, 0.75)


def test_an_edited_cassette_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    cassette = saved(tmp_path)
    CassetteStorage(BASE).load(cassette)
    cassette.write_text(cassette.read_text().replace("latency: 0.25", "latency: 0.5"))

    assert CassetteStorage(BASE).load(cassette)[0][1]["latency"] == 0.5
    assert len(list(cache.glob("*.json"))) == 2


def test_an_unreadable_cache_file_is_parsed_again_and_rewritten(tmp_path: Path, cache: Path) -> None:
    cassette = saved(tmp_path)
    CassetteStorage(BASE).load(cassette)
    cache_file(cache, cassette).write_text('{"interactions": [')

    assert CassetteStorage(BASE).load(cassette)[0][1]["latency"] == 0.25
    assert json.loads(cache_file(cache, cassette).read_text())["count"] == 1


def test_a_damaged_cassette_is_reported_with_its_line_and_nothing_is_kept(tmp_path: Path, cache: Path) -> None:
    cassette = saved(tmp_path)
    cassette.write_text(cassette.read_text() + "  broken: [\n")

    with pytest.raises(CassetteCorrupt, match=r"not valid YAML .*line \d+"):
        CassetteStorage(BASE).load(cassette)
    assert not cache.exists() or not list(cache.glob("*.json"))


def test_only_documents_json_gives_back_exactly_are_kept(cache: Path) -> None:
    assert json_native({"a": [1, 2.5, None, True, "x"]})
    assert not json_native({"day": date(2026, 12, 2)})
    assert not json_native({1: "int key"})
    assert not json_native([float("nan")])
    assert parsed("day: 2026-12-02\n", lambda text: {"day": date(2026, 12, 2)}) == {"day": date(2026, 12, 2)}
    assert not cache.exists() or not list(cache.glob("*.json"))


def test_without_a_cache_directory_every_load_parses(tmp_path: Path) -> None:
    cache_parsed_under(None)
    calls = []

    def parse(text: str) -> dict[str, str]:
        calls.append(text)
        return {"text": text}

    assert parsed("a", parse) == parsed("a", parse) == {"text": "a"}
    assert calls == ["a", "a"]
