"""Server-sent events for GPT image models: partial images, then a completed event with usage."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any, AsyncIterator, Callable, Mapping

from PIL import Image

from imagecontract.sandbox import bodies, imaging
from imagecontract.sandbox.validation import ImageRequest

EVENT_PREFIX: Mapping[str, str] = {"generations": "image_generation", "edits": "image_edit"}
MEDIA_TYPE = "text/event-stream"


async def events(
    request: ImageRequest,
    delay: float,
    clock: Callable[[], float],
    shape: Callable[[dict[str, Any]], dict[str, Any]],
    delivered: Callable[[int], None],
) -> AsyncIterator[str]:
    """For each image, `partial_images` previews then its completed event; the latency is spread between them.

    `partial_image_index` counts on across the images of an `n > 1` stream (0, 1, 2, ...), so every partial of
    the stream has its own index, as the `stream_events` check expects. `shape` lets faults rewrite each event's
    data; `delivered(1)` is called once a final image is out.
    """
    prefix = EVENT_PREFIX[request.endpoint]
    pause = delay / (request.n * (request.partial_images + 1))
    partial_index = 0
    for index in range(request.n):
        final = await asyncio.to_thread(imaging.picture, request, index)
        for step in range(request.partial_images):
            await asyncio.sleep(pause)
            partial = imaging.preview(final, step, request.partial_images)
            data = await _event(f"{prefix}.partial_image", request, partial, clock, partial_image_index=partial_index)
            partial_index += 1
            yield _sse(shape(data))
        await asyncio.sleep(pause)
        data = await _event(f"{prefix}.completed", request, final, clock, usage=bodies.usage(request, 1),
                            **bodies.identity(request))
        yield _sse(shape(data))
        delivered(1)


async def _event(
    kind: str, request: ImageRequest, image: Image.Image, clock: Callable[[], float], **extra: Any
) -> dict[str, Any]:
    """One event's data; encoding runs off the event loop so other requests keep flowing."""
    encoded = await asyncio.to_thread(imaging.encode, image, request)
    return {
        "type": kind,
        "b64_json": base64.b64encode(encoded).decode(),
        "created_at": int(clock()),
        **bodies.settings(request),
        **extra,
    }


def _sse(data: dict[str, Any]) -> str:
    return f"event: {data.get('type', 'message')}\ndata: {json.dumps(data)}\n\n"
