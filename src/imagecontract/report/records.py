"""One request's result as a JSON-safe record: what the report shows and `summary.json` keeps.

Base64 images become descriptions (`<png 1024x1024, 1.2 MB>`) plus a key into
the run's `ImageStore`; every string passes through the secrets last, so no
key reaches the report, whatever the server echoed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from imagecontract.collection.model import Collection, RequestSpec
from imagecontract.exchange import Exchange, FilePart, ReceivedResponse, SentRequest
from imagecontract.images import human_size, returned_images
from imagecontract.jsonpath import format_path
from imagecontract.latency import Budget
from imagecontract.redact import redact_headers, redact_message, redact_url
from imagecontract.report.pictures import ImageStore, Picture
from imagecontract.rules import effective_model
from imagecontract.run.engine import RequestResult

PARTIAL_EVENT_SUFFIX = ".partial_image"
"""Stream events whose `b64_json` is a preview (`image_generation.partial_image`)."""

TEXT_LIMIT = 4000
"""Characters of a non-JSON body kept; an HTML error page needs no more."""

_MIN_BASE64 = 80
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@dataclass(frozen=True)
class TestFacts:
    """What pytest knows about a request test besides its result."""

    nodeid: str
    collection: Collection
    spec: RequestSpec
    outcome: str
    duration: float
    message: str | None = None
    root: Path | None = None
    """Cassette paths are shown relative to this (the rootdir), so records read the same on any machine."""
    index: int | None = None
    """The item's place among every collected item, before deselection: shards merge in this order."""
    when: str = "call"
    """The phase the outcome comes from: `setup` for a skip or error before the request ran."""
    longrepr: str | list[Any] | None = None
    """pytest's failure text, or a skip's `[path, line, reason]`: what JUnit XML and pytest-html show."""
    sections: tuple[tuple[str, str], ...] = ()
    """Captured output and report sections (`Captured imagecontract retries call`, ...)."""


def build_record(facts: TestFacts, result: RequestResult | None, store: ImageStore, secrets: Iterable[str]) -> dict[str, Any]:
    """The record of one test; `result` is None when the request never ran (skipped, or failed to template)."""
    exchange = result.exchanges[-1] if result and result.exchanges else None
    record: dict[str, Any] = {
        "nodeid": facts.nodeid,
        "index": facts.index,
        "when": facts.when,
        "collection": facts.collection.name,
        "file": facts.nodeid.split("::", 1)[0],
        "request": facts.spec.name,
        "endpoint": facts.spec.endpoint,
        "model": _model(facts.spec, exchange),
        "method": facts.spec.method,
        "outcome": facts.outcome,
        "message": facts.message,
        "longrepr": facts.longrepr,
        "sections": [list(section) for section in facts.sections],
        "retries": list(result.retries) if result else [],
        "duration": round(facts.duration, 4),
        "latency": [round(seconds, 4) for seconds in result.latencies] if result else [],
        "budget": _budget(result.budget) if result else None,
        "checks": [
            {
                "name": outcome.name,
                "applicable": outcome.applicable,
                "severity": outcome.severity,
                "failures": [{"reason": failure.reason, "path": failure.path} for failure in outcome.failures],
            }
            for outcome in (result.outcomes if result else [])
        ],
        "failures": [
            {"check": failure.check, "reason": failure.reason, "path": failure.path}
            for failure in (result.failures if result else [])
        ],
        "advisories": [
            {"check": failure.check, "reason": failure.reason, "path": failure.path}
            for failure in (result.advisories if result else [])
        ],
        "upstream": _upstream(exchange),
        "error": result.error if result else None,
        "cassette": _relative(result.cassette, facts.root) if result and result.cassette else None,
        "replayed": bool(result and result.replayed),
        "exchange": _exchange(exchange, store) if exchange else None,
    }
    return redact_record(record, list(secrets) + list(exchange.secrets if exchange else ()))


def redact_record(value: Any, secrets: list[str]) -> Any:
    """`value` with every secret (or long prefix of one) and every secret query parameter of a URL
    removed from every string in it, keys included.

    Most records hold nothing to remove: the record's JSON text is searched once (in C, and the search finds
    a secret JSON-escaped too), and only a record where something shows is walked string by string."""
    found = tuple(secrets)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return _redacted(value, found)
    return value if redact_message(text, found) == text else _redacted(value, found)


def _redacted(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return _redacted_text(value, secrets) if len(value) <= SHORT_TEXT else redact_message(value, secrets)
    if isinstance(value, dict):
        return {_redacted(str(key), secrets): _redacted(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, secrets) for item in value]
    return value


SHORT_TEXT = 200
"""Strings up to this long are remembered redacted (at most 8192 of them, so at most a few MB)."""


@lru_cache(maxsize=8192)
def _redacted_text(text: str, secrets: tuple[str, ...]) -> str:
    """`redact_message`, once per distinct string and secrets: records repeat their keys, check names and reasons
    test after test (redacting each anew was the report's largest cost per test)."""
    return redact_message(text, secrets)


def _relative(path: Path, root: Path | None) -> str:
    if root is not None and path.is_relative_to(root):
        return str(path.relative_to(root))
    return str(path)


def _model(spec: RequestSpec, exchange: Exchange | None) -> str | None:
    if not spec.endpoint:
        return None
    if exchange is not None:
        sent = exchange.request
        return effective_model(sent.params, spec.endpoint, [part.field for part in sent.files], as_of=exchange.as_of) or None
    return spec.model or None



def _upstream(exchange: Exchange | None) -> dict[str, Any] | None:
    """Sandwich mode: how often the upstream was called for this request, and what the gateway added to its time."""
    view = exchange.upstream if exchange is not None else None
    if view is None:
        return None
    overhead = view.overhead(exchange.response.elapsed)
    return {"attempts": view.attempts, "correlated_by": view.correlated_by,
            "overhead": round(overhead, 4) if overhead is not None else None, "overhead_budget": view.overhead_budget}


def _budget(budget: Budget) -> dict[str, float | None]:
    return {"max": budget.max, "p50": budget.p50, "p95": budget.p95, "first_event": budget.first_event}


def _exchange(exchange: Exchange, store: ImageStore) -> dict[str, Any]:
    secrets = exchange.secrets
    return {
        "request": _request(exchange.request, store, secrets),
        "response": _response(exchange.response, store, secrets),
        "images": [
            {
                "index": image.index,
                "source": image.source,
                "path": image.path,
                "error": image.error,
                **(_picture(store.add(image.data)) if image.data is not None else {"description": None, "image": None}),
            }
            for image in returned_images(exchange)
        ],
        "partials": _partials(exchange.response, store),
    }


def _picture(found: Picture) -> dict[str, Any]:
    return {"description": found.description, "image": found.key if found.thumbnail else None}


def _request(sent: SentRequest, store: ImageStore, secrets: tuple[str, ...]) -> dict[str, Any]:
    if sent.json is not None:
        body: dict[str, Any] = {"kind": "json", "json": describe_base64(sent.json, store)}
    elif sent.form or sent.files:
        body = {"kind": "form", "fields": dict(sent.form), "files": [_upload(part, store) for part in sent.files]}
    elif sent.raw is not None:
        body = {"kind": "text", "text": sent.raw[:TEXT_LIMIT], "size": len(sent.raw.encode())}
    else:
        body = {"kind": "empty"}
    return {
        "method": sent.method,
        "url": redact_url(sent.url, secrets),
        "headers": redact_headers(sent.headers, secrets),
        "body": body,
    }


def _upload(part: FilePart, store: ImageStore) -> dict[str, Any]:
    found = store.add(part.data)
    return {
        "field": part.field,
        "filename": part.filename,
        "content_type": part.content_type,
        "size": len(part.data),
        "width": found.width,
        "height": found.height,
        **_picture(found),
    }


def _response(response: ReceivedResponse, store: ImageStore, secrets: tuple[str, ...]) -> dict[str, Any]:
    if response.events is not None:
        body: dict[str, Any] = {
            "kind": "events",
            "events": [
                {"event": event.event, "at": round(event.at, 4), "data": describe_base64(event.data, store)}
                for event in response.events
            ],
        }
    elif not response.body:
        body = {"kind": "empty"}
    elif (parsed := response.json_or_none()) is not None:
        body = {"kind": "json", "json": describe_base64(parsed, store)}
    else:
        text = response.body.decode("utf-8", errors="replace")
        body = {"kind": "text", "text": text[:TEXT_LIMIT], "size": len(response.body)}
    return {
        "status": response.status,
        "latency": round(response.elapsed, 4),
        "headers": redact_headers(response.headers, secrets),
        "body": body,
    }


def _partials(response: ReceivedResponse, store: ImageStore) -> list[dict[str, Any]]:
    partials = []
    for position, event in enumerate(response.events or []):
        data = event.data
        if not (isinstance(data, dict) and str(data.get("type", "")).endswith(PARTIAL_EVENT_SUFFIX)):
            continue
        decoded = _decode_base64(data.get("b64_json"))
        partials.append({
            "index": data.get("partial_image_index"),
            "path": format_path(["events", position, "b64_json"]),
            **(_picture(store.add(decoded)) if decoded is not None else {"description": None, "image": None}),
        })
    return partials


def describe_base64(value: Any, store: ImageStore) -> Any:
    """`value` (parsed JSON) with each base64 string replaced by what it encodes: `<png 1024x1024, 1.2 MB>`."""
    if isinstance(value, dict):
        return {key: describe_base64(item, store) for key, item in value.items()}
    if isinstance(value, list):
        return [describe_base64(item, store) for item in value]
    decoded = _decode_base64(value)
    if decoded is None:
        return value
    found = store.add(decoded)
    return found.description if found.thumbnail else f"<base64, {human_size(len(decoded))}>"


def _decode_base64(value: Any) -> bytes | None:
    if not isinstance(value, str) or len(value) < _MIN_BASE64 or not _BASE64.fullmatch(value):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
