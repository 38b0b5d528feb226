"""What the model's rules promise about an answer: response format, revised prompt, usage."""

from __future__ import annotations

from urllib.parse import urlsplit

from imagecontract.checks.conditions import all_of, is_json_image_answer, model_rule
from imagecontract.checks.registry import CheckContext, check
from imagecontract.checks.requested import Requested
from imagecontract.exchange import Exchange, Failure
from imagecontract.images import inspect_image
from imagecontract.jsonpath import MISSING, describe_value, format_path
from imagecontract.rules import MIN_INPUT_IMAGE_TOKENS, RESPONSE_FORMATS


def _image_objects(exchange: Exchange) -> list[tuple[int, dict]]:
    """(index, object) of each image object in a JSON body; other shapes are the schema check's to report."""
    body = exchange.response.json_or_none()
    items = body.get("data") if isinstance(body, dict) else None
    return [(index, item) for index, item in enumerate(items or []) if isinstance(item, dict)]


def _knows_response_format(exchange: Exchange) -> bool:
    return Requested.of(exchange).response_format is not None


@check(applies=all_of(is_json_image_answer, _knows_response_format))
def response_format(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """Each image carries b64_json or url as asked (or as the model always does), and not the other."""
    requested = Requested.of(exchange).response_format
    if requested is None:
        return []
    wanted, why = requested
    failures = []
    for index, item in _image_objects(exchange):
        value = item.get(wanted, MISSING)
        if not (isinstance(value, str) and value):
            reason = f"expected {wanted} ({why}), got {describe_value(value)}"
            failures.append(Failure("response_format", reason, format_path(["data", index, wanted])))
        for other in (source for source in RESPONSE_FORMATS if source != wanted and source in item):
            reason = f"expected no {other} when the response format is {wanted}, got {describe_value(item[other])}"
            failures.append(Failure("response_format", reason, format_path(["data", index, other])))
    return failures


@check(applies=model_rule("revised_prompt"))
def revised_prompt(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """Models that revise prompts return the revised prompt with every image."""
    model = Requested.of(exchange).model
    failures = []
    for index, item in _image_objects(exchange):
        value = item.get("revised_prompt", MISSING)
        if not (isinstance(value, str) and value.strip()):
            reason = f"expected a non-empty revised_prompt ({model} revises every prompt), got {describe_value(value)}"
            failures.append(Failure("revised_prompt", reason, format_path(["data", index, "revised_prompt"])))
    return failures


@check(applies=model_rule("usage"))
def usage(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """Models that bill by token report a `usage` block.

    Its shape is the schema's to judge; in a stream the completed event's schema requires it."""
    body = exchange.response.json_or_none()
    value = body.get("usage", MISSING) if isinstance(body, dict) else MISSING
    if isinstance(value, dict):
        return []
    reason = f"expected a usage object ({Requested.of(exchange).model} reports token usage), got {describe_value(value)}"
    return [Failure("usage", reason, "$.usage")]


IMAGE_TOKENS_PATH = ("usage", "input_tokens_details", "image_tokens")


def _input_images(exchange: Exchange) -> int:
    return len(exchange.request.files_named("image") + exchange.request.files_named("image[]"))


def _image_tokens(exchange: Exchange) -> object:
    value: object = exchange.response.json_or_none()
    for key in IMAGE_TOKENS_PATH:
        value = value.get(key, MISSING) if isinstance(value, dict) else MISSING
    return value


def _bills_input_images(exchange: Exchange) -> bool:
    """An edit by a token-billed model, with images sent and image tokens reported (else `usage` complains)."""
    return (
        model_rule("usage")(exchange)
        and exchange.request.endpoint == "edits"
        and _input_images(exchange) > 0
        and isinstance(_image_tokens(exchange), (int, float))
    )


def _input_size(exchange: Exchange) -> str | None:
    """The one pixel size every input image shares (`512x512`), or None when they differ or do not decode."""
    sizes = set()
    for part in exchange.request.files_named("image") + exchange.request.files_named("image[]"):
        try:
            sizes.add(inspect_image(part.data).size)
        except ValueError:
            return None
    return sizes.pop() if len(sizes) == 1 else None


def _baseline_key(exchange: Exchange, size: str) -> str:
    """Image tokens per input are compared only on one target, for one model and one input size (the API bills by size)."""
    return f"image_tokens|{urlsplit(exchange.request.url).netloc}|{Requested.of(exchange).model}|{size}"


@check(applies=_bills_input_images)
def input_images_used(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """An edit's image tokens account for every input image sent (a gateway may forward only the first)."""
    sent, tokens = _input_images(exchange), _image_tokens(exchange)
    size = _input_size(exchange)
    key = _baseline_key(exchange, size) if size else None
    if key and sent == 1 and isinstance(tokens, (int, float)) and tokens > 0:
        context.baselines.setdefault(key, tokens)
    baseline = context.baselines.get(key) if key else None
    if baseline and sent > 1:
        if isinstance(tokens, (int, float)) and tokens >= (sent - 0.5) * baseline:
            return []
        reason = (f"expected about {sent * baseline:g} image tokens for {sent} input images of {size} ({baseline:g} each, "
                  f"as this target billed a one-image edit of that size), got {tokens:g}, about "
                  f"{tokens / baseline:.1f} images' worth: not every input image was used")
        return [Failure("input_images_used", reason, format_path(list(IMAGE_TOKENS_PATH)))]
    least = sent * MIN_INPUT_IMAGE_TOKENS
    if isinstance(tokens, (int, float)) and tokens >= least:
        return []
    reason = (
        f"expected at least {least} image tokens for {sent} input images ({MIN_INPUT_IMAGE_TOKENS} or more each), "
        f"got {describe_value(tokens)}: not every input image was used"
    )
    return [Failure("input_images_used", reason, format_path(list(IMAGE_TOKENS_PATH)))]
