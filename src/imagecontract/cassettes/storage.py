"""How a cassette lives on disk: readable YAML, image bytes in side files, atomic writes.

One YAML file per request (format version 1)::

    # imagecontract cassette ...
    version: 1
    interactions:
    - request:  {method, uri, headers, body}
      response: {status: {code, message}, latency, headers, body}
    count: 1          # written last, so a file cut short has none

A body is exactly one of

- `text`: UTF-8 text. Each base64 image in it is stored once as a side file and
  written as `"[base64 of blobs/<name>]"`; the target's base URL and origin are
  written as `<base_url>` and `<origin>`.
- `verbatim`: UTF-8 text that already holds such a marker, stored as is.
- `blob`: any other bytes (downloaded images), as a side file.
- `multipart`: the boundary and each part's header lines, with `text` for a
  field and `blob` for a file.

Side files live in `blobs/` next to the cassette, named by the SHA-256 of their
bytes, so the same image is stored once however often it is recorded. Loading
reverses all of it byte for byte, putting the *current* target where the
placeholders are: a cassette replays against any base URL, and image URLs that
pointed at the recording host point at the replay host and still match.

Every file is written to a temporary file in the same directory, synced and
renamed over the old one, so a crash never leaves half a cassette or a damaged
side file; side files are written before the YAML that names them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.request import Request

from imagecontract.cassettes.bodies import (
    BLOB_DIR,
    BlobStore,
    BodyCodec,
    Invalid,
    TargetPlaceholders,
    atomic_write,
    expect_kind,
    fields_of,
    header_of,
    headers_of,
)
from imagecontract.cassettes.parsed import parsed
from imagecontract.errors import CassetteCorrupt, CassetteError

FORMAT_VERSION = 1
LATENCY = "latency"
"""Key of the recorded latency (seconds) in a response; vcrpy carries unknown response keys along."""
EVENTS = "events"
"""Key of a recorded stream's events in vcrpy's response dict: [(seconds after the request started, block bytes)]."""

HEADER_COMMENT = "# imagecontract cassette: replayed by --record-mode none; image bytes live in blobs/\n"

_BLOCK_UNSAFE = re.compile("[\r\x85\u2028\u2029]")


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, as messages show it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """YAML for people: multi-line text as literal blocks, short lists and mappings of scalars on one line."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text and not _BLOCK_UNSAFE.search(text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _short_scalars(values: Sequence[Any]) -> bool:
    """Whether `values` fit on one line: scalars without line breaks, 80 characters in all."""
    scalars = all(isinstance(value, (str, int, float)) and "\n" not in str(value) for value in values)
    return scalars and sum(len(str(value)) for value in values) < 80


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=_short_scalars(items))


def _represent_dict(dumper: yaml.SafeDumper, mapping: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", mapping, flow_style=_short_scalars(list(mapping.values())))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CassetteStorage:
    """A vcrpy persister for this format; `base_url` is the target the cassette is used against."""

    def __init__(self, base_url: str) -> None:
        self.placeholders = TargetPlaceholders(base_url)

    def _codec(self, path: Path) -> BodyCodec:
        return BodyCodec(BlobStore(path.parent / BLOB_DIR), self.placeholders)

    def save(self, path: Path, interactions: Sequence[tuple[Request, Mapping[str, Any]]]) -> None:
        """Write side files, then the YAML, each atomically; CassetteError when the disk refuses."""
        try:
            codec = self._codec(path)
            document = {
                "version": FORMAT_VERSION,
                "interactions": [self._encode_interaction(codec, request, response) for request, response in interactions],
                "count": len(interactions),
            }
            text = HEADER_COMMENT + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
            atomic_write(path, text.encode())
        except OSError as exc:
            raise CassetteError(f"{display_path(path)}: could not write the cassette: {exc}") from exc

    def load(self, path: Path) -> list[tuple[Request, dict[str, Any]]]:
        """The interactions of the cassette at `path`; CassetteCorrupt naming the file and the place."""
        label = display_path(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise CassetteNotFoundError(label) from None
        except UnicodeDecodeError as exc:
            raise CassetteCorrupt(label, "", f"expected UTF-8 YAML, got an undecodable byte at offset {exc.start}") from None
        try:
            if not text.strip():
                raise Invalid("", "the file is empty; expected a recorded cassette")
            return self._decode_document(self._codec(path), parsed(text, _parse_yaml))
        except Invalid as exc:
            raise CassetteCorrupt(label, exc.location, exc.message) from None

    def load_cassette(self, cassette_path: str | Path, serializer: Any = None) -> tuple[list[Request], list[dict[str, Any]]]:
        """vcrpy's persister entry point (the serializer is ours, so vcrpy's is ignored)."""
        interactions = self.load(Path(cassette_path))
        return [request for request, _ in interactions], [response for _, response in interactions]

    def save_cassette(self, cassette_path: str | Path, cassette_dict: Mapping[str, Any], serializer: Any = None) -> None:
        """vcrpy's persister entry point; the session calls `save` itself, only on commit."""
        self.save(Path(cassette_path), list(zip(cassette_dict["requests"], cassette_dict["responses"])))

    def _encode_interaction(self, codec: BodyCodec, request: Request, response: Mapping[str, Any]) -> dict[str, Any]:
        request_headers = {name: [value] for name, value in request.headers.items()}
        status = {"code": response["status"]["code"], "message": response["status"].get("message") or ""}
        timing = {LATENCY: response[LATENCY]} if LATENCY in response else {}
        content_type = header_of(response["headers"], "content-type")
        if EVENTS in response:
            body = {EVENTS: [{"at": at, **self._encode_event(codec, block, content_type)}
                             for at, block in response[EVENTS]]}
        else:
            body = codec.encode(response["body"]["string"], content_type)
        return {
            "request": {
                "method": request.method,
                "uri": self.placeholders.to_tokens(request.uri),
                "headers": request_headers,
                "body": codec.encode(request.body, header_of(request_headers, "content-type")),
            },
            "response": {
                "status": status,
                **timing,
                "headers": response["headers"],
                "body": body,
            },
        }

    @staticmethod
    def _encode_event(codec: BodyCodec, block: bytes, content_type: str) -> dict[str, Any]:
        encoded = codec.encode(block, content_type)
        return encoded if "text" not in encoded else {"text": encoded["text"]}

    @staticmethod
    def _decode_events(codec: BodyCodec, value: Any, where: str) -> list[tuple[float, bytes]]:
        """A stream's events: offsets that never go back, each block ending in its blank line."""
        events: list[tuple[float, bytes]] = []
        for index, raw in enumerate(expect_kind(value, (list,), where)):
            place = f"{where}[{index}]"
            event = fields_of(raw, place, {"at": (int, float)}, {"text": (str,), "verbatim": (str,), "blob": (str,)})
            at = float(event.pop("at"))
            if at < 0 or (events and at < events[-1][0]):
                before = f" (event {index - 1} came at {events[-1][0]})" if events else ""
                raise Invalid(f"{place}.at", f"expected seconds not before the previous event{before}, got {at}")
            block = codec.decode(event, place)
            if not (block.endswith(b"\n\n") or block.endswith(b"\r\n\r\n")):
                raise Invalid(place, "the event does not end with a blank line: the recorded stream was cut short "
                                      "(truncated); record it again")
            events.append((at, block))
        return events

    def _decode_document(self, codec: BodyCodec, document: Any) -> list[tuple[Request, dict[str, Any]]]:
        top = expect_kind(document, (dict,), "")
        if "count" not in top:
            raise Invalid("count", "missing; it is written last, so the file was cut short (truncated)")
        top = fields_of(top, "", {"version": (int,), "interactions": (list,), "count": (int,)})
        if top["version"] != FORMAT_VERSION:
            raise Invalid("version", f"expected {FORMAT_VERSION}, got {top['version']}")
        if top["count"] != len(top["interactions"]):
            raise Invalid("count", f"says {top['count']} interactions, the file holds {len(top['interactions'])}: "
                                    "truncated or edited by hand")
        return [self._decode_interaction(codec, raw, f"interactions[{index}]")
                for index, raw in enumerate(top["interactions"])]

    def _decode_interaction(self, codec: BodyCodec, raw: Any, where: str) -> tuple[Request, dict[str, Any]]:
        interaction = fields_of(raw, where, {"request": (dict,), "response": (dict,)})
        request = fields_of(interaction["request"], f"{where}.request",
                          {"method": (str,), "uri": (str,), "headers": (dict,), "body": (dict,)})
        response = fields_of(interaction["response"], f"{where}.response",
                           {"status": (dict,), "headers": (dict,), "body": (dict,)}, {LATENCY: (int, float)})
        status = fields_of(response["status"], f"{where}.response.status", {"code": (int,)}, {"message": (str,)})
        message = status.get("message", "")
        if not message.isascii():
            raise Invalid(f"{where}.response.status.message", f"expected an ASCII reason phrase, got {message!r}")
        if response.get(LATENCY, 0) < 0:
            raise Invalid(f"{where}.response.{LATENCY}", f"expected seconds (0 or more), got {response[LATENCY]}")
        request_headers = headers_of(request["headers"], f"{where}.request.headers")
        response_headers = headers_of(response["headers"], f"{where}.response.headers")
        vcr_request = Request(
            request["method"],
            self.placeholders.from_tokens(request["uri"]),
            codec.decode(request["body"], f"{where}.request.body"),
            request_headers,
        )
        events = None
        if EVENTS in response["body"]:
            fields_of(response["body"], f"{where}.response.body", {EVENTS: (list,)})
            events = self._decode_events(codec, response["body"][EVENTS], f"{where}.response.body.{EVENTS}")
        body = (b"".join(block for _, block in events) if events is not None
                else codec.decode(response["body"], f"{where}.response.body"))
        vcr_response = {
            "status": {"code": status["code"], "message": message},
            "headers": response_headers,
            "body": {"string": body},
        }
        if events is not None:
            vcr_response[EVENTS] = events
        if LATENCY in response:
            vcr_response[LATENCY] = float(response[LATENCY])
        return vcr_request, vcr_response


def _parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise Invalid("", f"not valid YAML ({exc.problem}{where}); truncated or edited by hand?") from None
    except yaml.YAMLError as exc:
        raise Invalid("", f"not valid YAML ({exc})") from None
