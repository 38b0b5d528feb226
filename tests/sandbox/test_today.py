"""Today's API in the sandbox: JSON edits (data: URLs, loopback http URLs, file ids and mask references), the
minimal Files API, the 50 MB input limit, real GIFs and SVGs, what a gateway still serving retired models does,
and the defaults of the day."""

from __future__ import annotations

import base64
import io
import os
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Iterator

import httpx
import pytest
from PIL import Image, ImageSequence
from sandbox_helpers import KEY, api_post, client_for, make_png

from imagecontract import rules
from imagecontract.sandbox.messages import ERRORS
from imagecontract.svg import inspect_svg

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

AUTH = {"Authorization": f"Bearer {KEY}"}
PNG = make_png(size=(256, 256))
MASK = make_png(size=(256, 256), hole=(64, 64, 192, 192))
DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture(scope="module")
def image_host() -> Iterator[str]:
    """An http server on 127.0.0.1 serving one PNG at /cat.png (404 elsewhere), as a loopback image_url."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/cat.png"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            if found:
                self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def json_edit(base_url: str, **body: object) -> httpx.Response:
    return api_post(base_url, "edits", json={"prompt": "at night", "size": "1024x1024", "quality": "low", **body})


def upload(base_url: str, data: bytes = PNG, purpose: str = "vision") -> dict:
    response = httpx.post(f"{base_url}/files", headers=AUTH, data={"purpose": purpose}, files={"file": ("in.png", data, "image/png")})
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response: httpx.Response) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["param"]


def test_json_edits_take_data_urls_loopback_urls_and_file_ids(today_sandbox_url: str, image_host: str) -> None:
    stored, mask = upload(today_sandbox_url), upload(today_sandbox_url, MASK)
    images = [{"image_url": DATA_URL}, {"image_url": f"{image_host}/cat.png"}, {"file_id": stored["id"]}]
    response = json_edit(today_sandbox_url, images=images, mask={"file_id": mask["id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["usage"]["input_tokens_details"]["image_tokens"] == 3 * rules.INPUT_IMAGE_TOKENS
    assert Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"]))).size == (1024, 1024)


@pytest.mark.parametrize(("images", "expected"), [
    ([{"image_url": "https://example.com/cat.png"}], (400, "invalid_value", "images[0].image_url")),
    ([{"image_url": "data:image/png;base64,!!!"}], (400, "invalid_value", "images[0].image_url")),
    ([{"image_url": DATA_URL, "file_id": "file-x"}], (400, "invalid_value", "images[0]")),
    ([{"file_id": "file-nope"}], (404, "file_not_found", "images[0].file_id")),
    ([], (400, "invalid_value", "images")),
])
def test_bad_references_are_refused_naming_them(today_sandbox_url: str, images: list, expected: tuple) -> None:
    assert error_of(json_edit(today_sandbox_url, images=images)) == expected


def test_a_loopback_url_that_is_not_there_is_refused(today_sandbox_url: str, image_host: str) -> None:
    response = json_edit(today_sandbox_url, images=[{"image_url": f"{image_host}/missing.png"}])
    assert error_of(response) == (400, "invalid_value", "images[0].image_url") and "404" in response.json()["error"]["message"]


def test_non_loopback_urls_are_never_fetched(today_sandbox_url: str) -> None:
    message = json_edit(today_sandbox_url, images=[{"image_url": "http://10.255.255.1/cat.png"}]).json()["error"]["message"]
    assert "loopback hosts only, not 10.255.255.1" in message


def test_json_edits_are_for_gpt_image_models_and_not_in_the_seed_era(today_sandbox_url: str, sandbox_url: str) -> None:
    assert error_of(json_edit(today_sandbox_url, model="gpt-image-1", images=[{"image_url": DATA_URL}])) == (
        404, "model_not_found", "model")
    seed = api_post(sandbox_url, "edits", json={"prompt": "p", "images": [{"image_url": DATA_URL}]})
    assert seed.status_code == 400 and seed.json()["error"]["message"].startswith("Invalid Content-Type header (application/json)")


def test_the_files_api_stores_and_returns_file_objects(today_sandbox_url: str) -> None:
    stored = upload(today_sandbox_url)
    assert stored["object"] == "file" and stored["bytes"] == len(PNG) and stored["purpose"] == "vision"
    fetched = httpx.get(f"{today_sandbox_url}/files/{stored['id']}", headers=AUTH)
    assert fetched.json() == stored
    assert httpx.get(f"{today_sandbox_url}/files/file-nope", headers=AUTH).status_code == 404
    bad = httpx.post(f"{today_sandbox_url}/files", headers=AUTH, data={"purpose": "art"}, files={"file": ("a", b"x")})
    assert error_of(bad) == (400, "invalid_value", "purpose")
    assert httpx.post(f"{today_sandbox_url}/files", data={"purpose": "vision"}, files={"file": ("a", b"x")}).status_code == 401


def noise_png(megabytes: float) -> bytes:
    """A PNG of random pixels, stored uncompressed: `megabytes` of real image data."""
    side = int((megabytes * rules.MB / 3) ** 0.5)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def test_gpt_inputs_may_be_up_to_50_mb_today_and_25_mb_in_the_seed_era(today_sandbox_url: str, sandbox_url: str) -> None:
    thirty = noise_png(30)
    form = {"prompt": "p", "size": "1024x1024", "quality": "low"}
    today = api_post(today_sandbox_url, "edits", data={**form, "model": "gpt-image-1.5"}, files={"image": ("a.png", thirty)})
    assert today.status_code == 200, today.text[:300]
    seed = api_post(sandbox_url, "edits", data={**form, "model": "gpt-image-1"}, files={"image": ("a.png", thirty)})
    assert error_of(seed) == (400, "invalid_image_format", "image") and "less than 25 MB" in seed.json()["error"]["message"]
    over = api_post(today_sandbox_url, "edits", data={**form, "model": "gpt-image-1.5"},
                    files={"image": ("a.png", thirty + b"\0" * (21 * rules.MB))})
    assert error_of(over) == (400, "invalid_image_format", "image") and "less than 50 MB" in over.json()["error"]["message"]


def test_gifs_have_the_asked_frames_and_durations(today_sandbox_url: str) -> None:
    result = client_for(today_sandbox_url).images.generate(
        model="gpt-image-2.5-flare", prompt="a kite", size="256x144", output_format="gif", frame_count=5,
        frame_duration_ms=125)
    with Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json))) as gif:
        frames = [(frame.size, frame.info["duration"]) for frame in ImageSequence.Iterator(gif)]
    assert frames == [((256, 144), 130)] * 5


def test_svgs_are_documents_of_the_asked_size(today_sandbox_url: str) -> None:
    result = client_for(today_sandbox_url).images.generate(
        model="gpt-image-2.5-sunburst", prompt="a kite", size="512x288", output_format="svg")
    info = inspect_svg(base64.b64decode(result.data[0].b64_json))
    assert (info.width, info.height) == (512, 288)
    assert result.svg_usage is not None and result.output_format == "svg"


def test_the_safety_identifier_comes_back_else_the_deprecated_user(today_sandbox_url: str) -> None:
    client = client_for(today_sandbox_url)
    common = {"model": "gpt-image-1.5", "prompt": "x", "size": "1024x1024", "quality": "low"}
    assert client.images.generate(**common, safety_identifier="s-1", user="u-1").safety_identifier == "s-1"
    assert client.images.generate(**common, user="u-1").safety_identifier == "u-1"
    assert client.images.generate(**common).safety_identifier is None


def test_edits_default_to_gpt_image_1_5_and_generations_want_a_model(today_sandbox_url: str) -> None:
    refused = api_post(today_sandbox_url, "edits", data={"prompt": "p", "size": "1536x864"}, files={"image": ("a.png", PNG)})
    assert error_of(refused)[2] == "size" and "'1024x1536'" in refused.json()["error"]["message"], "gpt-image-1.5's sizes"
    assert error_of(api_post(today_sandbox_url, "generations", json={"prompt": "p"})) == (400, "missing_required_parameter", "model")


def test_markup_guides_an_edit_of_a_gpt_image_2_5_model(today_sandbox_url: str) -> None:
    response = api_post(today_sandbox_url, "edits", data={"model": "gpt-image-2.5-flare", "prompt": "p", "size": "256x256"},
                        files={"image": ("a.png", PNG), "markup": ("m.png", MASK)})
    assert response.status_code == 200, response.text


def test_a_sandbox_still_serving_retired_models_answers_them_and_only_them(sandbox) -> None:
    server = sandbox(as_of=None, still_serves=("dall-e-2", "variations"))
    client = client_for(server.base_url)
    assert client.images.generate(model="dall-e-2", prompt="p", size="256x256").data[0].url
    assert client.images.create_variation(image=("a.png", make_png()), size="256x256").data
    response = api_post(server.base_url, "generations", json={"model": "dall-e-3", "prompt": "p"})
    assert error_of(response) == (404, ERRORS["model_retired"].code, "model")


def test_quality_auto_is_accepted_by_the_dall_e_models(client) -> None:
    """The spec's default quality is auto (CreateImageRequest.quality); DALL·E models take it as standard."""
    assert client.images.generate(model="dall-e-2", prompt="p", size="256x256", quality="auto").data
    assert client.images.generate(model="dall-e-3", prompt="p", quality="auto").data[0].revised_prompt


def test_models_appear_on_their_day(sandbox) -> None:
    before = sandbox(as_of=date(2026, 9, 7))
    after = sandbox(as_of=date(2026, 9, 8))
    body = {"model": "gpt-image-2.5-flare", "prompt": "p", "size": "256x256", "quality": "low"}
    assert error_of(api_post(before.base_url, "generations", json=body)) == (400, None, "model")
    assert api_post(after.base_url, "generations", json=body).status_code == 200
