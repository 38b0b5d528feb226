"""What the client alone must catch behind any gateway: JSON labelled as HTML, image URLs no client can fetch."""

from __future__ import annotations

import pytest

from faulty_gateway import running_gateway
from imagecontract.exchange import StreamEvent
from imagecontract.run.http import new_client
from imagecontract.run.image_urls import fetch_images, image_urls
from sandwich_helpers import GATEWAY_KEY, UPSTREAM_KEY, errors, failing_checks, project

GENERATE = "collections/contract/generations.yaml::dall-e-2 url 256x256"


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return project(pytester, monkeypatch)


def run(suite: pytest.Pytester, sandbox, fault: str, node: str = GENERATE) -> tuple[str, list[dict]]:
    import json

    upstream = sandbox(api_key=UPSTREAM_KEY)
    with running_gateway(upstream.origin, UPSTREAM_KEY, GATEWAY_KEY, fault) as gateway:
        result = suite.runpytest(node, "--target", gateway.origin + "/v1", "--live", "-p", "no:cacheprovider")
    return result.stdout.str(), json.loads((suite.path / "reports" / "summary.json").read_text())["tests"]


def test_a_json_answer_sent_as_text_html_fails_json_content_type(suite: pytest.Pytester, sandbox) -> None:
    output, tests = run(suite, sandbox, "json-as-html")
    assert failing_checks(tests) == {"json_content_type"}, output[-3000:]
    assert "expected Content-Type application/json for a JSON body, got text/html" in output


@pytest.mark.parametrize(("prefix", "reason"), [
    ("file:///var/images", "is not an http(s) URL, so no client can fetch it"),
    ("refused", "could not be fetched"),
])
def test_an_image_url_no_client_can_fetch_fails_the_image_checks_not_the_test(suite: pytest.Pytester, sandbox, prefix: str,
                                                                             reason: str, refused_url: str) -> None:
    prefix = refused_url.removesuffix("/v1") if prefix == "refused" else prefix
    output, tests = run(suite, sandbox, f"image-urls={prefix}")
    assert not errors(tests), errors(tests)
    assert "image_decodes" in failing_checks(tests) and reason in output
    assert "[status_code]" not in output and "[image_count]" not in output


def test_urls_inside_stream_events_are_fetched_too(sandbox) -> None:
    server = sandbox()
    url = server.origin + "/nothing-here.png"
    events = [StreamEvent("image_generation.completed", {"type": "image_generation.completed", "url": url}, 0.1),
              StreamEvent("image_generation.completed", {"type": "image_generation.completed", "url": "ftp://x/y.png"}, 0.2)]
    assert image_urls(None, events) == [url, "ftp://x/y.png"]
    with new_client() as client:
        fetched, failed = fetch_images(client, image_urls(None, events))
    assert fetched == {}
    assert failed[url] == f"the image URL could not be fetched: {url}: image download answered HTTP 404"
    assert "is not an http(s) URL" in failed["ftp://x/y.png"]
