"""The schema store: shipped schemas, failures with paths and reasons, and broken schema files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagecontract.errors import SchemaError
from imagecontract.schemas import SchemaStore, default_schemas_dir

SHIPPED = [
    "image.schema.json",
    "usage.schema.json",
    "images_response.schema.json",
    "error.schema.json",
    "image_generation.partial_image.schema.json",
    "image_generation.completed.schema.json",
    "image_edit.partial_image.schema.json",
    "image_edit.completed.schema.json",
]

USAGE = {
    "total_tokens": 100,
    "input_tokens": 50,
    "output_tokens": 50,
    "input_tokens_details": {"text_tokens": 10, "image_tokens": 40},
}


def write(directory: Path, name: str, schema: object) -> None:
    (directory / name).write_text(json.dumps(schema) if not isinstance(schema, str) else schema)


@pytest.fixture(scope="module")
def store() -> SchemaStore:
    return SchemaStore(default_schemas_dir())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_schemas_are_valid_and_resolve(store: SchemaStore, name: str) -> None:
    assert store.validator(name) is store.validator(name)


DOCUMENTED = [
        ("images_response.schema.json", {"created": 1667860720, "data": [{"b64_json": "iVBORw0KGgo="}]}),
        ("images_response.schema.json", {"created": 1589478378, "data": [{"url": "https://x", "revised_prompt": "otter"}]}),
        ("images_response.schema.json", {"created": 1, "data": [{"b64_json": "aGk="}], "usage": USAGE,
                                         "background": "opaque", "output_format": "png", "quality": "high",
                                         "size": "1024x1024", "extra": "tolerated"}),
        ("error.schema.json", {"error": {"code": None, "message": "'image' is a required property",
                                         "param": None, "type": "invalid_request_error"}}),
        ("image_generation.partial_image.schema.json", {
            "type": "image_generation.partial_image", "b64_json": "aGk=", "created_at": 1, "size": "1024x1024",
            "quality": "low", "background": "opaque", "output_format": "png", "partial_image_index": 0}),
        ("image_edit.completed.schema.json", {
            "type": "image_edit.completed", "b64_json": "aGk=", "created_at": 1, "size": "1024x1024",
            "quality": "low", "background": "opaque", "output_format": "png", "usage": USAGE}),
]


@pytest.mark.parametrize("name, instance", DOCUMENTED)
def test_documented_shapes_pass(store: SchemaStore, name: str, instance: object) -> None:
    assert store.validate(instance, name) == []


@pytest.mark.parametrize(
    "name, instance, path, reason",
    [
        ("images_response.schema.json", {"created": 1, "data": [{"b64_json": 5}]},
         "$.data[0].b64_json", "expected string, got integer 5"),
        ("images_response.schema.json", {"data": []}, "$", "required property 'created' is missing"),
        ("images_response.schema.json", {"created": "now", "data": []}, "$.created", 'expected integer, got string "now"'),
        ("images_response.schema.json", {"created": 1, "data": [{}]}, "$.data[0]",
         "matches none of the allowed forms: required property 'b64_json' is missing; "
         "or required property 'url' is missing"),
        ("images_response.schema.json", {"created": 1, "data": [], "usage": {**USAGE, "total_tokens": -1}},
         "$.usage.total_tokens", "expected at least 0, got integer -1"),
        ("error.schema.json", {"error": {"message": "m", "type": "t", "code": None}},
         "$.error", "required property 'param' is missing"),
        ("error.schema.json", {"error": {"message": "m", "type": "t", "code": 5, "param": None}},
         "$.error.code", "expected string or null, got integer 5"),
        ("image_generation.completed.schema.json", {
            "type": "image_edit.completed", "b64_json": "aGk=", "created_at": 1, "size": "s", "quality": "q",
            "background": "b", "output_format": "png", "usage": USAGE},
         "$.type", 'expected "image_generation.completed", got string "image_edit.completed"'),
    ],
)
def test_failures_say_where_and_what(store: SchemaStore, name: str, instance: object, path: str, reason: str) -> None:
    failures = store.validate(instance, name)
    assert [(failure.check, failure.path, failure.reason) for failure in failures] == [("response_schema", path, reason)]


def test_every_missing_property_is_named_once(store: SchemaStore) -> None:
    failures = store.validate({"error": {}}, "error.schema.json")
    assert [failure.reason for failure in failures] == [
        f"required property {key!r} is missing" for key in ("message", "type", "param", "code")
    ]


def test_long_values_are_shortened_in_reasons(store: SchemaStore) -> None:
    (failure,) = store.validate({"created": "x" * 5000, "data": []}, "images_response.schema.json")
    assert "(5000 chars)" in failure.reason and len(failure.reason) < 120


def test_paths_can_be_rooted_elsewhere(store: SchemaStore) -> None:
    (failure,) = store.validate({"created": 1, "data": 3}, "images_response.schema.json", at="$.events[2]")
    assert failure.path == "$.events[2].data"


def test_missing_schema_file_lists_what_exists(tmp_path: Path) -> None:
    write(tmp_path, "a.schema.json", {"type": "object"})
    with pytest.raises(SchemaError, match=r"nope\.schema\.json: no such schema file .*a\.schema\.json"):
        SchemaStore(tmp_path).validate({}, "nope.schema.json")


def test_schema_names_must_be_plain_file_names(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="is not a file name in .*nothing is fetched"):
        SchemaStore(tmp_path).validate({}, "../secrets.json")


def test_schema_that_is_not_json(tmp_path: Path) -> None:
    write(tmp_path, "bad.schema.json", "{ nope")
    with pytest.raises(SchemaError, match=r"bad\.schema\.json: not valid JSON: .* line 1 column 3"):
        SchemaStore(tmp_path).validator("bad.schema.json")


def test_schema_that_breaks_the_metaschema(tmp_path: Path) -> None:
    write(tmp_path, "bad.schema.json", {"type": "object", "properties": {"x": {"type": "strnig"}}})
    with pytest.raises(SchemaError, match=r"bad\.schema\.json: not a valid JSON Schema 2020-12 at \$\.properties\.x\.type"):
        SchemaStore(tmp_path).validator("bad.schema.json")


def test_ref_to_a_missing_file_names_the_referrer_and_the_ref(tmp_path: Path) -> None:
    write(tmp_path, "top.schema.json", {"properties": {"u": {"$ref": "usage.schema.json"}}})
    with pytest.raises(SchemaError, match=r"top\.schema\.json: \$ref 'usage\.schema\.json' cannot be resolved: .*no such"):
        SchemaStore(tmp_path).validator("top.schema.json")


def test_ref_to_a_missing_pointer(tmp_path: Path) -> None:
    write(tmp_path, "top.schema.json", {"$ref": "#/$defs/nothing"})
    with pytest.raises(SchemaError, match=r"\$ref '#/\$defs/nothing' cannot be resolved: the pointer"):
        SchemaStore(tmp_path).validator("top.schema.json")


def test_broken_ref_deeper_down_names_the_file_it_is_in(tmp_path: Path) -> None:
    write(tmp_path, "top.schema.json", {"$ref": "middle.schema.json"})
    write(tmp_path, "middle.schema.json", {"$ref": "gone.schema.json"})
    with pytest.raises(SchemaError, match=r"middle\.schema\.json: \$ref 'gone\.schema\.json'"):
        SchemaStore(tmp_path).validator("top.schema.json")


def test_ref_to_an_invalid_schema_says_why(tmp_path: Path) -> None:
    write(tmp_path, "top.schema.json", {"$ref": "bad.schema.json"})
    write(tmp_path, "bad.schema.json", {"minimum": "zero"})
    with pytest.raises(SchemaError, match=r"top\.schema\.json: \$ref 'bad\.schema\.json' .*not a valid JSON Schema"):
        SchemaStore(tmp_path).validator("top.schema.json")


def test_urls_are_never_fetched(tmp_path: Path) -> None:
    write(tmp_path, "top.schema.json", {"$ref": "https://example.com/usage.schema.json"})
    with pytest.raises(SchemaError, match=r"\$ref 'https://example\.com/usage\.schema\.json' cannot be resolved"):
        SchemaStore(tmp_path).validator("top.schema.json")


def test_refs_between_files_and_cycles_resolve(tmp_path: Path) -> None:
    write(tmp_path, "node.schema.json", {
        "type": "object",
        "properties": {"child": {"$ref": "node.schema.json"}, "leaf": {"$ref": "leaf.schema.json#/$defs/n"}},
    })
    write(tmp_path, "leaf.schema.json", {"$defs": {"n": {"type": "integer"}}})
    failures = SchemaStore(tmp_path).validate({"child": {"child": {"leaf": "x"}}}, "node.schema.json")
    assert [(failure.path, failure.reason) for failure in failures] == [
        ("$.child.child.leaf", 'expected integer, got string "x"')
    ]


def test_default_dir_prefers_the_callers_project(tmp_path: Path) -> None:
    assert default_schemas_dir(tmp_path) == default_schemas_dir()
    (tmp_path / "schemas").mkdir()
    assert default_schemas_dir(tmp_path) == tmp_path / "schemas"
    assert SchemaStore.default(tmp_path).directory == tmp_path / "schemas"


def test_default_dir_falls_back_to_the_source_tree() -> None:
    assert (default_schemas_dir() / "images_response.schema.json").is_file()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | st.sampled_from(["png", "opaque", "1024x1024", "image_edit.completed", "aGk="]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _mutated(draw: st.DrawFn, value: object) -> object:
    """`value` with one place changed: a value replaced, a key removed or added, or left alone."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        action = draw(st.sampled_from(["replace", "remove", "descend", "add"]))
        if action == "remove":
            return {name: item for name, item in value.items() if name != key}
        if action == "add":
            return {**value, draw(st.text(max_size=6)): draw(JSON_VALUES)}
        return {**value, key: draw(JSON_VALUES) if action == "replace" else _mutated(draw, value[key])}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _mutated(draw, value[index]), *value[index + 1:]]
    return draw(JSON_VALUES) if draw(st.booleans()) else value


@st.composite
def near_documented(draw: st.DrawFn) -> tuple[str, object]:
    name, instance = draw(st.sampled_from(DOCUMENTED))
    for _ in range(draw(st.integers(1, 3))):
        instance = _mutated(draw, instance)
    return name, instance


_SHARED_STORE = SchemaStore(default_schemas_dir())


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(near_documented())
def test_the_fast_validator_agrees_with_jsonschema(case: tuple[str, object]) -> None:
    """jsonschema-rs only says "valid" first: its verdict must be jsonschema's on bodies near the documented ones."""
    store = _SHARED_STORE
    name, instance = case
    fast = store.fast_validator(name)
    assert fast is not None
    assert fast.is_valid(instance) == (not list(store.validator(name).iter_errors(instance)))


def test_a_schema_with_a_pattern_is_judged_by_jsonschema_alone(tmp_path: Path) -> None:
    """`\\Z` is Python's end of text, which Rust's regex does not know: the verdict is Python's."""
    write(tmp_path, "word.schema.json", {"type": "object", "properties": {"w": {"$ref": "tail.schema.json"}}})
    write(tmp_path, "tail.schema.json", {"type": "string", "pattern": "^[a-z]+\\Z"})
    store = SchemaStore(tmp_path)
    assert store.fast_validator("word.schema.json") is None
    assert store.validate({"w": "abc"}, "word.schema.json") == []
    assert [failure.path for failure in store.validate({"w": "ab1"}, "word.schema.json")] == ["$.w"]


def test_values_json_cannot_hold_are_judged_by_jsonschema(store: SchemaStore) -> None:
    body = {"created": 10**30, "data": [{"b64_json": "aGk="}]}
    assert store.validate(body, "images_response.schema.json") == []


@pytest.mark.parametrize("ref, reason", [
    ("usage.schema.json", "no such schema file"),
    ("#/$defs/nowhere", "the pointer '/$defs/nowhere' leads nowhere"),
])
def test_judging_a_body_with_a_broken_ref_says_which_ref(tmp_path: Path, ref: str, reason: str) -> None:
    """The fast validator's compilation fails on the reference; jsonschema's checks word the error."""
    write(tmp_path, "top.schema.json", {"properties": {"u": {"$ref": ref}}})
    with pytest.raises(SchemaError, match=rf"top\.schema\.json: \$ref '{re.escape(ref)}' cannot be resolved: .*{re.escape(reason)}"):
        SchemaStore(tmp_path).validate({"u": 1}, "top.schema.json")


def test_a_schema_file_known_valid_is_not_checked_again(tmp_path: Path) -> None:
    """A file that passed the metaschema is remembered by its text; an edited one is checked again."""
    from imagecontract.collection.validated import remember_valid_under

    write(tmp_path, "a.schema.json", {"type": "object"})
    remember_valid_under(tmp_path / "valid")
    try:
        assert SchemaStore(tmp_path).validate({}, "a.schema.json") == []
        assert len(list((tmp_path / "valid").iterdir())) == 1
        write(tmp_path, "a.schema.json", {"type": "object", "minProperties": "two"})
        with pytest.raises(SchemaError, match="not a valid JSON Schema 2020-12"):
            SchemaStore(tmp_path).validate({}, "a.schema.json")
    finally:
        remember_valid_under(None)
