"""The cassette file format: exact round trips, placeholders, side files, atomic writes, clear errors."""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from image_server import PNG, make_png
from hypothesis import given, settings
from hypothesis import strategies as st
from vcr.request import Request

from imagecontract.cassettes.storage import BlobStore, CassetteStorage, atomic_write
from imagecontract.errors import CassetteCorrupt

BASE = "http://127.0.0.1:8000/v1"


def interaction(request_body: bytes = b"", request_type: str = "", response_body: bytes = b"",
                response_type: str = "application/json", uri: str = f"{BASE}/images/generations") -> tuple[Request, dict[str, Any]]:
    request = Request("POST", uri, request_body, {"Content-Type": request_type} if request_type else {})
    response = {"status": {"code": 200, "message": "OK"}, "headers": {"Content-Type": [response_type]},
                "body": {"string": response_body}, "latency": 0.5}
    return request, response


def round_trip(directory: Path, *interactions: tuple[Request, dict[str, Any]], load_base: str = BASE) -> list[tuple[Request, dict[str, Any]]]:
    path = directory / "collection" / "request.yaml"
    CassetteStorage(BASE).save(path, interactions)
    return CassetteStorage(load_base).load(path)


def bodies(loaded: list[tuple[Request, dict[str, Any]]]) -> list[tuple[bytes, bytes]]:
    return [(request.body, response["body"]["string"]) for request, response in loaded]


printable = st.text(st.characters(blacklist_categories=("Cs",)))


@settings(max_examples=200, deadline=None)
@given(printable, st.binary())
def test_text_and_binary_bodies_come_back_byte_for_byte(text: str, binary: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        loaded = round_trip(Path(directory), interaction(text.encode(), "application/json", binary, "image/png"),
                            interaction(binary, "application/octet-stream", text.encode(), "text/plain"))

    assert bodies(loaded) == [(text.encode(), binary), (binary, text.encode())]


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(printable.filter(bool), printable, max_size=3),
       st.lists(st.tuples(printable.filter(bool), st.binary(max_size=40)), min_size=1, max_size=3))
def test_multipart_bodies_come_back_byte_for_byte(fields: dict[str, str], files: list[tuple[str, bytes]]) -> None:
    request = httpx.Request("POST", BASE, data=fields, files=[(name, ("f.png", data, "image/png")) for name, data in files])
    body = request.read()
    with tempfile.TemporaryDirectory() as directory:
        loaded = round_trip(Path(directory), interaction(body, request.headers["content-type"]))

    assert bodies(loaded) == [(body, b"")]


def test_a_response_keeps_status_headers_and_latency(tmp_path: Path) -> None:
    request, response = interaction(b'{"n": 1}', "application/json", b"{}")

    [(loaded_request, loaded_response)] = round_trip(tmp_path, (request, response))

    assert loaded_response == {**response, "headers": {"Content-Type": ["application/json"]}}
    assert (loaded_request.method, loaded_request.uri, loaded_request.headers["content-type"]) == (
        "POST", f"{BASE}/images/generations", "application/json")


def test_base64_images_become_side_files_and_come_back(tmp_path: Path) -> None:
    encoded = base64.b64encode(PNG).decode()
    body = f'{{"data": [{{"b64_json": "{encoded}"}}, {{"b64_json": "{encoded}"}}], "id": "{"a1" * 40}"}}'.encode()

    loaded = round_trip(tmp_path, interaction(response_body=body))

    text = (tmp_path / "collection" / "request.yaml").read_text()
    assert encoded not in text
    assert text.count("[base64 of blobs/") == 2
    assert "a1a1a1" in text, "a long string that is no image stays inline"
    assert [path.suffix for path in (tmp_path / "collection" / "blobs").iterdir()] == [".png"]
    assert bodies(loaded) == [(b"", body)]


def test_the_target_is_a_placeholder_so_another_target_gets_its_own_urls(tmp_path: Path) -> None:
    body = (f'{{"url": "{BASE}/files/a.png", "cdn": "http://127.0.0.1:8000/files/b.png", '
            f'"other_port": "http://127.0.0.1:80001/x", "other_host": "https://cdn.example/c.png"}}').encode()

    loaded = round_trip(tmp_path, interaction(response_body=body, uri=f"{BASE}/images/generations?x=1"),
                        load_base="https://gateway.example/openai/v1/")

    text = (tmp_path / "collection" / "request.yaml").read_text()
    assert "uri: <base_url>/images/generations?x=1" in text
    assert '"url": "<base_url>/files/a.png"' in text and '"cdn": "<origin>/files/b.png"' in text
    request, response = loaded[0]
    assert request.uri == "https://gateway.example/openai/v1/images/generations?x=1"
    assert response["body"]["string"] == (
        b'{"url": "https://gateway.example/openai/v1/files/a.png", "cdn": "https://gateway.example/files/b.png", '
        b'"other_port": "http://127.0.0.1:80001/x", "other_host": "https://cdn.example/c.png"}')


def test_text_that_already_holds_a_placeholder_is_stored_verbatim(tmp_path: Path) -> None:
    body = b'{"note": "<base_url> and [base64 of blobs/0123456789abcdef0123456789abcdef.png] are literal", "u": "' + BASE.encode() + b'"}'

    loaded = round_trip(tmp_path, interaction(response_body=body), load_base="http://elsewhere/v1")

    assert bodies(loaded) == [(b"", body)]
    assert "verbatim:" in (tmp_path / "collection" / "request.yaml").read_text()


def test_the_file_is_readable_yaml_with_the_count_last(tmp_path: Path) -> None:
    round_trip(tmp_path, interaction(b'{"n": 1}', "application/json", b'{\n  "created": 1\n}'))

    text = (tmp_path / "collection" / "request.yaml").read_text()
    assert text.startswith("# imagecontract cassette")
    assert text.rstrip().endswith("count: 1")
    assert "status: {code: 200, message: OK}" in text
    assert 'text: |-\n        {\n          "created": 1\n        }' in text
    assert yaml.safe_load(text)["version"] == 1


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda doc: doc["interactions"][0].update(respnse=doc["interactions"][0].pop("response")),
     "interactions[0]: unexpected key 'respnse'; expected request, response"),
    (lambda doc: doc["interactions"][0]["request"].pop("uri"), "interactions[0].request: missing key 'uri'"),
    (lambda doc: doc.update(count=2), "count: says 2 interactions, the file holds 1: truncated or edited by hand"),
    (lambda doc: doc.update(version=2), "version: expected 1, got 2"),
    (lambda doc: doc["interactions"][0]["response"].update(latency=-1), "interactions[0].response.latency: expected seconds (0 or more), got -1"),
    (lambda doc: doc["interactions"][0]["response"]["body"].update(blob="x.png"),
     "interactions[0].response.body: expected exactly one of text, verbatim, blob, multipart, got keys ['text', 'blob']"),
    (lambda doc: doc["interactions"][0]["response"].update(body={"blob": "../../etc/passwd"}),
     "interactions[0].response.body.blob: expected a side file name like 3fa2…(32 hex digits).png, got '../../etc/passwd'"),
    (lambda doc: doc["interactions"][0]["response"]["headers"].update(date=[1]),
     "interactions[0].response.headers.date: expected a string, got 1"),
])
def test_a_hand_edit_is_reported_where_it_went_wrong(tmp_path: Path, edit: Any, expected: str) -> None:
    path = tmp_path / "request.yaml"
    CassetteStorage(BASE).save(path, [interaction(response_body=b"{}")])
    document = yaml.safe_load(path.read_text())
    edit(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))

    with pytest.raises(CassetteCorrupt) as raised:
        CassetteStorage(BASE).load(path)

    assert str(raised.value).endswith(expected), str(raised.value)


def test_a_damaged_side_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "request.yaml"
    CassetteStorage(BASE).save(path, [interaction(response_body=PNG, response_type="image/png")])
    [blob] = (tmp_path / "blobs").iterdir()
    blob.write_bytes(make_png((1, 2, 3)))

    with pytest.raises(CassetteCorrupt, match=rf"^{path}: interactions\[0\]\.response\.body\.blob: side file blobs/{blob.name} is damaged"):
        CassetteStorage(BASE).load(path)


def test_concurrent_writers_of_one_side_file_leave_it_whole(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    data = make_png(size=64)
    threads = [threading.Thread(target=store.put, args=(data,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [path.read_bytes() for path in (tmp_path / "blobs").iterdir()] == [data]


def test_a_failed_atomic_write_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "file.yaml"
    atomic_write(path, b"old")

    def fail(source: str, target: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk gone"):
        atomic_write(path, b"new")

    assert [(entry.name, entry.read_bytes()) for entry in tmp_path.iterdir()] == [("file.yaml", b"old")]
