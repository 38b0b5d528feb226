"""The sandbox's journal: what it received and sent, per correlation id, over the loopback admin route."""

from __future__ import annotations

import base64
import hashlib

import httpx

from imagecontract.gateway.normalize import digest
from sandbox_helpers import KEY, make_png


def journal(server, **params) -> list[dict]:
    answer = httpx.get(server.origin + "/_sandbox/journal", params=params)
    assert answer.status_code == 200
    return answer.json()["entries"]


def test_a_json_request_is_journaled_with_its_parameters_key_and_response(sandbox) -> None:
    server = sandbox(api_key=KEY)
    body = {"model": "dall-e-2", "prompt": "a cat", "size": "256x256", "response_format": "b64_json",
            "user": "imagecontract-one"}
    answer = httpx.post(server.base_url + "/images/generations", json=body, headers={"Authorization": f"Bearer {KEY}"})
    [entry] = journal(server, id="imagecontract-one")
    assert entry["params"] == body and entry["model"] == "dall-e-2" and entry["attempt"] == 1
    assert entry["correlated_by"] == "field" and entry["endpoint"] == "generations"
    assert KEY not in str(entry) and entry["key_sha256"] == hashlib.sha256(KEY.encode()).hexdigest()[:16]
    assert entry["response"]["status"] == 200
    image = base64.b64decode(answer.json()["data"][0]["b64_json"])
    assert entry["response"]["body"]["data"][0]["b64_json"] == f"<base64 {digest(image)}>"
    assert entry["arrived_at"] <= entry["finished_at"]


def test_uploads_are_journaled_by_digest_and_attempts_count_per_correlation_id(sandbox) -> None:
    server = sandbox(api_key=KEY, faults=["error-500=2"])
    image = make_png()
    for _ in range(2):
        httpx.post(server.base_url + "/images/variations", data={"size": "256x256"}, files={"image": ("a.png", image, "image/png")},
                   headers={"Authorization": f"Bearer {KEY}", "X-Imagecontract-Correlation": "imagecontract-two"})
    entries = journal(server, id="imagecontract-two")
    assert [entry["attempt"] for entry in entries] == [1, 2]
    assert [entry["response"]["status"] for entry in entries] == [200, 500]
    assert entries[0]["correlated_by"] == "header"
    assert entries[0]["images"] == [{"field": "image", "digest": digest(image), "bytes": len(image),
                                     "content_type": "image/png", "filename": "a.png"}]
    assert entries[0]["params"] == {"size": "256x256"}


def test_url_images_are_journaled_with_the_digest_of_what_the_url_serves(sandbox) -> None:
    server = sandbox()
    answer = httpx.post(server.base_url + "/images/generations", headers={"Authorization": "Bearer x"},
                        json={"model": "dall-e-2", "prompt": "a cat", "size": "256x256", "user": "imagecontract-3"})
    url = answer.json()["data"][0]["url"]
    [entry] = journal(server, id="imagecontract-3")
    assert entry["response"]["image_urls"] == {url: digest(httpx.get(url).content)}


def test_a_stream_is_journaled_as_its_events(sandbox) -> None:
    server = sandbox()
    with httpx.stream("POST", server.base_url + "/images/generations", headers={"Authorization": "Bearer x"},
                      json={"model": "gpt-image-1", "prompt": "a cat", "size": "1024x1024", "quality": "low", "stream": True,
                            "partial_images": 1, "user": "imagecontract-4"}) as answer:
        answer.read()
    [entry] = journal(server, id="imagecontract-4")
    types = [event["type"] for event in entry["response"]["body"]["events"]]
    assert types == ["image_generation.partial_image", "image_generation.completed"]
    assert entry["finished_at"] is not None


def test_since_narrows_the_journal_and_a_bad_since_says_what_it_expects(sandbox) -> None:
    server = sandbox()
    httpx.post(server.base_url + "/images/nothing", headers={"Authorization": "Bearer x"}, json={})
    assert len(journal(server, since=0)) == 1 and journal(server, since=4e9) == []
    answer = httpx.get(server.origin + "/_sandbox/journal", params={"since": "yesterday"})
    assert answer.status_code == 400 and "epoch seconds" in answer.json()["error"]
