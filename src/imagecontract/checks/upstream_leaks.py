"""Sandwich mode: the upstream's key stays between the gateway and the upstream: the upstream receives it (not the
client's key), and nothing the client receives carries it or the upstream's own address."""

from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import urlsplit

from imagecontract.checks.registry import CheckContext, check
from imagecontract.checks.upstream import forwarded, journaled
from imagecontract.exchange import Exchange, Failure
from imagecontract.jsonpath import format_path
from imagecontract.redact import find_leaks, mask_key
from imagecontract.sandbox.correlation import key_fingerprint


def addresses(origin: str) -> list[str]:
    """The spellings of the upstream's address a gateway may pass on: `127.0.0.1:8081`, `localhost:8081`."""
    parts = urlsplit(origin)
    port = f":{parts.port}" if parts.port else ""
    names = [parts.netloc] + [f"{host}{port}" for host in ("localhost", "127.0.0.1", "[::1]") if port]
    return list(dict.fromkeys(names))


def _strings(value: Any, path: list[Any]) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield format_path(path), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, [*path, index])


def _places(exchange: Exchange) -> Iterator[tuple[str, str]]:
    """(where, text) for every header and every string of the body or of each stream event."""
    response = exchange.response
    for name, value in response.headers.items():
        yield f"header {name}", value
    if response.events is not None:
        for index, event in enumerate(response.events):
            yield from ((f"event {index} {where}", text) for where, text in _strings(event.data, []))
        return
    body = response.json_or_none()
    if body is not None:
        yield from _strings(body, [])
    else:
        yield "body", response.body.decode("utf-8", "replace")


@check(applies=journaled)
def no_upstream_leak(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """Neither the upstream's key nor its address reaches the client (headers, body, image URLs, stream events)."""
    view = exchange.upstream
    failures = []
    for where, text in _places(exchange):
        if view.key and find_leaks(view.key, text):
            failures.append(Failure("no_upstream_leak", f"{where} carries the gateway's upstream API key", _path(where)))
        for address in addresses(view.origin):
            if address in text:
                failures.append(Failure("no_upstream_leak", f"{where} carries the upstream's internal address {address}",
                                        _path(where)))
                break
    return failures


def _path(where: str) -> str:
    return where if where.startswith("$") else "$"


def _bearer(exchange: Exchange) -> str:
    headers = {name.lower(): value for name, value in exchange.request.headers.items()}
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _keyed(exchange: Exchange) -> bool:
    """The run knows the upstream key and the client authenticated with the target's own key (a request that tests
    a wrong or missing key is the gateway's to refuse, not to key upstream)."""
    view = exchange.upstream
    return forwarded(exchange) and bool(view.key) and bool(view.client_key) and _bearer(exchange) == view.client_key


@check(applies=_keyed)
def upstream_key_used(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The upstream received the gateway's configured upstream key, not the client's own key nor another one."""
    view = exchange.upstream
    expected, client = key_fingerprint(view.key), key_fingerprint(view.client_key)
    failures = []
    for entry in view.entries:
        received = entry.get("key_sha256")
        if received == expected:
            continue
        if received is None:
            reason = "the upstream received no API key: the gateway dropped the key instead of sending its upstream key"
        elif received == client:
            reason = (f"the client's own key was forwarded to the upstream ({mask_key(view.client_key)}): the gateway "
                      f"passes its users' keys through instead of its configured upstream key")
        else:
            reason = (f"the upstream received another key ({entry.get('key') or '***'}) than the configured upstream key "
                      f"({mask_key(view.key)})")
        failures.append(Failure("upstream_key_used", f"attempt {entry.get('attempt', 1)}: {reason}"
                                if len(view.entries) > 1 else reason))
    return failures
