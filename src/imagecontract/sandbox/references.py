"""Image references of a JSON edit (`{"image_url": ...}` or `{"file_id": ...}`) turned into bytes.

A data: URL is decoded; an http(s) URL is fetched only from a loopback host (the sandbox never reaches out of
the machine); a `file_id` is looked up in the sandbox's own Files store.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from typing import Any
from urllib.parse import urlsplit

import httpx

from imagecontract import rules
from imagecontract.sandbox.files import FileStore
from imagecontract.sandbox.messages import ApiError

LOOPBACK_NAMES = frozenset({"localhost"})
FETCH_TIMEOUT = 10.0
MAX_FETCH_BYTES = 50 * rules.MB + 1
"""Read one byte past the largest input a GPT image model takes, so the upload check can refuse it by size."""


def _bad(param: str, detail: str) -> ApiError:
    return ApiError("invalid_reference", param=param, detail=detail)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def resolve(reference: Any, param: str, files: FileStore) -> bytes:
    """The bytes an ImageRefParam points at; one ApiError naming `param` for any bad reference."""
    if not isinstance(reference, dict) or set(reference) - {"image_url", "file_id"}:
        raise _bad(param, "expected an object with exactly one of 'image_url' or 'file_id'")
    if ("image_url" in reference) == ("file_id" in reference):
        raise _bad(param, "provide exactly one of 'image_url' or 'file_id'")
    if "file_id" in reference:
        if not isinstance(reference["file_id"], str) or not reference["file_id"]:
            raise _bad(f"{param}.file_id", "expected a file id string")
        return files.get(reference["file_id"], f"{param}.file_id").data
    url = reference["image_url"]
    if not isinstance(url, str) or not url:
        raise _bad(f"{param}.image_url", "expected a URL string")
    if len(url) > rules.MAX_IMAGE_URL_CHARS:
        raise _bad(f"{param}.image_url", f"a URL of at most {rules.MAX_IMAGE_URL_CHARS} characters, got {len(url)}")
    if url.startswith("data:"):
        return _data_url(url, f"{param}.image_url")
    return await _fetch(url, f"{param}.image_url")


def _data_url(url: str, param: str) -> bytes:
    header, comma, payload = url.partition(",")
    if not comma or not header.endswith(";base64"):
        raise _bad(param, "a data: URL must be data:<type>;base64,<data>")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(param, "the data: URL does not hold valid base64") from None


async def _fetch(url: str, param: str) -> bytes:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad(param, "expected a data: URL or an http(s) URL")
    if not is_loopback(parts.hostname):
        raise _bad(param, f"the sandbox fetches image URLs from loopback hosts only, not {parts.hostname}")
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT) as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                raise _bad(param, f"fetching {url} answered {response.status_code}")
            data = b""
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) >= MAX_FETCH_BYTES:
                    break
            return data
    except httpx.HTTPError as exc:
        raise _bad(param, f"fetching {url} failed: {type(exc).__name__}") from None
