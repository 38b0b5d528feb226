"""What the answer says against what was asked: the settings it reports, its token arithmetic, its GIF
frames and its SVG documents.

Each check judges only what the request pins down: a value asked for must come back as it was asked; a value
left to the model (`auto`, or absent) may come back as anything the model's rules allow. A field the answer
does not carry is the schema's business, not these checks'.
"""

from __future__ import annotations

import io
from typing import Any, Callable

from PIL import Image, ImageSequence

from imagecontract.checks.conditions import is_image_answer
from imagecontract.checks.registry import CheckContext, check
from imagecontract.checks.requested import Requested
from imagecontract.exchange import Exchange, Failure
from imagecontract.images import returned_images
from imagecontract.jsonpath import describe_value, format_path
from imagecontract.rules import (
    GIF_DEFAULT_FRAME_MS,
    GIF_DEFAULT_FRAMES,
    GIF_FRAME_MS_STEP,
    GIF_MAX_FRAME_MS,
    DEFAULT_OUTPUT_FORMAT,
)
from imagecontract.svg import inspect_svg

SETTINGS = ("size", "quality", "background", "output_format")
LEFT_TO_THE_MODEL = frozenset({"auto", None})
EVENT_AUTO = frozenset({"size", "quality", "background"})
"""Stream events may report `auto` for what was asked as auto (their schemas allow it; response bodies do not)."""


def _reporting_places(exchange: Exchange) -> list[tuple[str, dict[str, Any]]]:
    """(path, object) of each place an answer reports its settings: the JSON body, or every stream event."""
    if exchange.response.events is not None:
        return [(format_path(["events", index]), event.data) for index, event in enumerate(exchange.response.events)
                if isinstance(event.data, dict)]
    body = exchange.response.json_or_none()
    return [("$", body)] if isinstance(body, dict) else []


def _reports_settings(exchange: Exchange) -> bool:
    return is_image_answer(exchange) and any(
        name in place for _, place in _reporting_places(exchange) for name in SETTINGS)


def _allowed(requested: Requested, name: str, in_event: bool) -> tuple[Callable[[Any], bool], str] | None:
    """(holds, in words) for what the answer may report as `name`; None when nothing can be judged."""
    asked = requested.params.get(name)
    rules = requested.rules
    if name == "size":
        size_ok = requested.accepts_size
        auto_ok = in_event and asked in LEFT_TO_THE_MODEL
        return (lambda value: (auto_ok and value == "auto") or (isinstance(value, str) and size_ok(value) is not False),
                requested.size_wanted + (" (or auto)" if auto_ok else ""))
    if name == "output_format":
        wanted = asked or DEFAULT_OUTPUT_FORMAT
        return (lambda value: value == wanted), str(wanted)
    if asked not in LEFT_TO_THE_MODEL:
        return (lambda value: value == asked), str(asked)
    choices = {"quality": rules.qualities if rules else (), "background": rules.backgrounds if rules else ()}[name]
    concrete = [choice for choice in choices if choice != "auto"]
    if not concrete:
        return None
    accepted = [*concrete, *(["auto"] if in_event else [])]
    return (lambda value: value in accepted), " or ".join(accepted) + f" (auto for {requested.model})"


@check(applies=_reports_settings)
def reported_settings(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The size, quality, background and output format an answer reports are the ones asked for.

    What was left to the model (`auto`, or absent) may come back as any value the model's rules allow."""
    requested = Requested.of(exchange)
    in_events = exchange.response.events is not None
    failures = []
    for path, place in _reporting_places(exchange):
        for name in SETTINGS:
            if name not in place:
                continue
            allowed = _allowed(requested, name, in_events)
            if allowed is not None and not allowed[0](place[name]):
                reason = f"expected {name} {allowed[1]}, got {describe_value(place[name])}"
                failures.append(Failure("reported_settings", reason, f"{path}.{name}"))
    return failures


def _usages(exchange: Exchange) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{path}.usage", place["usage"])
            for path, place in _reporting_places(exchange) if isinstance(place.get("usage"), dict)]


def _number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


SUMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("total_tokens", ("input_tokens", "output_tokens")),
    ("input_tokens", ("input_tokens_details.text_tokens", "input_tokens_details.image_tokens")),
    ("output_tokens", ("output_tokens_details.text_tokens", "output_tokens_details.image_tokens")),
)
"""(total, its parts): sdk.response Usage; output_tokens_details is optional, and judged only when present."""


def _get(usage: dict[str, Any], dotted: str) -> Any:
    value: Any = usage
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@check(applies=lambda exchange: is_image_answer(exchange) and bool(_usages(exchange)))
def usage_arithmetic(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """Token usage adds up: total = input + output, input = text + image tokens, output = its details' sum."""
    failures = []
    for path, usage in _usages(exchange):
        for total, parts in SUMS:
            values = [_get(usage, part) for part in parts]
            if not _number(usage.get(total)) or not all(_number(value) for value in values):
                continue
            if usage[total] != sum(values):
                shown = " + ".join(f"{part} {value}" for part, value in zip(parts, values))
                reason = f"expected {total} = {shown} = {sum(values)}, got {usage[total]}"
                failures.append(Failure("usage_arithmetic", reason, f"{path}.{total}"))
    return failures


def _asks_for(fmt: str) -> Callable[[Exchange], bool]:
    return lambda exchange: is_image_answer(exchange) and exchange.request.params.get("output_format") == fmt


def _int_param(exchange: Exchange, name: str, default: int) -> int | None:
    try:
        return int(exchange.request.params.get(name, default))
    except (TypeError, ValueError):
        return None


def _delays(requested_ms: int) -> frozenset[int]:
    """The frame delays a correct GIF may carry for a requested duration: rounded to 10 ms either way on an
    exact half (the SDK does not say how halves round), and capped at 655,350 ms."""
    step = GIF_FRAME_MS_STEP
    low, high = (requested_ms // step) * step, -(-requested_ms // step) * step
    nearest = {low, high} if requested_ms - low == high - requested_ms else {min((low, high), key=lambda d: abs(d - requested_ms))}
    return frozenset(max(step, min(GIF_MAX_FRAME_MS, delay)) for delay in nearest)


@check(applies=_asks_for("gif"))
def gif_frames(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """A GIF answer has `frame_count` frames (9 by default), each lasting `frame_duration_ms` (200) to 10 ms."""
    frames_wanted = _int_param(exchange, "frame_count", GIF_DEFAULT_FRAMES)
    asked_ms = _int_param(exchange, "frame_duration_ms", GIF_DEFAULT_FRAME_MS)
    delays = _delays(asked_ms) if asked_ms is not None else None
    failures = []
    for image in returned_images(exchange):
        if image.data is None or image.info is None or image.info.format != "gif":
            continue
        with Image.open(io.BytesIO(image.data)) as gif:
            durations = [frame.info.get("duration") for frame in ImageSequence.Iterator(gif)]
        if frames_wanted is not None and len(durations) != frames_wanted:
            failures.append(Failure("gif_frames", f"expected {frames_wanted} frames, got {len(durations)}", image.path))
        wrong = sorted({duration for duration in durations if delays is not None and duration not in delays},
                       key=lambda value: (value is None, value or 0))
        if wrong:
            expected = " or ".join(f"{delay} ms" for delay in sorted(delays or ()))
            failures.append(Failure("gif_frames", f"expected every frame to last {expected}, got {wrong}", image.path))
    return failures


@check(applies=_asks_for("svg"))
def svg_document(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """An SVG answer is a well-formed `<svg>` document declaring the size asked for (or one allowed for auto)."""
    requested = Requested.of(exchange)
    failures = []
    for image in returned_images(exchange):
        if image.data is None:
            continue
        try:
            info = inspect_svg(image.data)
        except ValueError as exc:
            failures.append(Failure("svg_document", f"expected an SVG document, got {exc}", image.path))
            continue
        if info.width is None or info.height is None:
            continue
        size = f"{info.width}x{info.height}"
        if requested.accepts_size(size) is False:
            failures.append(Failure("svg_document", f"expected an SVG of {requested.size_wanted}, got {size}", image.path))
    return failures
