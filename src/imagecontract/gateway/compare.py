"""What a gateway changed on the way: the request the upstream received against the one the client sent,
and the answer the client got against the one the upstream sent. Pure functions over journal entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from imagecontract.exchange import FilePart
from imagecontract.gateway.normalize import digest
from imagecontract.images import human_size
from imagecontract.jsonpath import format_path
from imagecontract.sandbox.correlation import CORRELATION_FIELD

IMAGE_URL_HOST = "image_url_host"
"""The allowance for image URLs rewritten to the gateway's own host (the same image behind them)."""
ERROR_FIELDS = ("type", "code", "param")


@dataclass(frozen=True)
class Change:
    """One difference: where (a JSON path or field name) and what, in words a platform engineer reads."""

    path: str
    text: str


def _text(value: Any) -> str:
    """Form fields are text: `2` and `"2"`, `true` and `"true"` are the same parameter."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key != CORRELATION_FIELD}


def n_split(params: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> Change | None:
    """`n=4` sent once, received as several calls whose `n` add up to it."""
    if len(entries) < 2 or not str(params.get("n", "")).isdigit():
        return None
    counts = [entry["params"].get("n", 1) for entry in entries]
    if not all(str(count).isdigit() for count in counts) or sum(int(count) for count in counts) != int(params["n"]):
        return None
    calls = ", ".join(f"n={count}" for count in counts)
    return Change("n", f"n={params['n']} was split into {len(entries)} upstream calls ({calls}), each billed separately")


def request_changes(params: Mapping[str, Any], files: Sequence[FilePart], entries: Sequence[Mapping[str, Any]],
                    allow: frozenset[str] = frozenset(), raw: str | None = None) -> list[Change]:
    """Each field dropped, changed or added between the client and the upstream, `n` split, images dropped or altered;
    a raw body (malformed on purpose) compared byte for byte."""
    if raw is not None:
        same = digest(raw.encode()) == entries[0].get("body_digest")
        return [] if same else [Change("body", f"the raw body was altered: {len(raw.encode())} bytes sent, "
                                               f"the upstream received {entries[0].get('body_bytes')} other bytes")]
    split = n_split(params, entries)
    client, upstream = _params(params), _params(entries[0]["params"])
    if split is not None:
        client.pop("n", None)
        upstream.pop("n", None)
    changes = [split] if split else []
    for key in client.keys() - upstream.keys():
        changes.append(Change(key, f"`{key}` dropped: the client sent {_text(client[key])!r}, the upstream received no {key}"))
    for key in upstream.keys() - client.keys():
        changes.append(Change(key, f"`{key}` added: the upstream received {_text(upstream[key])!r}, the client sent none"))
    for key in client.keys() & upstream.keys():
        if _text(client[key]) != _text(upstream[key]):
            changes.append(Change(key, f"`{key}` changed: the client sent {_text(client[key])!r}, "
                                       f"the upstream received {_text(upstream[key])!r}"))
    changes = [change for change in changes if f"request_field:{change.path}" not in allow]
    return sorted(changes, key=lambda change: change.path) + image_changes(files, entries[0]["images"])


def image_changes(files: Sequence[FilePart], received: Sequence[Mapping[str, Any]]) -> list[Change]:
    """Uploads dropped, or altered on the way (re-encoded, resized): compared by digest, in order."""
    changes = []
    for name in dict.fromkeys(_field(part.field) for part in files):
        sent = [part for part in files if _field(part.field) == name]
        got = [image for image in received if _field(image["field"]) == name]
        if len(got) < len(sent):
            changes.append(Change(name, f"{len(sent)} {name} uploads sent, {len(got)} forwarded: "
                                        f"{len(sent) - len(got)} dropped"))
        for index, (part, image) in enumerate(zip(sent, got)):
            if digest(part.data) != image["digest"]:
                changes.append(Change(f"{name}[{index}]", f"{name} #{index + 1} altered on the way (re-encoded?): "
                                                          f"sent {human_size(len(part.data))} {part.content_type}, "
                                                          f"the upstream received {human_size(image['bytes'])} {image['content_type']}"))
    return changes


def _field(name: str) -> str:
    return name[:-2] if name.endswith("[]") else name


def body_changes(client: Any, upstream: Any, path: list[Any] | None = None) -> Iterator[tuple[str, list[Any], Any, Any]]:
    """(`dropped` | `added` | `changed`, path, upstream value, client value) for every difference, depth first."""
    path = path or []
    if isinstance(client, dict) and isinstance(upstream, dict):
        for key in upstream:
            if key not in client:
                yield "dropped", [*path, key], upstream[key], None
            else:
                yield from body_changes(client[key], upstream[key], [*path, key])
        for key in client:
            if key not in upstream:
                yield "added", [*path, key], None, client[key]
    elif isinstance(client, list) and isinstance(upstream, list):
        for index, (mine, theirs) in enumerate(zip(client, upstream)):
            yield from body_changes(mine, theirs, [*path, index])
        for index in range(len(client), len(upstream)):
            yield "dropped", [*path, index], upstream[index], None
        for index in range(len(upstream), len(client)):
            yield "added", [*path, index], None, client[index]
    elif client != upstream:
        yield "changed", path, upstream, client


def response_changes(client: Any, record: Mapping[str, Any], downloads: Mapping[str, bytes],
                     allow: frozenset[str]) -> tuple[list[Change], list[Change]]:
    """(changes: values dropped or changed, padding: fields added) between the upstream's body and the client's.

    An image URL on another host counts as the same when `image_url_host` is allowed and its image is the same."""
    changed, added = [], []
    for kind, path, theirs, mine in body_changes(client, record.get("body")):
        where = format_path(path)
        if kind == "added":
            added.append(Change(where, f"{where} added by the gateway: {_short(mine)}"))
        elif kind == "dropped":
            changed.append(Change(where, f"{where} dropped: the upstream sent {_short(theirs)}"))
        elif path and path[-1] == "url" and isinstance(mine, str) and isinstance(theirs, str):
            same_image = digest(downloads[mine]) == record.get("image_urls", {}).get(theirs) if mine in downloads else False
            if IMAGE_URL_HOST not in allow:
                changed.append(Change(where, f"{where} rewritten from the upstream's URL (declare the allowance "
                                             f"{IMAGE_URL_HOST} for this target if the gateway proxies images)"))
            elif not same_image:
                changed.append(Change(where, f"{where}: the image behind the client's URL is not the one the upstream sent"))
        else:
            changed.append(Change(where, f"{where} changed: the upstream sent {_short(theirs)}, the client got {_short(mine)}"))
    allowed = [name.partition(":")[2] for name in allow if name.startswith("response_field:")]
    return ([change for change in changed if change.path not in allowed],
            [change for change in added if change.path not in allowed])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def error_changes(client_status: int, client_body: Any, client_headers: Mapping[str, str],
                  record: Mapping[str, Any]) -> tuple[list[Change], list[Change]]:
    """(contract: status, type, code, param, Retry-After; advisory: message) between the upstream's error and the client's."""
    status, upstream_error = record["status"], _error(record.get("body"))
    client_error = _error(client_body)
    changes = []
    if client_status != status:
        changes.append(Change("status", f"the upstream answered {status}, the client got {client_status}"))
    for name in ERROR_FIELDS:
        theirs, mine = upstream_error.get(name), client_error.get(name)
        if theirs != mine:
            lost = " (the client can no longer tell it is out of quota)" if theirs == "insufficient_quota" else ""
            changes.append(Change(f"$.error.{name}", f"error.{name}: the upstream sent {theirs!r}, the client got {mine!r}{lost}"))
    retry_after = record.get("headers", {}).get("retry-after")
    if status == 429 and retry_after and "retry-after" not in client_headers:
        changes.append(Change("retry-after", f"the upstream's 429 carried Retry-After: {retry_after}; "
                                             f"the client's answer has no Retry-After, so it cannot know when to retry"))
    reworded = []
    if upstream_error.get("message") != client_error.get("message"):
        reworded.append(Change("$.error.message", f"error.message reworded: the upstream sent "
                                                  f"{_short(upstream_error.get('message'))}, the client got {_short(client_error.get('message'))}"))
    return changes, reworded


def _error(body: Any) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
