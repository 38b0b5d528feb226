"""The official SDK (openai, pinned by the dev extra) with strict response validation against `imagecontract
serve` as of today: every method that is not retired, with every current model, sync and streaming, succeeds;
the retired ones fail as the SDK's own errors. `CALLS` lists each call; one test each."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from typing import Any, Iterator

import openai
import pytest
from PIL import Image

from imagecontract import rules
from imagecontract.sandbox import running_sandbox
from imagecontract.run.uploads import generate_image

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

KEY = "sk-sdk-strict-0123456789abcdef"
PNG = ("in.png", generate_image("png", 256, 256, seed="sdk"), "image/png")
MASK = ("mask.png", generate_image("png", 256, 256, mask=True), "image/png")
TODAY = rules.api_on(rules.today())


@dataclass(frozen=True)
class Call:
    """One SDK call: `method` on the client (dotted), its arguments, and whether it streams."""

    name: str
    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    stream: bool = False


def generation(model: str, stream: bool, **extra: Any) -> Call:
    kwargs = {"model": model, "prompt": "a lighthouse", "size": "1024x1024", "quality": "low", **extra}
    return Call(f"images.generate {model}{' stream' if stream else ''}", "images.generate",
                {**kwargs, **({"stream": True, "partial_images": 1} if stream else {})}, stream)


def edit(model: str | None, stream: bool, **extra: Any) -> Call:
    kwargs = {"image": PNG, "prompt": "at night", "size": "1024x1024", "quality": "low", **extra}
    if model:
        kwargs["model"] = model
    return Call(f"images.edit {model or '(default model)'}{' stream' if stream else ''}", "images.edit",
                {**kwargs, **({"stream": True, "partial_images": 1} if stream else {})}, stream)


CALLS: list[Call] = [
    *(generation(model.name, stream) for model in TODAY.models("generations") for stream in (False, True)),
    *(edit(model.name, stream) for model in TODAY.models("edits") for stream in (False, True)),
    edit(None, False),
    Call("images.generate gpt-image-2 1536x864", "images.generate",
         {"model": "gpt-image-2", "prompt": "wide", "size": "1536x864", "quality": "low"}),
    Call("images.generate gpt-image-2.5-sunburst xhigh complexity", "images.generate",
         {"model": "gpt-image-2.5-sunburst", "prompt": "x", "size": "512x512", "quality": "xhigh", "complexity": "high"}),
    Call("images.generate gpt-image-2.5-flare max gif", "images.generate",
         {"model": "gpt-image-2.5-flare", "prompt": "x", "size": "256x256", "quality": "max", "output_format": "gif",
          "frame_count": 3, "frame_duration_ms": 150}),
    Call("images.generate gpt-image-2.5-flare svg", "images.generate",
         {"model": "gpt-image-2.5-flare", "prompt": "x", "size": "256x256", "output_format": "svg",
          "svg": {"model": "gpt-5.5", "reasoning": {"effort": "low"}}}),
    Call("images.generate safety_identifier moderation", "images.generate",
         {"model": "gpt-image-1.5", "prompt": "x", "size": "1024x1024", "quality": "low", "moderation": "low",
          "safety_identifier": "user-7f3a9c"}),
    Call("images.edit input_fidelity mask", "images.edit",
         {"model": "gpt-image-1.5", "image": [PNG, PNG], "mask": MASK, "prompt": "x", "input_fidelity": "high",
          "quality": "low"}),
    Call("images.edit markup svg", "images.edit",
         {"model": "gpt-image-2.5-sunburst", "image": PNG, "markup": MASK, "prompt": "x", "size": "256x256",
          "output_format": "svg", "svg": {"model": "gpt-5.5"}}),
    Call("files.create", "files.create", {"file": PNG, "purpose": "vision"}),
]
"""Every call of the SDK's images and files methods that is not retired, for each current model."""

RETIRED: list[tuple[Call, type[openai.APIStatusError], str]] = [
    (Call("images.create_variation", "images.create_variation", {"image": PNG}), openai.NotFoundError, "variations"),
    (generation("dall-e-2", False), openai.NotFoundError, "dall-e-2"),
    (generation("dall-e-3", False), openai.NotFoundError, "dall-e-3"),
    (generation("gpt-image-1", False), openai.NotFoundError, "gpt-image-1"),
]


@pytest.fixture(scope="module")
def client() -> Iterator[openai.OpenAI]:
    with running_sandbox(api_key=KEY, latency_scale=0) as server:
        yield openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0, timeout=60,
                            _strict_response_validation=True)


def invoke(client: openai.OpenAI, call: Call) -> Any:
    target: Any = client
    for part in call.method.split("."):
        target = getattr(target, part)
    return target(**call.kwargs)


def decoded(b64: str) -> tuple[str, tuple[int, int]]:
    data = base64.b64decode(b64)
    if data.lstrip().startswith(b"<?xml"):
        return "SVG", (0, 0)
    image = Image.open(io.BytesIO(data))
    return image.format or "", image.size


@pytest.mark.parametrize("call", CALLS, ids=[call.name for call in CALLS])
def test_each_call_succeeds_with_strict_validation(client: openai.OpenAI, call: Call) -> None:
    result = invoke(client, call)
    if call.method == "files.create":
        assert client.files.retrieve(result.id).id == result.id and result.purpose == "vision"
        return
    if call.stream:
        events = list(result)
        kinds = [event.type.rsplit(".", 1)[1] for event in events]
        assert kinds == ["partial_image", "completed"]
        assert events[-1].usage.total_tokens > 0
        assert decoded(events[-1].b64_json)[1] == (1024, 1024)
        return
    assert result.data and all(item.b64_json and item.url is None for item in result.data)
    assert result.usage is not None and result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens
    fmt = call.kwargs.get("output_format", "png")
    assert result.output_format == fmt and decoded(result.data[0].b64_json)[0] == {"svg": "SVG"}.get(fmt, fmt.upper())
    if call.kwargs.get("size") and fmt != "svg":
        assert result.size == call.kwargs["size"] == "x".join(map(str, decoded(result.data[0].b64_json)[1]))
    if "safety_identifier" in call.kwargs:
        assert result.safety_identifier == call.kwargs["safety_identifier"]
    if fmt == "svg":
        assert result.svg_usage is not None and result.svg_usage.model == call.kwargs["svg"]["model"]


@pytest.mark.parametrize(("call", "error", "named"), RETIRED, ids=[call.name for call, _, _ in RETIRED])
def test_each_retired_call_fails_with_the_sdks_error_naming_it(client: openai.OpenAI, call: Call,
                                                               error: type[openai.APIStatusError], named: str) -> None:
    with pytest.raises(error) as caught:
        invoke(client, call)
    assert named in caught.value.message and "retired on 2026-" in caught.value.message


def test_the_calls_cover_every_current_model_sync_and_streaming() -> None:
    covered = {(call.method, call.kwargs.get("model"), call.stream) for call in CALLS}
    for endpoint, method in (("generations", "images.generate"), ("edits", "images.edit")):
        models = rules.names(TODAY.models(endpoint))
        assert len(models) >= 11
        assert all((method, model, stream) in covered for model in models for stream in (False, True))
    assert {call.method for call in CALLS} == {"images.generate", "images.edit", "files.create"}
    assert {call.method for call, _, _ in RETIRED} == {"images.create_variation", "images.generate"}
