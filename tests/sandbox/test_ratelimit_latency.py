"""Rate limiting (images per minute, sliding window) and the seed's latency profile."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from sandbox_helpers import FakeClock, api_post, client_for, make_png

from imagecontract import rules
from imagecontract.sandbox.ratelimit import duration


def test_rate_limit_counts_images_and_answers_429_with_headers(sandbox) -> None:
    clock = FakeClock()
    server = sandbox(rate_limit=5, clock=clock)
    client = client_for(server.base_url)
    ok = client.images.with_raw_response.generate(prompt="c", n=3, size="256x256")
    assert (ok.headers["x-ratelimit-limit-images"], ok.headers["x-ratelimit-remaining-images"]) == ("5", "2")
    assert ok.headers["x-ratelimit-reset-images"] == "1m0s"
    clock.advance(30)
    with pytest.raises(openai.RateLimitError) as caught:
        client.images.generate(prompt="c", n=3, size="256x256")
    error = caught.value
    assert error.body == {
        "message": error.body["message"], "type": "requests", "param": None, "code": "rate_limit_exceeded"
    }
    assert "Limit 5, Used 3, Requested 3" in error.body["message"]
    headers = error.response.headers
    assert headers["retry-after"] == "30"
    assert headers["x-ratelimit-remaining-images"] == "2"
    assert headers["x-ratelimit-reset-images"] == "30s"
    client.images.generate(prompt="c", n=2, size="256x256")
    clock.advance(30)
    assert client.images.generate(prompt="c", n=3, size="256x256").data
    assert server.stats()["rate_limited"] == 1


def test_retry_after_is_at_least_one_second(sandbox) -> None:
    clock = FakeClock()
    server = sandbox(rate_limit=1, clock=clock)
    client = client_for(server.base_url)
    client.images.generate(prompt="c", size="256x256")
    clock.advance(59.9)
    with pytest.raises(openai.RateLimitError) as caught:
        client.images.generate(prompt="c", size="256x256")
    assert caught.value.response.headers["retry-after"] == "1"


def test_without_rate_limit_no_headers(client: openai.OpenAI) -> None:
    raw = client.images.with_raw_response.generate(prompt="c", size="256x256")
    assert "x-ratelimit-limit-images" not in raw.headers


@pytest.mark.parametrize("seconds, text", [(0.25, "250ms"), (12.2, "13s"), (60, "1m0s"), (61, "1m1s")])
def test_reset_durations_read_like_openais(seconds: float, text: str) -> None:
    assert duration(seconds) == text


SCALE = 0.02


@pytest.mark.parametrize(
    "endpoint, size",
    [("generations", "1024x1024"), ("generations", "256x256"), ("edits", "1024x1024"), ("variations", "512x512")],
)
def test_latency_falls_in_the_scaled_seed_range(sandbox, endpoint: str, size: str) -> None:
    server = sandbox(latency_scale=SCALE)
    image = make_png(hole=(0, 0, 10, 10))
    requests = {
        "generations": {"json": {"prompt": "c", "size": size}},
        "edits": {"data": {"prompt": "c", "size": size}, "files": {"image": ("a.png", image)}},
        "variations": {"data": {"size": size}, "files": {"image": ("a.png", image)}},
    }
    started = time.monotonic()
    response = api_post(server.base_url, endpoint, **requests[endpoint])
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    low, high = rules.latency_profile(endpoint, size)
    assert low * SCALE <= elapsed < high, "scaled: far below the unscaled slowest time, however loaded the machine"


def test_concurrent_requests_overlap(sandbox) -> None:
    """Six requests of ~0.3 s each are served side by side: the sandbox counts them in flight at once."""
    server = sandbox(latency_scale=0.1)
    client = client_for(server.base_url)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda i: client.images.generate(prompt=f"c{i}", size="256x256"), range(6)))
    assert len(results) == 6
    assert server.stats()["max_in_flight"] >= 2
