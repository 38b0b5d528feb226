"""Validation and auth failures: the SDK raises the right class with the parsed envelope."""

from __future__ import annotations

from io import BytesIO
from typing import Any, Callable

import httpx
import openai
import pytest
from PIL import Image, PngImagePlugin
from sandbox_helpers import KEY, api_post, client_for, encode, make_png

from imagecontract import rules
from imagecontract.redact import mask_key
from imagecontract.sandbox.messages import ERRORS

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

SEED_PNG_MESSAGE = "Uploaded image must be a PNG and less than 4 MB."
SEED_MISSING_IMAGE = "'image' is a required property"

Call = Callable[[openai.OpenAI], Any]


def png_file(**kwargs: Any) -> tuple[str, bytes, str]:
    return ("in.png", make_png(**kwargs), "image/png")


def big_png() -> bytes:
    """A valid square PNG over 4 MB: a tiny picture with a large text chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("padding", "x" * (4 * rules.MB + 10))
    buffer = BytesIO()
    Image.new("RGBA", (64, 64), (1, 2, 3, 0)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def edit(**kwargs: Any) -> Call:
    kwargs.setdefault("prompt", "p")
    return lambda client: client.images.edit(**kwargs)


def generate(**kwargs: Any) -> Call:
    kwargs.setdefault("prompt", "p")
    return lambda client: client.images.generate(**kwargs)


def vary(**kwargs: Any) -> Call:
    return lambda client: client.images.create_variation(**kwargs)


JPEG = ("in.jpg", encode(Image.new("RGB", (256, 256), (9, 9, 9)), "JPEG"), "image/jpeg")

CASES: dict[str, tuple[Call, str, str | None]] = {
    "unknown model": (generate(model="dall-e-4"), "unknown_model", "model"),
    "model not on endpoint": (vary(image=png_file(), model="gpt-image-1"), "model_not_on_endpoint", "model"),
    "dall-e-2 size": (generate(size="1792x1024"), "invalid_value", "size"),
    "dall-e-3 size": (generate(model="dall-e-3", size="512x512"), "invalid_value", "size"),
    "gpt size": (generate(model="gpt-image-1", size="256x256"), "invalid_value", "size"),
    "edit size": (edit(image=png_file(hole=(0, 0, 9, 9)), size="1536x1024"), "invalid_value", "size"),
    "n zero": (generate(n=0), "below_minimum", "n"),
    "n eleven": (generate(n=11), "above_maximum", "n"),
    "dall-e-3 n": (generate(model="dall-e-3", n=2), "n_must_be_one", "n"),
    "variation n": (vary(image=png_file(), n=11), "above_maximum", "n"),
    "dall-e-2 prompt": (generate(prompt="x" * 1001), "prompt_too_long", "prompt"),
    "dall-e-3 prompt": (generate(model="dall-e-3", prompt="x" * 4001), "prompt_too_long", "prompt"),
    "gpt prompt": (generate(model="gpt-image-1", prompt="x" * 32001), "prompt_too_long", "prompt"),
    "empty prompt": (generate(prompt=""), "missing_prompt", "prompt"),
    "response_format on gpt": (generate(model="gpt-image-1", response_format="url"), "unknown_parameter", "response_format"),
    "bad response_format": (generate(response_format="png"), "invalid_value", "response_format"),
    "hd on dall-e-2": (generate(quality="hd"), "invalid_value", "quality"),
    "style on dall-e-2": (generate(style="vivid"), "unknown_parameter", "style"),
    "background on dall-e-3": (generate(model="dall-e-3", background="opaque"), "unknown_parameter", "background"),
    "transparent jpeg": (generate(background="transparent", output_format="jpeg"), "transparent_format", "background"),
    "compression": (generate(model="gpt-image-1", output_compression=101), "above_maximum", "output_compression"),
    "edit jpeg to dall-e-2": (edit(image=JPEG), "image_not_png", None),
    "variation not square": (vary(image=png_file(size=(256, 128))), "image_not_png", None),
    "variation over 4 MB": (vary(image=("big.png", big_png(), "image/png")), "image_not_png", None),
    "variation not an image": (vary(image=("x.png", b"not an image", "image/png")), "image_not_png", None),
    "gpt gif upload": (
        edit(model="gpt-image-1", image=("a.gif", encode(Image.new("P", (8, 8)), "GIF"), "image/gif")),
        "image_unsupported",
        "image",
    ),
    "opaque image without mask": (edit(image=png_file(mode="RGB")), "image_needs_alpha", "image"),
    "mask of another size": (
        edit(image=png_file(), mask=("m.png", make_png(size=(128, 128)), "image/png")), "mask_size", "mask"
    ),
    "mask not a png": (edit(image=png_file(), mask=JPEG), "mask_invalid", "mask"),
    "mask without alpha": (edit(image=png_file(), mask=png_file(mode="RGB")), "mask_no_alpha", "mask"),
    "two images to dall-e-2": (
        edit(model="dall-e-2", image=[png_file(), png_file()]), "too_many_images", "image"
    ),
    "seventeen images to gpt": (edit(image=[png_file()] * 17), "too_many_images", "image"),
}


GPT_2 = "gpt-image-2"
GPT_2_5 = "gpt-image-2.5-flare"
TODAY_CASES: dict[str, tuple[Call, str, str | None]] = {
    "size not divisible by 16": (generate(model=GPT_2, size="1000x1000"), "size_constraint", "size"),
    "aspect 4:1": (generate(model=GPT_2, size="1600x400"), "size_constraint", "size"),
    "over the max edge": (generate(model=GPT_2, size="4000x2000"), "size_constraint", "size"),
    "over the max pixels": (generate(model=GPT_2, size="2880x2896"), "size_constraint", "size"),
    "arbitrary size on gpt-image-1.5": (generate(model="gpt-image-1.5", size="1536x864"), "invalid_value", "size"),
    "svg with n=2": (generate(model=GPT_2_5, output_format="svg", n=2), "format_n", "n"),
    "svg streaming": (generate(model=GPT_2_5, output_format="svg", stream=True), "format_refuses", "stream"),
    "svg compression": (generate(model=GPT_2_5, output_format="svg", output_compression=50), "format_refuses", "output_compression"),
    "svg effort": (generate(model=GPT_2_5, output_format="svg", svg={"model": "m", "reasoning": {"effort": "huge"}}),
                   "invalid_value", "svg.reasoning.effort"),
    "frame_count 17": (generate(model=GPT_2_5, output_format="gif", frame_count=17), "above_maximum", "frame_count"),
    "frame_count 1": (generate(model=GPT_2_5, output_format="gif", frame_count=1), "below_minimum", "frame_count"),
    "frame_count without gif": (generate(model=GPT_2_5, frame_count=4), "format_only", "frame_count"),
    "gif partial images": (generate(model=GPT_2_5, output_format="gif", partial_images=1), "format_refuses", "partial_images"),
    "gif on gpt-image-2": (generate(model=GPT_2, output_format="gif"), "invalid_value", "output_format"),
    "xhigh on gpt-image-1.5": (generate(model="gpt-image-1.5", quality="xhigh"), "invalid_value", "quality"),
    "max on gpt-image-2": (generate(model=GPT_2, quality="max"), "invalid_value", "quality"),
    "complexity value": (generate(model=GPT_2, complexity="extreme"), "invalid_value", "complexity"),
    "input_fidelity on gpt-image-2": (edit(model=GPT_2, image=png_file(), input_fidelity="low"), "unsupported_parameter", "input_fidelity"),
    "input_fidelity high on mini": (edit(model="gpt-image-1-mini", image=png_file(), input_fidelity="high"), "invalid_value", "input_fidelity"),
    "markup with mask": (edit(model=GPT_2_5, image=png_file(), mask=png_file(hole=(0, 0, 9, 9)),
                              markup=png_file(hole=(0, 0, 9, 9))), "format_refuses", "markup"),
    "markup on gpt-image-2": (edit(model=GPT_2, image=png_file(), markup=png_file(hole=(0, 0, 9, 9))), "unsupported_parameter", "markup"),
    "partial_images": (generate(model="gpt-image-1.5", stream=True, partial_images=4), "above_maximum", "partial_images"),
    "no model on generations": (generate(), "model_required", "model"),
    "style on a gpt model": (generate(model="gpt-image-1.5", style="vivid"), "unknown_parameter", "style"),
}


@pytest.mark.parametrize("case", CASES)
def test_validation_failures_raise_bad_request_with_the_envelope(client: openai.OpenAI, case: str) -> None:
    assert_refused(client, *CASES[case])


@pytest.mark.parametrize("case", TODAY_CASES)
def test_todays_validation_failures_raise_bad_request_with_the_envelope(today_client: openai.OpenAI, case: str) -> None:
    assert_refused(today_client, *TODAY_CASES[case])


RETIRED_CASES: dict[str, tuple[Call, str, str]] = {
    "dall-e-2": (generate(model="dall-e-2"), "model_retired", "dall-e-2"),
    "dall-e-3": (generate(model="dall-e-3"), "model_retired", "dall-e-3"),
    "gpt-image-1": (generate(model="gpt-image-1"), "model_retired", "gpt-image-1"),
    "gpt-image-1 edit": (edit(model="gpt-image-1", image=png_file()), "model_retired", "gpt-image-1"),
    "variations": (vary(image=png_file()), "endpoint_retired", "/v1/images/variations"),
}


@pytest.mark.parametrize("case", RETIRED_CASES)
def test_retired_models_and_endpoints_answer_a_404_envelope_naming_them(today_client: openai.OpenAI, case: str) -> None:
    call, name, named = RETIRED_CASES[case]
    with pytest.raises(openai.NotFoundError) as caught:
        call(today_client)
    body = caught.value.body
    assert isinstance(body, dict) and set(body) == {"message", "type", "param", "code"}
    assert body["code"] == ERRORS[name].code and named in body["message"] and "retired on 2026-" in body["message"]


def test_models_not_yet_released_are_unknown(client: openai.OpenAI) -> None:
    assert_refused(client, generate(model="gpt-image-2"), "unknown_model", "model")


def assert_refused(client: openai.OpenAI, call: Call, name: str, param: str | None) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        call(client)
    spec = ERRORS[name]
    assert caught.value.status_code == spec.status == 400
    body = caught.value.body
    assert isinstance(body, dict) and set(body) == {"message", "type", "param", "code"}
    assert (body["type"], body["param"], body["code"]) == (spec.type, param, spec.code)
    assert body["message"]


def test_png_errors_use_the_seed_message(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(image=JPEG, prompt="p")
    assert caught.value.body == {
        "message": SEED_PNG_MESSAGE, "type": "invalid_request_error", "param": None, "code": None
    }


def test_messages_name_the_limits(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="dall-e-3", prompt="x" * 4001)
    assert "maximum length 4000" in caught.value.message and "length 4001" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="p", size="256x256")
    assert "'256x256'" in caught.value.message and "'1536x1024'" in caught.value.message


def multipart(fields: dict[str, str]) -> dict[str, Any]:
    """A multipart body with text fields only (httpx would fall back to urlencoded without files)."""
    parts = "".join(f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items())
    return {"content": (parts + "--b--\r\n").encode(), "headers": {"content-type": "multipart/form-data; boundary=b"}}


RAW_CASES: dict[str, tuple[str, dict[str, Any], str, str | None]] = {
    "malformed json": ("generations", {"content": b'{"prompt": "cat",', "headers": {"content-type": "application/json"}}, "invalid_json", None),
    "json array": ("generations", {"json": ["prompt"]}, "body_not_object", None),
    "form to generations": ("generations", {"data": {"prompt": "cat"}}, "expected_json", None),
    "multipart to generations": ("generations", {"files": {"image": ("a.png", b"x")}, "data": {"prompt": "c"}}, "expected_json", None),
    "json to edits": ("edits", {"json": {"prompt": "cat"}}, "expected_multipart", None),
    "json to variations": ("variations", {"json": {}}, "expected_multipart", None),
    "missing prompt": ("generations", {"json": {"n": 1}}, "missing_prompt", "prompt"),
    "missing image": ("edits", {"files": {"mask": ("m.png", make_png())}, "data": {"prompt": "cat"}}, "missing_image", None),
    "missing variation image": ("variations", multipart({"n": "1"}), "missing_image", None),
    "image sent as text": ("variations", multipart({"image": "abc"}), "missing_image", None),
    "unexpected file field": ("variations", {"files": {"x": ("x", b"")}, "data": {"n": "1"}}, "unknown_parameter", "x"),
    "broken multipart": ("edits", {"content": b"--b\r\nnonsense", "headers": {"content-type": "multipart/form-data"}}, "invalid_multipart", None),
    "n as string in json": ("generations", {"json": {"prompt": "c", "n": "2"}}, "invalid_type", "n"),
    "n not a number in form": ("variations", {"files": {"image": ("a.png", make_png())}, "data": {"n": "two"}}, "invalid_type", "n"),
    "stream on the seed era": ("generations", {"json": {"prompt": "c", "stream": True}}, "unknown_parameter", "stream"),
    "unknown json field": ("generations", {"json": {"prompt": "c", "colour": "red"}}, "unknown_parameter", "colour"),
    "prompt on variations": ("variations", {"files": {"image": ("a.png", make_png())}, "data": {"prompt": "c"}}, "unknown_parameter", "prompt"),
}


@pytest.mark.parametrize("case", RAW_CASES)
def test_requests_the_sdk_cannot_send(sandbox_url: str, case: str) -> None:
    endpoint, kwargs, name, param = RAW_CASES[case]
    response = api_post(sandbox_url, endpoint, **kwargs)
    spec = ERRORS[name]
    assert response.status_code == spec.status
    assert response.json() == {
        "error": {"message": response.json()["error"]["message"], "type": spec.type, "param": param, "code": spec.code}
    }


def test_missing_image_matches_the_seed(sandbox_url: str) -> None:
    response = api_post(sandbox_url, "edits", data={"prompt": "cat"}, files={"mask": ("m.png", make_png())})
    assert response.status_code == 400
    assert response.json() == {
        "error": {"message": SEED_MISSING_IMAGE, "type": "invalid_request_error", "param": None, "code": None}
    }


def test_unknown_routes_answer_404_envelopes(sandbox_url: str) -> None:
    response = httpx.get(f"{sandbox_url}/images/generations", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (GET /v1/images/generations)"


def test_missing_key_is_401_with_the_seed_message(sandbox_url: str) -> None:
    response = httpx.post(f"{sandbox_url}/images/generations", json={"prompt": "cat"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["message"].startswith("You didn't provide an API key. You need to provide your API key")
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, None)


def test_sdk_without_a_usable_key_gets_authentication_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        client.images.generate(prompt="cat", extra_headers={"Authorization": "Token abc"})
    assert caught.value.code is None and caught.value.message.startswith("Error code: 401 - You didn't provide")


def test_basic_auth_password_is_accepted(sandbox_url: str) -> None:
    response = httpx.post(f"{sandbox_url}/images/generations", json={"prompt": "c", "size": "256x256"}, auth=("", KEY))
    assert response.status_code == 200


def test_wrong_key_is_401_with_the_key_masked(sandbox) -> None:
    server = sandbox(api_key="sk-right-key-000000000000")
    wrong = "sk-abcdefghijklmnopqrstuvwxyz"
    with pytest.raises(openai.AuthenticationError) as caught:
        client_for(server.base_url, api_key=wrong).images.generate(prompt="cat")
    body = caught.value.body
    assert isinstance(body, dict) and body["code"] == "invalid_api_key" and body["param"] is None
    assert body["message"] == (
        f"Incorrect API key provided: {mask_key(wrong)}. "
        "You can find your API key at https://platform.openai.com/account/api-keys."
    )
    assert wrong not in body["message"]
    assert client_for(server.base_url, api_key="sk-right-key-000000000000").images.generate(prompt="c").data


def test_any_key_is_accepted_without_api_key(client: openai.OpenAI) -> None:
    assert client.images.generate(prompt="cat", size="256x256").data
