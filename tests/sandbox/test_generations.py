"""Generations through the official SDK: every model family, both response formats, real images."""

from __future__ import annotations

import httpx
import openai
import pytest
from sandbox_helpers import FakeClock, b64_image, client_for, fetched

from imagecontract import rules


@pytest.mark.parametrize("size", rules.MODELS["dall-e-2"].sizes)
def test_dall_e_2_defaults_to_urls_of_pngs_at_the_requested_size(client: openai.OpenAI, size: str) -> None:
    result = client.images.generate(prompt="a white siamese cat", n=2, size=size)
    assert len(result.data) == 2
    width, height = rules.parse_size(size)
    for item in result.data:
        assert item.b64_json is None
        image = fetched(item.url)
        assert (image.format, image.size) == ("PNG", (width, height))


def test_b64_json_and_url_give_the_same_picture(client: openai.OpenAI) -> None:
    as_b64 = client.images.generate(prompt="otter", size="256x256", response_format="b64_json").data[0]
    as_url = client.images.generate(prompt="otter", size="256x256", response_format="url").data[0]
    assert as_b64.url is None
    assert b64_image(as_b64.b64_json).tobytes() == fetched(as_url.url).tobytes()


def test_same_request_gives_byte_identical_images_and_n_gives_distinct_ones(client: openai.OpenAI) -> None:
    first = client.images.generate(prompt="lighthouse", n=2, size="256x256", response_format="b64_json")
    again = client.images.generate(prompt="lighthouse", n=2, size="256x256", response_format="b64_json")
    other = client.images.generate(prompt="lighthouse at night", size="256x256", response_format="b64_json")
    assert [d.b64_json for d in first.data] == [d.b64_json for d in again.data]
    assert first.data[0].b64_json != first.data[1].b64_json
    assert other.data[0].b64_json != first.data[0].b64_json


@pytest.mark.parametrize("size", rules.MODELS["dall-e-3"].sizes)
def test_dall_e_3_revises_the_prompt(client: openai.OpenAI, size: str) -> None:
    result = client.images.generate(
        model="dall-e-3", prompt="a fox", size=size, quality="hd", style="natural", response_format="b64_json"
    )
    (item,) = result.data
    assert item.revised_prompt and item.revised_prompt != "a fox" and "a fox" in item.revised_prompt
    assert b64_image(item.b64_json).size == rules.parse_size(size)


TODAYS_GPT_MODELS = rules.names(rules.api_on().models("generations"))


@pytest.mark.parametrize("model", TODAYS_GPT_MODELS)
def test_gpt_image_models_answer_b64_with_usage(today_client: openai.OpenAI, model: str) -> None:
    result = today_client.images.generate(model=model, prompt="a red bicycle", size="1536x1024", quality="low")
    (item,) = result.data
    assert item.url is None
    image = b64_image(item.b64_json)
    assert (image.format, image.size) == ("PNG", (1536, 1024))
    usage = result.usage
    assert usage is not None
    assert usage.output_tokens == rules.OUTPUT_TOKENS[("low", "1536x1024")]
    assert usage.input_tokens == usage.input_tokens_details.text_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.output_tokens_details is not None and usage.output_tokens_details.image_tokens == usage.output_tokens
    assert (result.size, result.quality, result.output_format, result.background) == (
        "1536x1024", "low", "png", "opaque"
    )


@pytest.mark.parametrize("fmt, pil_format", [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_gpt_image_output_formats(client: openai.OpenAI, fmt: str, pil_format: str) -> None:
    """gpt-image-1 as of the seed era: its answers carry no settings fields yet (rules.RESPONSE_FIELDS)."""
    result = client.images.generate(
        model="gpt-image-1", prompt="a boat", output_format=fmt, output_compression=60, size="1024x1536"
    )
    image = b64_image(result.data[0].b64_json)
    assert (image.format, image.size) == (pil_format, (1024, 1536))
    assert result.output_format is None and result.usage is not None


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_transparent_background_has_transparent_pixels(today_client: openai.OpenAI, fmt: str) -> None:
    result = today_client.images.generate(model="gpt-image-1.5", prompt="a sticker", background="transparent",
                                          output_format=fmt)
    image = b64_image(result.data[0].b64_json)
    assert image.mode == "RGBA"
    low, high = image.getchannel("A").getextrema()
    assert low == 0 and high == 255
    assert result.background == "transparent"


def test_auto_size_and_quality_resolve_to_concrete_values(today_client: openai.OpenAI) -> None:
    result = today_client.images.generate(model="gpt-image-1.5", prompt="x", size="auto", quality="auto")
    assert b64_image(result.data[0].b64_json).size == rules.parse_size(rules.GPT_IMAGE_AUTO_SIZE)
    assert (result.size, result.quality) == (rules.GPT_IMAGE_AUTO_SIZE, rules.GPT_IMAGE_AUTO_QUALITY)


def test_a_1024_png_is_a_few_kilobytes(client: openai.OpenAI) -> None:
    result = client.images.generate(prompt="a calm sea", size="1024x1024", response_format="b64_json")
    assert len(result.data[0].b64_json or "") < 40_000


def test_url_images_expire_after_an_hour(sandbox) -> None:
    clock = FakeClock()
    server = sandbox(clock=clock)
    result = client_for(server.base_url).images.generate(prompt="cat", size="256x256")
    url = result.data[0].url
    assert result.created == int(clock.now)
    assert url and url.startswith(server.origin + "/_sandbox/images/")
    clock.advance(rules.URL_LIFETIME_SECONDS - 1)
    assert httpx.get(url).status_code == 200
    clock.advance(1)
    expired = httpx.get(url)
    assert expired.status_code == 403 and "AuthenticationFailed" in expired.text
    assert httpx.get(server.origin + "/_sandbox/images/img-unknown.png").status_code == 404


def test_stats_count_requests_images_and_errors(sandbox) -> None:
    server = sandbox()
    client = client_for(server.base_url)
    client.images.generate(prompt="cat", n=3, size="256x256")
    with pytest.raises(openai.BadRequestError):
        client.images.generate(prompt="cat", n=11)
    stats = httpx.get(server.origin + "/_sandbox/stats").json()
    assert stats == server.stats()
    assert (stats["requests"], stats["images_generated"], stats["rate_limited"]) == (2, 3, 0)
    assert stats["by_endpoint"]["generations"] == {"requests": 2, "images": 3, "errors": 1}
