"""Streaming for GPT image models (today's API: the spec documents it from 2026-05-13), parsed by the official SDK."""

from __future__ import annotations

import time

import openai
import pytest
from sandbox_helpers import api_post, b64_image, client_for, make_png

from imagecontract import rules


@pytest.mark.parametrize("partial_images", range(rules.MAX_PARTIAL_IMAGES + 1))
def test_generation_stream_parses_with_the_sdk(today_client: openai.OpenAI, partial_images: int) -> None:
    events = list(
        today_client.images.generate(
            model="gpt-image-1.5", prompt="a kite", stream=True, partial_images=partial_images, size="1024x1536"
        )
    )
    partials, final = events[:-1], events[-1]
    assert [event.type for event in partials] == ["image_generation.partial_image"] * partial_images
    assert [event.partial_image_index for event in partials] == list(range(partial_images))
    for event in partials:
        assert b64_image(event.b64_json).size == (1024, 1536)
        assert (event.size, event.output_format, event.background) == ("1024x1536", "png", "opaque")
    assert final.type == "image_generation.completed"
    assert final.usage.output_tokens > 0 and final.created_at > 0
    assert b64_image(final.b64_json).size == (1024, 1536)


def test_partials_are_coarser_previews_of_the_final(today_client: openai.OpenAI) -> None:
    events = list(today_client.images.generate(model="gpt-image-1.5", prompt="a kite", stream=True, partial_images=2))
    final = today_client.images.generate(model="gpt-image-1.5", prompt="a kite")
    assert events[-1].b64_json == final.data[0].b64_json
    assert events[0].b64_json != events[1].b64_json != events[-1].b64_json


def test_edit_stream_uses_image_edit_events(today_client: openai.OpenAI) -> None:
    events = list(
        today_client.images.edit(
            model="gpt-image-1-mini",
            image=("in.png", make_png(hole=(0, 0, 100, 100)), "image/png"),
            prompt="p",
            stream=True,
            partial_images=1,
            output_format="jpeg",
        )
    )
    assert [event.type for event in events] == ["image_edit.partial_image", "image_edit.completed"]
    assert b64_image(events[-1].b64_json).format == "JPEG"


def test_stream_is_server_sent_events_on_the_wire(today_sandbox_url: str) -> None:
    body = {"model": "gpt-image-1.5", "prompt": "x", "stream": True, "partial_images": 1}
    response = api_post(today_sandbox_url, "generations", json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    blocks = [block for block in response.text.split("\n\n") if block]
    assert [block.splitlines()[0] for block in blocks] == [
        "event: image_generation.partial_image",
        "event: image_generation.completed",
    ]
    assert all(block.splitlines()[1].startswith("data: {") for block in blocks)


def test_stream_spreads_latency_over_events_and_counts_final_images(sandbox) -> None:
    server = sandbox(latency_scale=0.05, as_of=None)
    started = time.monotonic()
    arrivals = []
    for _ in client_for(server.base_url).images.generate(model="gpt-image-1.5", prompt="x", stream=True, partial_images=3):
        arrivals.append(time.monotonic() - started)
    low, high = rules.latency_profile("generations", "1024x1024")
    assert low * 0.05 * 0.2 < arrivals[0] < arrivals[-1]
    assert arrivals[-1] >= low * 0.05 * 0.95
    assert server.stats()["images_generated"] == 1


def test_a_stream_of_n_images_numbers_every_partial_and_completes_each_image(today_client: openai.OpenAI) -> None:
    """n > 1: partial_image_index counts on across the stream, one completed event per image (as stream_events judges)."""
    events = list(today_client.images.generate(model="gpt-image-1.5", prompt="two kites", n=2, stream=True,
                                                partial_images=2, size="1024x1024", quality="low"))
    assert [event.type.rsplit(".", 1)[1] for event in events] == ["partial_image"] * 2 + ["completed"] + ["partial_image"] * 2 + ["completed"]
    assert [event.partial_image_index for event in events if event.type.endswith("partial_image")] == [0, 1, 2, 3]
