"""The official spec (its images part, vendored in tests/fixtures/openapi) against the suite: every sandbox answer
and every recorded cassette body matches the spec's schemas (widened only where `spec_schemas.PATCHES` says why),
and every example of the spec's images operations matches `schemas/` (or is listed as a spec-internal
inconsistency, with the reason, and shown to be one)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import yaml
from spec_schemas import PATCHES, SPEC_FILE, errors, schema_for, spec

from imagecontract.cassettes.storage import EVENTS, CassetteStorage
from imagecontract.run.http import parse_event
from imagecontract.schemas import SchemaStore, default_schemas_dir
from imagecontract.run.uploads import generate_image

REPO = Path(__file__).resolve().parents[2]
KEY = {"Authorization": "Bearer sk-spec-test-0123456789"}
PNG = generate_image("png", 256, 256, seed="spec")
MASK = generate_image("png", 256, 256, mask=True)
DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def test_the_fixture_says_where_it_came_from() -> None:
    document = spec()
    assert document["info"]["version"] == "2.3.0"
    assert document["x-vendored"]["commit"].startswith("f85dbe2") and document["x-vendored"]["date"] == "2026-08-21"
    assert set(document["paths"]) == {"/images/edits", "/images/generations", "/images/variations", "/files"}


def gen(**body: Any) -> tuple[str, dict[str, Any]]:
    return "generations", {"json": {"prompt": "a lighthouse", **body}}


def edit(files: dict[str, Any] | None = None, **fields: Any) -> tuple[str, dict[str, Any]]:
    return "edits", {"data": {"prompt": "at night", **{k: str(v) for k, v in fields.items()}},
                     "files": files or {"image": ("in.png", PNG, "image/png")}}


TODAY = [
    *(gen(model=model, size="1024x1024", quality="low") for model in
      ("gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest", "gpt-image-2", "gpt-image-2.6-flare")),
    gen(model="gpt-image-2", size="1536x864", quality="low", background="transparent"),
    gen(model="gpt-image-2.5-sunburst", size="256x256", quality="xhigh", safety_identifier="user-1"),
    gen(model="gpt-image-2.5-flare", size="256x256", quality="max", output_format="gif", frame_count=3),
    gen(model="gpt-image-2.5-flare", size="256x256", output_format="svg", svg={"model": "gpt-5.5"}),
    gen(model="gpt-image-1.5", size="auto", quality="auto", n=2, output_format="webp"),
    gen(model="gpt-image-1.5", size="1024x1024", quality="low", stream=True, partial_images=2, n=2),
    gen(model="gpt-image-2", size="512x288", quality="high", stream=True, partial_images=1),
    edit(model="gpt-image-1.5", size="1024x1024", quality="low", input_fidelity="high"),
    edit(files={"image": ("in.png", PNG, "image/png"), "mask": ("m.png", MASK, "image/png")}, model="gpt-image-2",
         size="256x256", quality="low", stream="true", partial_images=1),
    ("edits", {"json": {"prompt": "p", "images": [{"image_url": DATA_URL}], "size": "1024x1536", "quality": "low"}}),
    ("files", {"data": {"purpose": "vision"}, "files": {"file": ("in.png", PNG, "image/png")}}),
    gen(model="dall-e-2"),
    gen(model="gpt-image-2", size="1000x1000"),
    gen(prompt=""),
    ("variations", {"files": {"image": ("in.png", PNG, "image/png")}}),
]
SEED_ERA = [
    gen(size="256x256"),
    gen(model="dall-e-2", size="512x512", response_format="b64_json", n=2),
    gen(model="dall-e-3", quality="hd", style="natural"),
    gen(model="gpt-image-1", size="1024x1536", quality="low", output_format="jpeg"),
    edit(files={"image": ("in.png", PNG, "image/png"), "mask": ("m.png", MASK, "image/png")}, size="256x256"),
    ("variations", {"files": {"image": ("in.png", PNG, "image/png")}, "data": {"size": "256x256"}}),
    gen(model="dall-e-2", n=11),
]


def answers(base_url: str, cases: list[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, int, Any]]:
    """(what, status, JSON body or stream event) of every answer to `cases`."""
    for endpoint, kwargs in cases:
        path = "/files" if endpoint == "files" else f"/images/{endpoint}"
        response = httpx.post(base_url + path, headers=KEY, timeout=60, **kwargs)
        label = f"{path} {json.dumps(kwargs.get('json') or kwargs.get('data'))[:90]}"
        if response.headers["content-type"].startswith("text/event-stream"):
            for block in response.text.split("\n\n"):
                event = parse_event(block, 0.0) if block.strip() else None
                if event is not None:
                    yield f"{label} event", response.status_code, event.data
        else:
            yield label, response.status_code, response.json()


def judged(label: str, status: int, body: Any, patches: tuple[str, ...] | None = None) -> list[str]:
    path = label.split(" ", 1)[0]
    schema = schema_for(path, status, body if label.endswith(" event") else None)
    return [f"{label}: {schema}: {problem}" for problem in (errors(body, schema, patches) if schema else [])]


@pytest.fixture(scope="module")
def sandbox_answers(today_sandbox_url: str, sandbox_url: str) -> list[tuple[str, int, Any]]:
    return [*answers(today_sandbox_url, TODAY), *answers(sandbox_url, SEED_ERA)]


def test_every_sandbox_answer_matches_the_spec(sandbox_answers: list[tuple[str, int, Any]]) -> None:
    assert len(sandbox_answers) > len(TODAY) + len(SEED_ERA)
    assert {status for _, status, _ in sandbox_answers} >= {200, 400, 404}
    problems = [problem for answer in sandbox_answers for problem in judged(*answer)]
    assert problems == []


@pytest.mark.parametrize("patch", PATCHES, ids=lambda patch: patch.name)
def test_every_widening_of_the_spec_is_needed(sandbox_answers: list[tuple[str, int, Any]], patch: Any) -> None:
    """Without it, some correct answer (one the SDK 3.57.0 parses) fails the spec: the widening is no excuse."""
    others = tuple(other.name for other in PATCHES if other is not patch)
    assert any(judged(*answer, patches=others) for answer in sandbox_answers), patch.name


def cassette_bodies() -> Iterator[tuple[str, int, Any]]:
    """(what, status, JSON body or event) of every recorded API answer in the bundled cassettes."""
    storage = CassetteStorage("http://127.0.0.1/v1")
    for path in sorted((REPO / "cassettes").rglob("*.yaml")):
        for request, response in storage.load(path):
            where = request.uri.split("/v1", 1)[-1]
            label = f"{where} {path.relative_to(REPO)}"
            if EVENTS in response:
                for _, block in response[EVENTS]:
                    event = parse_event(block.decode() if isinstance(block, bytes) else block, 0.0)
                    if event is not None:
                        yield f"{label} event", response["status"]["code"], event.data
            elif where.startswith(("/images/", "/files")):
                yield label, response["status"]["code"], json.loads(response["body"]["string"])


def test_every_recorded_cassette_body_matches_the_spec() -> None:
    bodies = list(cassette_bodies())
    assert len(bodies) > 135
    problems = [problem for body in bodies for problem in judged(*body)]
    assert problems == []


# --- The spec's own examples against schemas/ ------------------------------------------------------------------

SPEC_INTERNAL: dict[str, str] = {
    "/images/edits Streaming": "its event lines carry only type, b64_json and partial_image_index (or usage), while "
                               "the spec's own ImageEdit*Event schemas require created_at, size, quality, background "
                               "and output_format",
    "/images/generations Streaming": "its event lines carry only type, b64_json and partial_image_index (or usage), "
                                     "while the spec's own ImageGen*Event schemas require created_at, size, quality, "
                                     "background and output_format",
}
"""Examples of the spec that its own schemas refuse (so ours do too), by operation and example title."""

OUR_SCHEMAS = {**{kind: f"{kind}.schema.json" for kind in
                  ("image_generation.partial_image", "image_generation.completed", "image_edit.partial_image",
                   "image_edit.completed")}, "response": "images_response.schema.json"}


def response_examples() -> Iterator[tuple[str, str, list[tuple[str | None, Any]]]]:
    """(operation, example title, [(event type or None, JSON)]) of every response example of the images operations,
    and of their response schemas' own `x-oaiMeta.example`."""
    document = spec()
    for path, item in document["paths"].items():
        if not path.startswith("/images/"):
            continue
        examples = item["post"]["x-oaiMeta"]["examples"]
        for example in examples if isinstance(examples, list) else [examples]:
            text = example.get("response", "")
            title = example.get("title", "Example")
            if text.lstrip().startswith("event:"):
                events = [parse_event(block, 0.0) for block in text.split("\n\n") if block.strip()]
                yield path, title, [(event.data.get("type"), event.data) for event in events if event is not None]
            elif text.strip():
                yield path, title, [(None, json.loads(text))]
    for name in ("ImagesResponse", *(f"Image{kind}{event}Event" for kind in ("Gen", "Edit")
                                     for event in ("Completed", "PartialImage"))):
        example = json.loads(document["components"]["schemas"][name]["x-oaiMeta"]["example"])
        yield f"components.{name}", "x-oaiMeta.example", [(example.get("type"), example)]


def test_every_example_of_the_images_operations_matches_schemas_or_is_a_listed_inconsistency() -> None:
    store = SchemaStore(default_schemas_dir())
    seen = set()
    for operation, title, items in response_examples():
        key = f"{operation} {title}"
        seen.add(key)
        failures = [failure for kind, body in items
                    for failure in store.validate(body, OUR_SCHEMAS[kind or "response"])]
        spec_failures = [problem for kind, body in items if kind
                         for problem in errors(body, schema_for("/images/", 200, body))]
        if key in SPEC_INTERNAL:
            assert failures and spec_failures, f"{key} is listed as inconsistent but both schemas accept it"
        else:
            assert failures == [], f"{key}: {failures}"
    assert set(SPEC_INTERNAL) <= seen
    assert len(seen) >= 9


def test_every_request_example_uses_what_the_rules_table_knows() -> None:
    """The spec's request examples name models, sizes and qualities the table serves on that endpoint today."""
    from imagecontract import rules

    api = rules.api_on(rules.today())
    document = spec()
    checked = 0
    for path, item in document["paths"].items():
        for media, content in item.get("post", {}).get("requestBody", {}).get("content", {}).items():
            for name, example in content.get("examples", {}).items():
                body = example["value"]
                where = rules.EDITS_JSON if media == "application/json" else path.rsplit("/", 1)[1]
                model, status = api.model(body.get("model", ""))
                assert status == "available" and model is not None, (name, body.get("model"))
                assert set(body) - {"image"} <= set(api.params(where)), name
                assert model.allows_size(body.get("size", model.default_size)) and body.get("quality", "auto") in model.qualities
                checked += 1
    assert checked == 3


def test_the_fixture_is_yaml_the_vendoring_script_wrote() -> None:
    assert yaml.safe_load(SPEC_FILE.read_text())["x-vendored"]["kept"].startswith("the /images/* operations")
