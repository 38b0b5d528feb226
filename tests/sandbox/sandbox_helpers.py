"""Helpers for the sandbox's tests: synthetic uploads, decoding answers, an SDK client that never retries."""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

import httpx
import openai
from PIL import Image

KEY = "sk-test-0123456789abcdefXYZ"

Box = tuple[int, int, int, int]


def make_png(
    size: tuple[int, int] = (256, 256),
    colour: tuple[int, int, int] = (200, 30, 30),
    hole: Box | None = None,
    mode: str = "RGBA",
) -> bytes:
    """A flat image, optionally with a fully transparent rectangle `hole` (x0, y0, x1, y1)."""
    image = Image.new("RGBA", size, (*colour, 255))
    if hole is not None:
        image.paste((0, 0, 0, 0), hole)
    return encode(image.convert(mode), "PNG")


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def b64_image(b64: str | None) -> Image.Image:
    assert b64, "expected b64_json"
    return opened(base64.b64decode(b64))


def fetched(url: str | None) -> Image.Image:
    assert url, "expected a url"
    response = httpx.get(url)
    assert response.status_code == 200
    return opened(response.content)


def api_post(base_url: str, endpoint: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    """A raw authenticated POST to `/images/{endpoint}`, for what the SDK cannot send."""
    headers = {"Authorization": f"Bearer {KEY}", **(headers or {})}
    return httpx.post(f"{base_url}/images/{endpoint}", headers=headers, **kwargs)


def client_for(base_url: str, api_key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=30)


class FakeClock:
    """An injectable clock that only moves when told to."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
