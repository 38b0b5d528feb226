"""Each fault in the table, shown having its effect (one `test_fault_<name>` per fault)."""

from __future__ import annotations

import base64
import sys
import time
from typing import Any

import httpx
import openai
import pytest
from sandbox_helpers import api_post, b64_image, client_for, fetched, make_png, opened

from imagecontract import rules
from imagecontract.sandbox.faults import FAULTS, FaultError, parse_fault
from imagecontract.sandbox.messages import ERRORS

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

def post(server, **kwargs: Any) -> httpx.Response:
    """A generation by plain HTTP (a small dall-e-2 one unless `json` says otherwise)."""
    kwargs.setdefault("json", {"prompt": "c", "size": "256x256"})
    return api_post(server.base_url, "generations", **kwargs)


def bad_request(server) -> httpx.Response:
    """A request the sandbox refuses with 400 (n out of range)."""
    return post(server, json={"prompt": "c", "n": 11})


def test_every_fault_has_a_test() -> None:
    module = sys.modules[__name__]
    missing = [name for name in FAULTS if not hasattr(module, "test_fault_" + name.replace("-", "_"))]
    assert not missing


@pytest.mark.parametrize("spec", ["nonsense", "drop-field", "error-500=x", "error-500=0", "hang=-1", "html-error=3"])
def test_bad_fault_specs_are_refused(spec: str) -> None:
    with pytest.raises(FaultError):
        parse_fault(spec)


def test_fault_error_500(sandbox) -> None:
    client = client_for(sandbox(faults=["error-500=2"]).base_url)
    outcomes = []
    for _ in range(4):
        try:
            client.images.generate(prompt="c", size="256x256")
            outcomes.append("ok")
        except openai.InternalServerError as exc:
            assert exc.status_code == 500 and isinstance(exc.body, dict)
            assert (exc.body["type"], exc.body["code"], exc.body["param"]) == ("server_error", None, None)
            outcomes.append("500")
    assert outcomes == ["ok", "500", "ok", "500"]


def test_fault_hang(sandbox) -> None:
    server = sandbox(faults=["hang=0.4"])
    with pytest.raises(openai.APITimeoutError):
        client_for(server.base_url).with_options(timeout=0.1).images.generate(prompt="c")
    started = time.monotonic()
    assert post(server).status_code == 200
    assert time.monotonic() - started >= 0.4


def test_fault_truncate_body(sandbox) -> None:
    server = sandbox(faults=["truncate-body"])
    with pytest.raises(httpx.RemoteProtocolError):
        post(server)
    with pytest.raises(openai.APIConnectionError):
        client_for(server.base_url).images.generate(prompt="c")


def test_fault_html_error(sandbox) -> None:
    server = sandbox(faults=["html-error"])
    response = post(server)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html") and "Bad Gateway" in response.text
    assert server.stats()["images_generated"] == 0


def test_fault_wrong_size(sandbox) -> None:
    result = client_for(sandbox(faults=["wrong-size"]).base_url).images.generate(prompt="c", size="512x512")
    assert fetched(result.data[0].url).size == (256, 256)


@pytest.mark.parametrize(
    "field, request_json, where",
    [
        ("created", {"prompt": "c", "size": "256x256"}, "top"),
        ("revised_prompt", {"model": "dall-e-3", "prompt": "c"}, "item"),
        ("usage", {"model": "gpt-image-1", "prompt": "c"}, "top"),
    ],
)
def test_fault_drop_field(sandbox, field: str, request_json: dict[str, Any], where: str) -> None:
    normal = post(sandbox(), json=request_json).json()
    faulty = post(sandbox(faults=[f"drop-field={field}"]), json=request_json).json()
    place = {"top": lambda body: body, "item": lambda body: body["data"][0]}[where]
    assert field in place(normal) and field not in place(faulty)


def test_fault_drop_field_applies_to_stream_events(sandbox) -> None:
    server = sandbox(faults=["drop-field=usage"])
    response = post(server, json={"prompt": "c", "stream": True})
    assert '"usage"' not in response.text and "image_generation.completed" in response.text


def test_fault_plain_text_errors(sandbox) -> None:
    response = bad_request(sandbox(faults=["plain-text-errors"]))
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("Invalid 'n'")


def test_fault_html_errors(sandbox) -> None:
    response = bad_request(sandbox(faults=["html-errors"]))
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "400 Bad Request" in response.text and "Invalid &#x27;n&#x27;" in response.text


def test_fault_flat_errors(sandbox) -> None:
    response = bad_request(sandbox(faults=["flat-errors"]))
    assert response.status_code == 400 and list(response.json()) == ["message"]


def assert_envelope_lacks(server, key: str) -> None:
    error = bad_request(server).json()["error"]
    assert set(error) == {"message", "type", "param", "code"} - {key}


def test_fault_error_missing_type(sandbox) -> None:
    assert_envelope_lacks(sandbox(faults=["error-missing-type"]), "type")


def test_fault_error_missing_param(sandbox) -> None:
    assert_envelope_lacks(sandbox(faults=["error-missing-param"]), "param")


def test_fault_errors_as_200(sandbox) -> None:
    response = bad_request(sandbox(faults=["errors-as-200"]))
    assert response.status_code == 200 and response.json()["error"]["param"] == "n"


def test_fault_wrong_error_status(sandbox) -> None:
    server = sandbox(faults=["wrong-error-status"])
    assert bad_request(server).status_code == 500
    assert httpx.post(f"{server.base_url}/images/generations", json={"prompt": "c"}).status_code == 401


def test_fault_echo_key(sandbox) -> None:
    wrong = "sk-this-whole-key-should-never-show"
    server = sandbox(api_key="sk-right-000000000000", faults=["echo-key"])
    with pytest.raises(openai.AuthenticationError) as caught:
        client_for(server.base_url, api_key=wrong).images.generate(prompt="c")
    assert wrong in caught.value.message


def test_fault_echo_key_prefix(sandbox) -> None:
    wrong = "wrong-key-0123456789abcdefghijklmn"
    server = sandbox(api_key="right-key-0000000000000000", faults=["echo-key-prefix=12"])
    with pytest.raises(openai.AuthenticationError) as caught:
        client_for(server.base_url, api_key=wrong).images.generate(prompt="c")
    message = caught.value.body["message"]
    assert f"provided: {wrong[:12]}***. You can find" in message and wrong[:13] not in message
    assert caught.value.body["code"] == "invalid_api_key"
    assert post(server, headers={"Authorization": "Bearer right-key-0000000000000000"}).status_code == 200


WRONG = "wrong-key-0123456789abcdefghijklmnopqrstuv"


def wrong_key_answer(sandbox, fault: str) -> httpx.Response:
    """The sandbox's answer to `WRONG` under `fault`: a 401 whose message or headers carry a shape of it."""
    server = sandbox(api_key="right-key-0000000000000000", faults=[fault])
    response = post(server, headers={"Authorization": f"Bearer {WRONG}"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    return response


def test_fault_echo_key_suffix(sandbox) -> None:
    message = wrong_key_answer(sandbox, "echo-key-suffix=10").json()["error"]["message"]
    assert f"provided: ***{WRONG[-10:]}. You can find" in message and WRONG[-11:] not in message


def test_fault_echo_key_middle(sandbox) -> None:
    message = wrong_key_answer(sandbox, "echo-key-middle").json()["error"]["message"]
    assert f"provided: ***{WRONG[15:27]}***. You can find" in message


def test_fault_echo_key_header(sandbox) -> None:
    response = wrong_key_answer(sandbox, "echo-key-header")
    assert response.headers["x-echoed-key"] == WRONG[14:28]
    assert WRONG[14:28] not in response.json()["error"]["message"]


def test_fault_echo_key_upper(sandbox) -> None:
    assert f"provided: {WRONG.upper()}." in wrong_key_answer(sandbox, "echo-key-upper").json()["error"]["message"]


def test_fault_echo_key_base64(sandbox) -> None:
    encoded = base64.b64encode(WRONG.encode()).decode()
    assert f"provided: {encoded}." in wrong_key_answer(sandbox, "echo-key-base64").json()["error"]["message"]


def test_fault_swap_response_format(sandbox) -> None:
    client = client_for(sandbox(faults=["swap-response-format"]).base_url)
    as_b64 = client.images.generate(prompt="c", size="256x256", response_format="url").data[0]
    as_url = client.images.generate(prompt="c", size="256x256", response_format="b64_json").data[0]
    assert as_b64.url is None and b64_image(as_b64.b64_json).size == (256, 256)
    assert as_url.b64_json is None and fetched(as_url.url).size == (256, 256)
    assert client.images.generate(model="gpt-image-1", prompt="c").data[0].url


def test_fault_ignore_response_format(sandbox) -> None:
    client = client_for(sandbox(faults=["ignore-response-format"]).base_url)
    item = client.images.generate(prompt="c", size="256x256", response_format="b64_json").data[0]
    assert item.b64_json is None and item.url


def test_fault_ignore_size(sandbox) -> None:
    client = client_for(sandbox(faults=["ignore-size"]).base_url)
    assert fetched(client.images.generate(prompt="c", size="256x256").data[0].url).size == (1024, 1024)


def test_fault_clamp_n(sandbox) -> None:
    client = client_for(sandbox(faults=["clamp-n=2"]).base_url)
    assert len(client.images.generate(prompt="c", n=4, size="256x256").data) == 2
    assert len(client.images.generate(prompt="c", n=1, size="256x256").data) == 1


def test_fault_wrong_format(sandbox) -> None:
    client = client_for(sandbox(faults=["wrong-format"]).base_url)
    png_asked = client.images.generate(prompt="c", size="256x256")
    assert fetched(png_asked.data[0].url).format == "JPEG"
    jpeg_asked = client.images.generate(model="gpt-image-1", prompt="c", output_format="jpeg")
    assert b64_image(jpeg_asked.data[0].b64_json).format == "PNG" and jpeg_asked.output_format == "jpeg"


def test_fault_drop_revised_prompt(sandbox) -> None:
    client = client_for(sandbox(faults=["drop-revised-prompt"]).base_url)
    assert client.images.generate(model="dall-e-3", prompt="c").data[0].revised_prompt is None


def test_fault_drop_usage(sandbox) -> None:
    client = client_for(sandbox(faults=["drop-usage"]).base_url)
    assert client.images.generate(model="gpt-image-1", prompt="c").usage is None


def test_fault_single_image_input(sandbox) -> None:
    images = [(f"{i}.png", make_png(colour=(i, 9, 9)), "image/png") for i in range(3)]

    def image_tokens(server) -> int:
        usage = client_for(server.base_url).images.edit(image=images, prompt="basket").usage
        assert usage is not None
        return usage.input_tokens_details.image_tokens

    assert image_tokens(sandbox()) == 3 * rules.INPUT_IMAGE_TOKENS
    assert image_tokens(sandbox(faults=["single-image-input"])) == rules.INPUT_IMAGE_TOKENS


def test_fault_drop_mask(sandbox) -> None:
    image = make_png(mode="RGB")
    mask = make_png(hole=(0, 0, 64, 64))

    def changed_share(server) -> float:
        result = client_for(server.base_url).images.edit(
            image=("i.png", image, "image/png"), mask=("m.png", mask, "image/png"), prompt="p", size="256x256"
        )
        edited = fetched(result.data[0].url).convert("RGB")
        original = opened(image).convert("RGB")
        same = sum(a == b for a, b in zip(original.tobytes(), edited.tobytes()))
        return 1 - same / len(original.tobytes())

    assert changed_share(sandbox()) < 0.1
    assert changed_share(sandbox(faults=["drop-mask"])) > 0.5


def test_fault_no_variations(sandbox) -> None:
    client = client_for(sandbox(faults=["no-variations"]).base_url)
    with pytest.raises(openai.NotFoundError):
        client.images.create_variation(image=("i.png", make_png(), "image/png"))
    assert client.images.generate(prompt="c", size="256x256").data


def test_fault_variations_ignore_input(sandbox) -> None:
    def variations(server) -> set[str | None]:
        client = client_for(server.base_url)
        return {
            client.images.create_variation(
                image=("i.png", make_png(colour=colour), "image/png"), size="256x256", response_format="b64_json"
            ).data[0].b64_json
            for colour in [(250, 0, 0), (0, 0, 250)]
        }

    assert len(variations(sandbox())) == 2
    assert len(variations(sandbox(faults=["variations-ignore-input"]))) == 1


def test_fault_stream_as_json(sandbox) -> None:
    response = post(sandbox(faults=["stream-as-json"]), json={"prompt": "c", "stream": True, "partial_images": 2})
    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["data"]) == 1


def test_fault_timeout(sandbox) -> None:
    slow = sandbox(latency_scale=1.0, faults=["timeout=0.1"])
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as caught:
        client_for(slow.base_url).images.generate(prompt="c")
    assert caught.value.status_code == 504 and isinstance(caught.value.body, dict)
    assert caught.value.body["type"] == "server_error" and caught.value.body["code"] == "gateway_timeout"
    assert 0.1 <= time.monotonic() - started < rules.latency_profile("generations", None)[0], "cut at the timeout, not the generation"
    fast = sandbox(latency_scale=0.01, faults=["timeout=5"])
    assert client_for(fast.base_url).images.generate(prompt="c").data


def test_fault_billing_hard_limit(sandbox) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client_for(sandbox(faults=["billing-hard-limit"]).base_url).images.generate(prompt="c")
    assert caught.value.body == {
        "code": "billing_hard_limit_reached",
        "message": "Billing hard limit has been reached",
        "param": None,
        "type": "invalid_request_error",
    }


def test_fault_insufficient_quota(sandbox) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        client_for(sandbox(faults=["insufficient-quota"]).base_url).images.generate(prompt="c")
    spec = ERRORS["insufficient_quota"]
    assert (caught.value.code, caught.value.type) == (spec.code, spec.type)


def test_faults_combine(sandbox) -> None:
    server = sandbox(faults=["wrong-error-status", "flat-errors", "clamp-n=1"])
    response = bad_request(server)
    assert response.status_code == 500 and list(response.json()) == ["message"]
    assert len(post(server, json={"prompt": "c", "n": 3, "size": "256x256"}).json()["data"]) == 1
