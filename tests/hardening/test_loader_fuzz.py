"""Fuzzing the collection loader (and what the existing fuzzers of templating and matching leave out):
no input makes them raise anything but the project's documented errors (`imagecontract.errors`)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Iterator

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vcr.request import Request

from imagecontract.cassettes.matching import closest_difference, request_differences
from imagecontract.collection.loader import load_collection
from imagecontract.collection.model import Collection
from imagecontract.collection.templating import parse_assignments, render
from imagecontract.errors import CollectionError, TemplateError
from imagecontract.schemas import default_schemas_dir

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def schema_keys(node: Any) -> Iterator[str]:
    """Every property name the collection schema knows, at any depth."""
    if isinstance(node, dict):
        yield from node.get("properties", {})
        for value in node.values():
            yield from schema_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_keys(item)


KEYS = sorted(set(schema_keys(json.loads((default_schemas_dir() / "collection.schema.json").read_text()))))
TYPOS = ["expcet", "reqests", "nmae", "", "0", "true", "null"]

scalars = st.none() | st.booleans() | st.integers(-3, 10**12) | st.floats(allow_nan=True) | st.text(max_size=12) \
    | st.sampled_from(["/images/generations", "{{prompt}}", "{{", "512x512", "none", "POST", "png", "http://127.0.0.1:1/v1"])
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS + TYPOS), children, max_size=5),
    max_leaves=25,
)
"""Structured but (mostly) wrong: the schema's own keys and near-misses, holding any kind of value."""

VALID = {"name": "x", "requests": [{"name": "a", "path": "/images/generations",
                                    "json": {"prompt": "{{p}}"}, "expect": {"status": 200}}]}

yaml_tokens = st.sampled_from(["name", "requests", "- ", ": ", "\n", "  ", "\t", "{", "}", "[", "]", ",", "'", '"', "&a ",
                               "*a", "<<: *a", "!!binary ", "!!python/object:os.system ", "%YAML 1.1\n", "---\n", "...\n",
                               "#", "|", ">", "? ", "path: /i", "json: {}", "\\", "\x00", "\ufeff", "~", "🙂"])
yaml_like = st.lists(yaml_tokens, max_size=30).map("".join)


def load(data: bytes) -> Collection | None:
    """Load `data` as a collection file; None when the loader refused it with a `CollectionError`."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "fuzz.yaml"
        path.write_bytes(data)
        try:
            return load_collection(path)
        except CollectionError as error:
            assert str(error).startswith(str(path)) and error.message, error
            return None


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_load_or_fail_with_a_collection_error(data: bytes) -> None:
    load(data)


@FUZZ
@given(yaml_like | st.text(max_size=200))
def test_any_text_loads_or_fails_with_a_collection_error(text: str) -> None:
    load(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(documents)
def test_documents_from_the_schemas_keys_load_or_fail_with_a_collection_error(document: Any) -> None:
    load(yaml.safe_dump(document, allow_unicode=True).encode())


@FUZZ
@given(st.sampled_from(["name", "requests", "variables", "defaults"]), st.sampled_from(KEYS + TYPOS), documents)
def test_one_wrong_value_in_a_valid_collection_is_a_collection_error_or_still_valid(top: str, key: str, value: Any) -> None:
    document = json.loads(json.dumps(VALID))
    if top == "requests":
        document["requests"][0][key] = value
    else:
        document[top] = {key: value} if top in ("variables", "defaults") else value
    collection = load(yaml.safe_dump(document, allow_unicode=True).encode())
    assert collection is None or collection.requests


placeholder_text = st.lists(st.sampled_from(["{{", "}}", "{", "}", " ", "known", "unknown", "{{known}}", "{{ known }}",
                                             "{{unknown}}", "x", "\n"]), max_size=12).map("".join)


@FUZZ
@given(st.recursive(placeholder_text | st.integers() | st.none(),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(placeholder_text, children, max_size=3),
                    max_leaves=10))
def test_render_of_placeholder_rich_values_raises_only_template_errors(value: Any) -> None:
    """The templating fuzzer in tests/engine draws plain text, which almost never holds a `{{name}}`."""
    try:
        render(value, {"known": 1}, where="fuzz.yaml: requests[0].json")
    except TemplateError as error:
        assert "unknown variable" in str(error) and "fuzz.yaml: requests[0].json" in str(error)


@FUZZ
@given(st.lists(st.text(max_size=12), max_size=4))
def test_var_assignments_parse_or_raise_template_errors(pairs: list[str]) -> None:
    try:
        assert isinstance(parse_assignments(pairs), dict)
    except TemplateError as error:
        assert "expected NAME=VALUE" in str(error)


url_text = st.text(st.characters(blacklist_characters="[]", blacklist_categories=("Cs",)), max_size=10)
"""No brackets: vcrpy's Request refuses a malformed IPv6 host before any matcher sees it (as httpx does before sending)."""
uris = st.builds("{}://{}/{}?{}".format, st.sampled_from(["http", "https", ""]), url_text, url_text, url_text)
json_bodies = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.text(max_size=6),
                           lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
                           max_leaves=8).map(lambda value: json.dumps(value).encode())
requests = st.builds(lambda method, uri, body, kind: Request(method, uri, body, {"content-type": kind}),
                     st.sampled_from(["GET", "POST"]), uris, json_bodies | st.binary(max_size=30),
                     st.sampled_from(["application/json", "multipart/form-data; boundary=b", "text/plain", ""]))


@FUZZ
@given(st.lists(requests, min_size=1, max_size=3), requests)
def test_whole_requests_compare_without_raising(recorded: list[Request], now: Request) -> None:
    """The matching fuzzers in tests/cassettes cover bodies; this adds odd URLs, queries and methods."""
    assert all(isinstance(text, str) for text in request_differences(recorded[0], now))
    assert request_differences(now, now) == []
    assert isinstance(closest_difference(recorded, now), str)
