"""A user project with a small collection covering every kind of image the report shows."""

from __future__ import annotations

import pytest


EXTRA_REQUESTS = """\
  - name: edit with mask
    path: /images/edits
    form:
      fields: {model: dall-e-2, prompt: a pool, size: 256x256, response_format: b64_json}
      files:
        image: {png: 256x256, seed: lounge}
        mask: {png: 256x256, mask: true}
    expect:
      images: {count: 1, format: png, size: 256x256}
  - name: stream partials
    path: /images/generations
    json: {model: gpt-image-1, prompt: a kite, size: 1024x1024, quality: low, stream: true, partial_images: 2}
  - name: wrong size expected
    path: /images/generations
    json: {model: dall-e-2, prompt: a dog, size: 256x256, response_format: b64_json}
    expect:
      images: {count: 1, size: 512x512}
"""

KEY = "ic-report-test-key-0123456789"

STILL_SERVED = ("dall-e-2", "gpt-image-1", "variations")
"""The report's project mixes url-mode DALL·E images and variations (the seed era's) with stream partials (from
2026-05-13 on, when DALL·E was gone): its sandbox is today's, still serving those, as a routing gateway would."""


@pytest.fixture
def project(make_project) -> pytest.Pytester:
    """collections/demo.yaml: the demo chain plus every other kind of image the report shows."""
    return make_project(EXTRA_REQUESTS, key=KEY, with_error=True)


@pytest.fixture
def report_server(sandbox):
    """Today's sandbox, still serving what the project's seed-era requests need (STILL_SERVED)."""
    return sandbox(as_of=None, still_serves=STILL_SERVED)
