"""Exchanges with real Pillow-made images, so checks are judged on what an API would send."""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from typing import Any, Callable

import pytest
from PIL import Image

from imagecontract.checks import CheckContext, CheckOutcome, run_checks
from imagecontract.rules import SEED_ERA
from imagecontract.exchange import Exchange, FilePart, ReceivedResponse, SentRequest, StreamEvent
from imagecontract.schemas import SchemaStore, default_schemas_dir

BASE_URL = "http://127.0.0.1:9/v1/images/"

Box = tuple[int, int, int, int]


def make_image(
    size: tuple[int, int] = (64, 64),
    color: tuple[int, ...] = (200, 40, 40),
    mode: str = "RGB",
    fmt: str = "PNG",
    clear: Box | None = None,
) -> bytes:
    """An image of one colour; `clear` makes a box of it fully transparent (needs an alpha mode)."""
    image = Image.new(mode, size, color)
    if clear is not None:
        image.paste((0, 0, 0, 0), clear)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def images_body(*images: bytes, **extra: Any) -> dict[str, Any]:
    """A documented images response carrying `images` as b64_json."""
    return {"created": 1713833628, "data": [{"b64_json": b64(image)} for image in images], **extra}


def make_exchange(
    endpoint: str = "generations",
    params: dict[str, Any] | None = None,
    body: Any = None,
    status: int = 200,
    expect: dict[str, Any] | None = None,
    files: list[FilePart] | None = None,
    headers: dict[str, str] | None = None,
    events: list[StreamEvent] | None = None,
    secrets: tuple[str, ...] = (),
    downloads: dict[str, bytes] | None = None,
    elapsed: float = 1.0,
    latency_budget: float | None = None,
    as_of: date | None = SEED_ERA,
) -> Exchange:
    """An exchange as the engine would build it; a dict body is sent as JSON, bytes as they are.

    Its request means what it meant in the seed era (the defaults these tests were written with) unless `as_of`
    says otherwise (None: today)."""
    params = dict(params or {})
    multipart = endpoint != "generations"
    request = SentRequest(
        method="POST",
        url=BASE_URL + endpoint,
        headers={"authorization": "Bearer sk-test"},
        json=None if multipart else params,
        form={key: str(value) for key, value in params.items()} if multipart else {},
        files=list(files or []),
    )
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    kind = "text/event-stream" if events is not None else "application/json"
    response = ReceivedResponse(
        status=status,
        headers={"content-type": kind, **(headers or {})},
        body=raw,
        elapsed=elapsed,
        events=events,
    )
    return Exchange(
        request=request,
        response=response,
        expect=expect or {},
        secrets=secrets,
        downloads=downloads or {},
        latency_budget=latency_budget,
        as_of=as_of,
    )


def upload(field: str, data: bytes) -> FilePart:
    return FilePart(field=field, filename=f"{field.strip('[]')}.png", content_type="image/png", data=data)


@pytest.fixture(scope="session")
def context() -> CheckContext:
    return CheckContext(SchemaStore(default_schemas_dir()))


@pytest.fixture
def judge(context: CheckContext) -> Callable[[str, Exchange], CheckOutcome]:
    """Run one check by name and return its outcome."""

    def run(name: str, exchange: Exchange) -> CheckOutcome:
        (outcome,) = run_checks(exchange, context, select=[name])
        assert all(failure.check == name for failure in outcome.failures)
        return outcome

    return run


@pytest.fixture(name="make_image")
def _make_image() -> Callable[..., bytes]:
    return make_image


@pytest.fixture(name="make_exchange")
def _make_exchange() -> Callable[..., Exchange]:
    return make_exchange


@pytest.fixture(name="images_body")
def _images_body() -> Callable[..., dict[str, Any]]:
    return images_body


@pytest.fixture(name="upload")
def _upload() -> Callable[[str, bytes], FilePart]:
    return upload
