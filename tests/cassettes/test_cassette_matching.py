"""Request matching: bodies by meaning, differences in words, never an unexpected exception."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vcr.request import Request

from imagecontract.cassettes.matching import Body, body_differences, closest_difference, parse_multipart, request_differences
from imagecontract.multipart import join_multipart, split_multipart

Fields = dict[str, list[str]]
Files = list[tuple[str, tuple[str, bytes, str]]]


def multipart(fields: Fields, files: Files, boundary: str) -> Body:
    """The body httpx sends; it needs a file to use multipart at all."""
    assert files, "without files httpx sends a urlencoded form"
    request = httpx.Request("POST", "http://test/", data=fields, files=files,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return Body(request.headers["content-type"], request.read())


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12] + "…"


def json_body(text: str) -> Body:
    return Body("application/json", text.encode())


def request(method: str = "POST", uri: str = "http://h/v1/images/generations", body: bytes = b"{}",
            content_type: str = "application/json") -> Request:
    return Request(method, uri, body, {"Content-Type": content_type})


IMAGE = ("a.png", b"\x89PNG first", "image/png")
OTHER = ("b.png", b"\x89PNG second", "image/png")


@pytest.mark.parametrize(("recorded", "now", "expected"), [
    ('{"n": 1, "size": "256x256"}', '{"size": "256x256", "n": 1}', []),
    ('{"n": 1}', '{"n": 2}', ["JSON body: $.n 1 recorded, 2 now"]),
    ('{"n": 1}', '{"n": 1.0}', []),
    ('{"n": 1}', '{"n": true}', ["JSON body: $.n 1 recorded, true now"]),
    ('{"quality": "hd"}', "{}", ['JSON body: $.quality "hd" recorded, absent now']),
    ('{"a": {"b": [1, 2]}}', '{"a": {"b": [1, 3]}}', ["JSON body: $.a.b[1] 2 recorded, 3 now"]),
    ('{"a": [1]}', '{"a": [1, 2]}', ["JSON body: $.a 1 items recorded, 2 now"]),
    ('{"odd key": 1}', '{"odd key": 2}', ['JSON body: $["odd key"] 1 recorded, 2 now']),
    ('{"user": "[redacted]"}', '{"user": "any-key-at-all"}', []),
    ('{"prompt": "cat [redacted] dog"}', '{"prompt": "cat sk-x dog"}', []),
    ('{"prompt": "cat [redacted] dog"}', '{"prompt": "cow sk-x dog"}',
     ['JSON body: $.prompt "cat [redacted] dog" recorded, "cow sk-x dog" now']),
    ("not json", "not json", []),
    ("not json", "not json either", ["body: 'not json' recorded, 'not json either' now"]),
])
def test_json_bodies_compare_by_meaning(recorded: str, now: str, expected: list[str]) -> None:
    assert body_differences(json_body(recorded), json_body(now)) == expected


def test_multipart_ignores_the_boundary_and_the_order_of_different_fields() -> None:
    recorded = multipart({"prompt": ["cat"], "size": ["512x512"]}, [("image[]", IMAGE)], "a" * 32)
    now = multipart({"size": ["512x512"], "prompt": ["cat"]}, [("image[]", IMAGE)], "b" * 32)

    assert body_differences(recorded, now) == []


@pytest.mark.parametrize(("fields", "files", "expected"), [
    ({"size": ["256x256"]}, [("mask", IMAGE)], ["field 'size': '512x512' recorded, '256x256' now"]),
    ({"size": ["512x512"]}, [("mask", ("a.png", OTHER[1], "image/png"))],
     [f"part 'mask': sha256 {digest(IMAGE[1])} recorded, {digest(OTHER[1])} now"]),
    ({"size": ["512x512"]}, [("mask", ("b.png", IMAGE[1], "image/png"))], ["part 'mask': filename 'a.png' recorded, 'b.png' now"]),
    ({"size": ["512x512"]}, [("mask", ("a.png", IMAGE[1], "image/webp"))],
     ["part 'mask': content type 'image/png' recorded, 'image/webp' now"]),
    ({"size": ["512x512"]}, [("image", IMAGE)],
     [f"part 'mask': sha256 {digest(IMAGE[1])} recorded, absent now", f"part 'image': absent recorded, sha256 {digest(IMAGE[1])} now"]),
    ({"size": ["512x512"], "style": ["vivid"]}, [("mask", IMAGE)], ["field 'style': absent recorded, 'vivid' now"]),
    ({}, [("mask", IMAGE), ("size", ("s.txt", b"512x512", "text/plain"))], ["field 'size': text field recorded, file part now"]),
])
def test_multipart_says_which_part_differs(fields: Fields, files: Files, expected: list[str]) -> None:
    recorded = multipart({"size": ["512x512"]}, [("mask", IMAGE)], "r" * 16)

    assert body_differences(recorded, multipart(fields, files, "n" * 16)) == expected


def test_multipart_keeps_the_order_of_same_named_parts() -> None:
    first, second = ("image[]", IMAGE), ("image[]", OTHER)
    recorded = multipart({}, [first, second], "r" * 16)

    differences = body_differences(recorded, multipart({}, [second, first], "n" * 16))
    counted = body_differences(recorded, multipart({}, [first], "n" * 16))

    assert differences[0] == "part 'image[]' #1: filename 'a.png' recorded, 'b.png' now"
    assert len(differences) == 4
    assert counted == [f"part 'image[]': 2 parts recorded, sha256 {digest(IMAGE[1])} now"]


def test_bodies_of_different_kinds_say_so() -> None:
    recorded = multipart({"n": ["1"]}, [("image", IMAGE)], "r" * 16)

    assert body_differences(recorded, json_body('{"n": 1}')) == ["body: multipart recorded, JSON now"]


def test_requests_compare_method_url_query_and_body_but_not_headers() -> None:
    recorded = Request("POST", "http://h/v1/images/generations?api-version=1&x=a", b'{"n": 1}',
                       {"Content-Type": "application/json", "Authorization": "Bearer one"})
    same = Request("POST", "http://h/v1/images/generations?x=a&api-version=1", b'{"n":1}',
                   {"content-type": "application/json", "Authorization": "Bearer two", "User-Agent": "other"})
    other = Request("GET", "http://h/v1/images/edits?api-version=2", b'{"n": 1}', {"Content-Type": "application/json"})

    assert request_differences(recorded, same) == []
    assert request_differences(recorded, other) == [
        "method: POST recorded, GET now",
        "URL: 'http://h/v1/images/generations' recorded, 'http://h/v1/images/edits' now",
        "query 'api-version': '1' recorded, '2' now",
        "query 'x': 'a' recorded, absent now",
    ]


def test_the_closest_recorded_request_is_named_when_there_are_several() -> None:
    generation = request(body=b'{"n": 1}')
    download = request("GET", "http://h/files/a.png", b"", "")

    assert closest_difference([generation], request(body=b'{"n": 2}')) == "JSON body: $.n 1 recorded, 2 now"
    assert closest_difference([download, generation], request(body=b'{"n": 2}')) == (
        "JSON body: $.n 1 recorded, 2 now (closest recorded request: POST http://h/v1/images/generations)"
    )
    assert closest_difference([], generation) == "the cassette holds no requests"


def test_a_long_list_of_differences_is_cut() -> None:
    recorded = json_body('{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1}')
    now = json_body('{"a": 2, "b": 2, "c": 2, "d": 2, "e": 2, "f": 2, "g": 2}')

    assert closest_difference([request(body=recorded.data)], request(body=now.data)).endswith("; and 2 more")


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
plain_names = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\%'), min_size=1, max_size=8)
"""Names httpx sends unescaped, so the name in a difference is the one the test chose."""
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=16)
field_sets = st.dictionaries(names, st.lists(texts, min_size=1, max_size=2), max_size=3)
content_kinds = st.sampled_from(["image/png", "image/jpeg", "text/plain"])
file_lists = st.lists(st.tuples(names, st.tuples(names, st.binary(max_size=48), content_kinds)), min_size=1, max_size=4)
plain_file_lists = st.lists(st.tuples(plain_names, st.tuples(names, st.binary(max_size=48), content_kinds)),
                            min_size=1, max_size=4)
boundaries = st.text("0123456789abcdef", min_size=16, max_size=32)


@settings(max_examples=150, deadline=None)
@given(field_sets, file_lists, boundaries, boundaries)
def test_equal_parts_match_whatever_the_boundaries(fields: Fields, files: Files, first: str, second: str) -> None:
    recorded, now = multipart(fields, files, first), multipart(fields, files, second)

    assert body_differences(recorded, now) == []
    assert join_multipart(split_multipart(recorded.data, first), first) == recorded.data
    assert len(parse_multipart(recorded)) == sum(map(len, fields.values())) + len(files)


@settings(max_examples=150, deadline=None)
@given(field_sets, plain_file_lists, st.data())
def test_a_changed_file_is_named(fields: Fields, files: Files, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(files) - 1))
    name, (filename, content, content_type) = files[index]
    changed = [*files[:index], (name, (filename, content + b"!", content_type)), *files[index + 1:]]

    differences = body_differences(multipart(fields, files, "a" * 16), multipart(fields, changed, "b" * 16))

    assert any(f"part {name!r}" in difference and "sha256" in difference for difference in differences)


pieces = st.sampled_from([b"--b", b"--b--", b"\r\n", b"\r\n\r\n", b'Content-Disposition: form-data; name="x"',
                          b'; filename="f"', b"Content-Type: image/png", b"\xff\xfe", b'"', b";", b"="])
fuzzed = st.lists(st.one_of(pieces, st.binary(max_size=8)), max_size=12).map(b"".join)
content_types = st.sampled_from(["multipart/form-data; boundary=b", "multipart/form-data", "application/json",
                                 "multipart/form-data; boundary=\"b\"", "", "text/plain"])


@settings(max_examples=300, deadline=None)
@given(content_types, fuzzed, content_types, fuzzed)
def test_any_bytes_compare_without_raising(first_type: str, first: bytes, second_type: str, second: bytes) -> None:
    differences: Any = body_differences(Body(first_type, first), Body(second_type, second))

    assert isinstance(differences, list) and all(isinstance(item, str) for item in differences)
    assert body_differences(Body(first_type, first), Body(first_type, first)) == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "[redacted]"]), max_size=6).map("".join), st.text("ab", max_size=8))
def test_a_redacted_value_stands_for_any_text(recorded: str, now: str) -> None:
    reference = re.fullmatch(".*".join(map(re.escape, recorded.split("[redacted]"))), now, re.DOTALL) is not None

    assert (body_differences(Body("text/plain", recorded.encode()), Body("text/plain", now.encode())) == []) == reference
