"""Deliberate misbehaviour, so the suite can prove it notices: one table of named faults.

Each fault builds an `Effect`, a few optional hooks the pipeline calls at fixed
points (before anything, after auth, on the validated request, on success
bodies, on error replies, on the final response). Select with `NAME` or
`NAME=ARG`; `imagecontract serve --list-faults` prints the table.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping

from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from imagecontract import rules
from imagecontract.errors import FaultError
from imagecontract.sandbox.echo_faults import ECHO_SHAPES, EchoShape, echo_rewrite
from imagecontract.sandbox.messages import BAD_GATEWAY, ERROR_PAGE, ApiError, ErrorReply
from imagecontract.sandbox.validation import ImageRequest

Adjust = Callable[[ImageRequest], ImageRequest]
Shape = Callable[[dict[str, Any]], dict[str, Any]]
Rewrite = Callable[[ErrorReply], ErrorReply]


@dataclass(frozen=True)
class Effect:
    """What one active fault does; every hook is optional."""

    intercept: Callable[[], Response] | None = None
    gate: Callable[[str], ApiError | None] | None = None
    adjust: Adjust | None = None
    shape: Shape | None = None
    error: Rewrite | None = None
    finish: Callable[[Response], Response] | None = None
    hang: float = 0.0
    timeout: float | None = None
    echo_key: bool = False


@dataclass(frozen=True)
class FaultSpec:
    """A row of the table: `arg` is the argument's metavar (None: takes none), `default` its value when omitted."""

    description: str
    build: Callable[[str], Effect]
    arg: str | None = None
    default: str | None = None


class TruncatedResponse(Response):
    """Declares the full Content-Length, sends half the body, then drops the connection."""

    def __init__(self, original: Response) -> None:
        self.status_code = original.status_code
        self.body = original.body
        self.raw_headers = original.raw_headers
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": bytes(self.body[: len(self.body) // 2]), "more_body": True})


def _truncate(response: Response) -> Response:
    return response if isinstance(response, StreamingResponse) else TruncatedResponse(response)


def _bad_gateway() -> Response:
    return HTMLResponse(ERROR_PAGE.format(**BAD_GATEWAY), status_code=BAD_GATEWAY["status"])


def _every_nth(arg: str) -> Effect:
    period = _number(arg, int, minimum=1)
    counter = itertools.count(1)
    return Effect(gate=lambda endpoint: ApiError("server_error") if next(counter) % period == 0 else None)


def _always(error: str, endpoint: str | None = None) -> Callable[[str], Effect]:
    """A gate raising `error` on every request (to `endpoint` only, when given)."""

    def gate(called: str) -> ApiError | None:
        if endpoint is not None and called != endpoint:
            return None
        return ApiError(error, method="POST", path=f"/v1/images/{called}")

    return lambda arg: Effect(gate=gate)


def _drop(name: str) -> Shape:
    """Remove a field from the body and from each image item."""

    def shape(body: dict[str, Any]) -> dict[str, Any]:
        kept = {key: value for key, value in body.items() if key != name}
        if isinstance(kept.get("data"), list):
            kept["data"] = [{k: v for k, v in item.items() if k != name} for item in kept["data"]]
        return kept

    return shape


def _envelope_without(key: str) -> Rewrite:
    def rewrite(reply: ErrorReply) -> ErrorReply:
        inner = reply.body.get("error")
        if not isinstance(inner, dict):
            return reply
        return replace(reply, body={**reply.body, "error": {k: v for k, v in inner.items() if k != key}})

    return rewrite


def _echo(shape: EchoShape) -> Callable[[str], Effect]:
    return lambda arg: Effect(echo_key=True, error=echo_rewrite(shape, _number(arg, int, minimum=1) if arg else 0))


def _resize(request: ImageRequest, size: str) -> ImageRequest:
    pixels = rules.parse_size(size)
    assert pixels is not None
    return replace(request, size=size, pixels=pixels)


SWAPPED_RESPONSE_FORMAT = {"url": "b64_json", "b64_json": "url"}
WRONG_ENCODING = {"png": "jpeg", "jpeg": "png", "webp": "png"}


def _adjust(adjust: Adjust) -> Callable[[str], Effect]:
    return lambda arg: Effect(adjust=adjust)


def _rewrite(rewrite: Rewrite) -> Callable[[str], Effect]:
    return lambda arg: Effect(error=rewrite)


FAULTS: Mapping[str, FaultSpec] = {
    # Issue 2: failures of the service itself.
    "error-500": FaultSpec(
        "answer every Nth request with a 500 server_error envelope", _every_nth, "N", "1"
    ),
    "hang": FaultSpec(
        "sleep SECONDS before answering anything", lambda arg: Effect(hang=_number(arg, float)), "SECONDS", "30"
    ),
    "truncate-body": FaultSpec(
        "declare the full Content-Length, send half the body, then close",
        lambda arg: Effect(finish=_truncate),
    ),
    "html-error": FaultSpec("answer every request with a 502 HTML page", lambda arg: Effect(intercept=_bad_gateway)),
    "wrong-size": FaultSpec(
        "render images at half the requested width and height",
        _adjust(lambda r: replace(r, pixels=(max(1, r.pixels[0] // 2), max(1, r.pixels[1] // 2)))),
    ),
    "drop-field": FaultSpec(
        "remove field NAME (e.g. created, revised_prompt, usage) from successful bodies and events",
        lambda arg: Effect(shape=_drop(arg)),
        "NAME",
    ),
    # Gateways that deviate from the API.
    "plain-text-errors": FaultSpec("send errors as text/plain messages", _rewrite(lambda r: replace(r, media="text"))),
    "html-errors": FaultSpec("send errors as HTML pages (status kept)", _rewrite(lambda r: replace(r, media="html"))),
    "flat-errors": FaultSpec(
        'send errors as {"message": ...} with no envelope', _rewrite(lambda r: replace(r, body={"message": r.message}))
    ),
    "error-missing-type": FaultSpec("leave `type` out of error envelopes", _rewrite(_envelope_without("type"))),
    "error-missing-param": FaultSpec("leave `param` out of error envelopes", _rewrite(_envelope_without("param"))),
    "errors-as-200": FaultSpec("send error envelopes with status 200", _rewrite(lambda r: replace(r, status=200))),
    "wrong-error-status": FaultSpec(
        "answer 400 errors with status 500", _rewrite(lambda r: replace(r, status=500) if r.status == 400 else r)
    ),
    "echo-key": FaultSpec("echo the caller's whole API key in auth errors", lambda arg: Effect(echo_key=True)),
    **{name: FaultSpec(shape.description, _echo(shape), "N" if shape.default else None, shape.default)
       for name, shape in ECHO_SHAPES.items()},
    "swap-response-format": FaultSpec(
        "answer url when b64_json is asked, and the reverse",
        _adjust(lambda r: replace(r, response_format=SWAPPED_RESPONSE_FORMAT[r.response_format])),
    ),
    "ignore-response-format": FaultSpec(
        "always answer in the model's default response format",
        _adjust(lambda r: replace(r, response_format=r.model.default_response_format)),
    ),
    "ignore-size": FaultSpec(
        "always answer at the model's default size", _adjust(lambda r: _resize(r, rules.resolved_size(r.model, None)))
    ),
    "clamp-n": FaultSpec(
        "return at most K images",
        lambda arg: Effect(adjust=lambda r, k=_number(arg, int, minimum=1): replace(r, n=min(r.n, k))),
        "K",
        "1",
    ),
    "wrong-format": FaultSpec(
        "encode images in another format than asked (jpeg for png)",
        _adjust(lambda r: replace(r, encoding=WRONG_ENCODING[r.encoding])),
    ),
    "drop-revised-prompt": FaultSpec(
        "remove revised_prompt from dall-e-3 images", lambda arg: Effect(shape=_drop("revised_prompt"))
    ),
    "drop-usage": FaultSpec("remove usage from GPT image answers", lambda arg: Effect(shape=_drop("usage"))),
    "single-image-input": FaultSpec(
        "use only the first of several image[] inputs (visible in usage image_tokens)",
        _adjust(lambda r: replace(r, images=r.images[:1])),
    ),
    "drop-mask": FaultSpec(
        "ignore the mask (an opaque image is then regenerated whole)", _adjust(lambda r: replace(r, mask=None))
    ),
    "no-variations": FaultSpec("answer 404 on /v1/images/variations", _always("not_found", "variations")),
    "variations-ignore-input": FaultSpec(
        "make variations without looking at the input image",
        _adjust(lambda r: replace(r, images=()) if r.endpoint == "variations" else r),
    ),
    "stream-as-json": FaultSpec(
        "answer stream: true with one JSON body", _adjust(lambda r: replace(r, stream=False))
    ),
    "timeout": FaultSpec(
        "answer 504 (after SECONDS) when a request would take longer than SECONDS",
        lambda arg: Effect(timeout=_number(arg, float)),
        "SECONDS",
        "10",
    ),
    "billing-hard-limit": FaultSpec(
        "refuse every request with 400 billing_hard_limit_reached", _always("billing_hard_limit")
    ),
    "insufficient-quota": FaultSpec("refuse every request with 429 insufficient_quota", _always("insufficient_quota")),
}


def _number(arg: str, kind: type[int] | type[float], minimum: float = 0) -> Any:
    try:
        value = kind(arg)
    except ValueError:
        raise FaultError(f"fault argument {arg!r} is not {'an integer' if kind is int else 'a number'}") from None
    if value < minimum:
        raise FaultError(f"fault argument {arg!r} must be at least {minimum}")
    return value


class FaultSet:
    """The active faults, combined: hooks run in the order the faults were given."""

    def __init__(self, effects: Iterable[Effect] = ()) -> None:
        self.effects = tuple(effects)
        self.hang = sum(effect.hang for effect in self.effects)
        timeouts = [effect.timeout for effect in self.effects if effect.timeout is not None]
        self.timeout = min(timeouts) if timeouts else None
        self.echo_key = any(effect.echo_key for effect in self.effects)

    def intercept(self) -> Response | None:
        for effect in self.effects:
            if effect.intercept is not None:
                return effect.intercept()
        return None

    def gate(self, endpoint: str) -> None:
        """Raise the first error a fault injects for this request."""
        for effect in self.effects:
            error = effect.gate(endpoint) if effect.gate is not None else None
            if error is not None:
                raise error

    def adjust(self, request: ImageRequest) -> ImageRequest:
        return self._chain("adjust", request)

    def shape(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._chain("shape", body)

    def error(self, reply: ErrorReply) -> ErrorReply:
        return self._chain("error", reply)

    def finish(self, response: Response) -> Response:
        return self._chain("finish", response)

    def _chain(self, hook: str, value: Any) -> Any:
        for effect in self.effects:
            step = getattr(effect, hook)
            if step is not None:
                value = step(value)
        return value


def parse_fault(text: str) -> Effect:
    """`NAME` or `NAME=ARG` -> the fault's effect."""
    name, has_arg, arg = text.partition("=")
    spec = FAULTS.get(name.strip())
    if spec is None:
        raise FaultError(f"unknown fault {name!r}; choose from: {', '.join(FAULTS)}")
    if spec.arg is None and has_arg:
        raise FaultError(f"fault {name!r} takes no argument")
    if spec.arg is not None and not has_arg and spec.default is None:
        raise FaultError(f"fault {name!r} needs an argument: {name}={spec.arg}")
    return spec.build(arg.strip() if has_arg else spec.default or "")


def parse_faults(texts: Iterable[str]) -> FaultSet:
    return FaultSet(parse_fault(text) for text in texts)


def describe() -> str:
    """The fault table as `serve --list-faults` prints it."""
    rows = []
    for name, spec in FAULTS.items():
        usage = name if spec.arg is None else f"{name}={spec.arg}" if spec.default is None else f"{name}[={spec.arg}]"
        default = f" (default {spec.default})" if spec.default is not None else ""
        rows.append((usage, spec.description + default))
    width = max(len(usage) for usage, _ in rows)
    return "\n".join(f"{usage.ljust(width)}  {text}" for usage, text in rows)
