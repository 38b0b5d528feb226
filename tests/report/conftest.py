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


@pytest.fixture
def project(make_project) -> pytest.Pytester:
    """collections/demo.yaml: the demo chain plus every other kind of image the report shows."""
    return make_project(EXTRA_REQUESTS, key=KEY, with_error=True)
