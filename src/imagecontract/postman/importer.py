"""Postman collection v2.1 -> imagecontract collection (a plain dict), with notes on what changed.

Pure: no files are read or written here. `import_postman(data)` returns the
collection as a dict ready to dump as YAML and a list of `Note`s (warnings and
informational notes) that each name the Postman item and say what and why.
`to_yaml` dumps the dict readably, with untranslated scripts as comments.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from imagecontract.collection.confine import ALLOW_FLAG, outside_reason
from imagecontract.collection.templating import PLACEHOLDER, scalar
from imagecontract.errors import CollectionError

OPENAI_HOSTS = ("api.openai.com",)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
GENERATED_MARK = "imagecontract:"
"""Prefix of a form-data file field's description carrying a generated-image spec (written by the exporter)."""

_BASE_VARIABLE = re.compile(r"^\{\{\s*(base_?url|baseurl|api_?base(?:_?url)?|openai_?base_?url|host|url)\s*\}\}", re.I)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass
class Note:
    """One thing the import changed or could not translate, at a Postman item."""

    location: str
    name: str
    message: str
    level: str = "warning"  # or "info"
    request_index: int | None = None
    comment: list[str] = field(default_factory=list)
    """Lines kept as a YAML comment above the request (an untranslated script)."""

    def __str__(self) -> str:
        where = f'{self.location} "{self.name}"' if self.name else self.location
        prefix = "note: " if self.level == "info" else ""
        return f"{where}: {prefix}{self.message}"


# --------------------------------------------------------------------------- raw JSON with {{variables}}

def parse_raw_json(raw: str) -> Any:
    """Parse a raw body that is JSON only once Postman has substituted its variables.

    Every `{{var}}` outside a JSON string becomes the string `"{{var}}"`, so
    `"n": {{numberOfImages}}` reads as `"n": "{{numberOfImages}}"` and the
    typed whole-value substitution sends the number. Raises `ValueError` when the
    text is not JSON even so.
    """
    out: list[str] = []
    index, in_string = 0, False
    while index < len(raw):
        char = raw[index]
        if in_string:
            out.append(char)
            if char == "\\" and index + 1 < len(raw):
                out.append(raw[index + 1])
                index += 2
                continue
            if char == '"':
                in_string = False
            index += 1
            continue
        if char == '"':
            in_string = True
            out.append(char)
            index += 1
            continue
        match = PLACEHOLDER.match(raw, index) if char == "{" else None
        if match:
            out.append(json.dumps(match.group(0)))
            index = match.end()
            continue
        out.append(char)
        index += 1
    return json.loads("".join(out))


# --------------------------------------------------------------------------- scripts

@dataclass
class ScriptResult:
    """What a test script became: expectations, flags, and what is left over."""

    expect: dict[str, Any] = field(default_factory=dict)
    show_images: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)  # (level, message)
    leftover: list[str] = field(default_factory=list)


_STATUS = [
    re.compile(r"pm\.response\.to\.have\.status\(\s*(\d{3})\s*\)"),
    re.compile(r"pm\.expect\(\s*pm\.response\.(?:code|status)\s*\)\.to\.(?:be\.)?(?:eql|equal|eq|equals)\(\s*(\d{3})\s*\)"),
    re.compile(r"pm\.response\.to\.be\.(ok)\b"),
]
_LATENCY = re.compile(
    r"pm\.expect\(\s*pm\.response\.responseTime\s*\)\.to\.be\.(?:below|lessThan|lt|under)\(\s*(\d+(?:\.\d+)?)\s*\)"
)
_JSON_SCHEMA = re.compile(r"pm\.response\.to\.have\.jsonSchema\(")
_NOISE = re.compile(r"(//[^\n]*|/\*.*?\*/|[\s;])", re.S)


def translate_script(lines: list[str] | str, listen: str = "test") -> ScriptResult:
    """Translate the common Postman assertions; everything else is returned as `leftover`."""
    text = "\n".join(lines) if isinstance(lines, list) else str(lines or "")
    result = ScriptResult()
    if not _NOISE.sub("", text):
        return result
    if listen != "test":
        result.leftover = text.splitlines()
        result.notes.append(("warning", f"{listen} script not translated (kept as a comment); "
                                        "set its variables with --var or under variables:"))
        return result
    remaining = text
    for block, body in _pm_tests(text):
        inner = _translate_statements(body, result)
        if not _NOISE.sub("", inner):
            remaining = remaining.replace(block, "", 1)
    remaining = _translate_statements(remaining, result)
    if "pm.visualizer.set" in remaining:
        if "b64_json" in remaining:
            result.show_images = True
            result.notes.append(("info", "visualizer script showing data[].b64_json replaced by show_images: true "
                                         "(the report shows every returned image anyway)"))
        else:
            result.notes.append(("warning", "visualizer script not translated (kept as a comment); "
                                            "the report shows returned images and the response JSON"))
            result.leftover = [line for line in remaining.splitlines() if line.strip(" \t;")]
        return result
    if _NOISE.sub("", remaining):
        result.leftover = [line for line in remaining.splitlines() if line.strip(" \t;")]
        result.notes.append(("warning", "test script statements not translated (kept as a comment); "
                                        "express them under expect: (fields, images, schema)"))
    return result


def _translate_statements(text: str, result: ScriptResult) -> str:
    for pattern in _STATUS:
        for match in list(pattern.finditer(text)):
            status = 200 if match.group(1) == "ok" else int(match.group(1))
            if match.group(1) == "ok":
                result.notes.append(("info", "pm.response.to.be.ok (any 2xx) translated as expect.status: 200"))
            result.expect["status"] = status
        text = pattern.sub("", text)
    for match in list(_LATENCY.finditer(text)):
        result.expect["latency"] = _seconds(float(match.group(1)))
    text = _LATENCY.sub("", text)
    for match in list(_JSON_SCHEMA.finditer(text)):
        end = _closing(text, match.end() - 1)
        argument = text[match.end():end]
        mapped = _schema_fields(argument)
        if mapped is not None:
            result.expect.setdefault("fields", {}).update(mapped)
            result.notes.append(("info", "jsonSchema assertion translated to expect.fields"))
        else:
            result.notes.append(("warning", "pm.response.to.have.jsonSchema(...) not translated: every response is "
                                            "already validated against schemas/images_response.schema.json (or the error "
                                            "envelope); put a schema of your own under schemas/ and name it in expect.schema"))
        text = text[:match.start()] + text[end + 1:]
    return text


def _seconds(milliseconds: float) -> float | int:
    seconds = milliseconds / 1000
    return int(seconds) if seconds.is_integer() else seconds


def _schema_fields(argument: str) -> dict[str, Any] | None:
    """A literal schema `{"type": "object", "required": [...], "properties": {k: {"type": t}}}` as fields."""
    try:
        schema = json.loads(re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', argument.strip().replace("'", '"')))
    except ValueError:
        return None
    if not isinstance(schema, dict) or set(schema) - {"type", "required", "properties"} or schema.get("type", "object") != "object":
        return None
    fields: dict[str, Any] = {}
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict) or set(sub) - {"type"} or not isinstance(sub.get("type"), str):
            return None
        if name in (schema.get("required") or []):
            fields[name] = {"type": sub["type"]}
    for name in schema.get("required") or []:
        fields.setdefault(name, {"exists": True})
    return fields or None


def _pm_tests(text: str) -> Iterator[tuple[str, str]]:
    """Each `pm.test("...", function () { BODY })` block and its BODY."""
    for match in re.finditer(r"pm\.test\(", text):
        end = _closing(text, match.end() - 1)
        block = text[match.start():end + 1]
        brace = block.find("{")
        if brace < 0 or end >= len(text):
            continue
        close = _closing(block, brace)
        tail = text[end + 1:]
        semicolon = len(tail) - len(tail.lstrip(" \t;")) if tail.lstrip(" \t").startswith(";") else 0
        yield text[match.start():end + 1 + semicolon], block[brace + 1:close]


def _closing(text: str, opening: int) -> int:
    """Index of the bracket closing the one at `opening` (strings and template literals skipped)."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack: list[str] = []
    index, quote = opening, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in pairs:
            stack.append(pairs[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return index
        index += 1
    return len(text)


# --------------------------------------------------------------------------- the collection

@dataclass
class _Context:
    variables: dict[str, Any]
    notes: list[Note]
    source_dir: str | None
    target_dir: str | None
    base_variables: set[str] = field(default_factory=set)


def import_postman(
    data: Any, *, source: str = "collection.json", source_dir: str | None = None, target_dir: str | None = None
) -> tuple[dict[str, Any], list[Note]]:
    """A Postman v2.1 collection (parsed JSON) as an imagecontract collection dict, and the notes.

    `source_dir` and `target_dir` (the Postman file's and the YAML file's folders)
    make file-field paths relative to the new collection; without them paths are kept.
    """
    _check_format(data, source)
    info = data["info"]
    notes: list[Note] = []
    context = _Context(variables=_variables(data.get("variable"), notes), notes=notes,
                       source_dir=source_dir, target_dir=target_dir)
    collection: dict[str, Any] = {"name": str(info.get("name") or "Imported from Postman")}
    description = _description(info.get("description"))
    if description:
        collection["description"] = description
    collection_auth = _auth(data.get("auth"), context, Note("auth", "", ""))
    for listen, script in _scripts(data.get("event")):
        if _NOISE.sub("", script):
            notes.append(Note("event", "", f"collection-level {listen} script not translated", comment=script.splitlines()))
    requests: list[dict[str, Any]] = []
    for location, name, item in _walk(data.get("item") or [], "item", []):
        request = _request(item, location, name, len(requests), collection_auth, context)
        if request is not None:
            requests.append(request)
    if not requests:
        raise CollectionError(source, "item", "the collection has no requests to import")
    _unique_names(requests, notes)
    used = set().union(*(set(PLACEHOLDER.findall(json.dumps(request))) for request in requests))
    for name in sorted(context.base_variables):
        if name in context.variables and name not in used:
            del context.variables[name]
            notes.append(Note("variable", "", f"variable {name!r} dropped: it was the base URL, which --target now sets",
                              level="info"))
    if context.variables:
        collection["variables"] = context.variables
    defaults: dict[str, Any] = {}
    auths = [request.get("auth", "__missing__") for request in requests]
    if collection_auth is not None:
        defaults["auth"] = collection_auth
    elif len(requests) > 1 and auths[0] != "__missing__" and all(auth == auths[0] for auth in auths):
        defaults["auth"] = auths[0]
        for request in requests:
            del request["auth"]
    if defaults:
        collection["defaults"] = defaults
    collection["requests"] = requests
    return collection, notes


def _check_format(data: Any, source: str) -> None:
    if not isinstance(data, dict):
        raise CollectionError(source, "", f"expected a Postman collection (a JSON object), got {type(data).__name__}")
    if "values" in data and "item" not in data:
        raise CollectionError(source, "", "this is a Postman environment, not a collection; pass it to `run --env-file`")
    info = data.get("info")
    if not isinstance(info, dict):
        raise CollectionError(source, "info", "not a Postman collection: no 'info' object")
    schema = str(info.get("schema", ""))
    if "v2.1" not in schema:
        found = f"schema {schema!r}" if schema else "no info.schema"
        raise CollectionError(source, "info.schema",
                              f"expected a Postman collection v2.1 ({found}); in Postman use Export > Collection v2.1")
    if not isinstance(data.get("item"), list):
        raise CollectionError(source, "item", "expected a list of requests and folders")


def _variables(entries: Any, notes: list[Note]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for index, entry in enumerate(entries or []):
        if not isinstance(entry, dict) or "key" not in entry or entry.get("disabled"):
            continue
        name, value = str(entry["key"]), entry.get("value", "")
        if not _VARIABLE_NAME.match(name):
            notes.append(Note(f"variable[{index}]", "", f"variable {name!r} skipped: names are letters, digits, _ . -"))
            continue
        if isinstance(value, str):
            value = scalar(value)
        elif not isinstance(value, (int, float, bool, type(None))):
            value = json.dumps(value)
        result[name] = value
    return result


def _description(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("content", "")
    return str(value or "").strip()


def _walk(items: list[Any], location: str, folders: list[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        here = f"{location}[{index}]"
        name = str(item.get("name") or f"request {index + 1}")
        if isinstance(item.get("item"), list):
            yield from _walk(item["item"], f"{here}.item", [*folders, name])
        elif "request" in item:
            yield here, " / ".join([*folders, name]), item


def _request(item: dict[str, Any], location: str, name: str, index: int, collection_auth: Any,
             context: _Context) -> dict[str, Any] | None:
    def note(message: str, level: str = "warning", comment: list[str] | None = None) -> None:
        context.notes.append(Note(location, name, message, level, index, comment or []))

    request = item["request"]
    if isinstance(request, str):
        request = {"method": "GET", "url": request}
    method = str(request.get("method") or "GET").upper()
    if method not in METHODS:
        note(f"skipped: method {method} is not supported (only {', '.join(METHODS)})")
        return None
    result: dict[str, Any] = {"name": name}
    description = _description(request.get("description"))
    if description:
        result["description"] = description
    if method != "POST":
        result["method"] = method
    result.update(_target(request.get("url"), context, note))
    body = request.get("body") or {}
    mode = body.get("mode") if isinstance(body, dict) and not body.get("disabled") else None
    headers = _headers(request.get("header"), mode, body, note)
    auth = _auth(request.get("auth"), context, Note(location, name, ""), note)
    auth = _auth_from_header(headers, context, Note(location, name, ""), note) or auth
    if auth is not None:
        result["auth"] = auth
    if headers:
        result["headers"] = headers
    result.update(_body(mode, body, headers, context, note))
    expect: dict[str, Any] = {}
    for listen, script in _scripts(item.get("event")):
        translated = translate_script(script, listen)
        expect.update(translated.expect)
        if translated.show_images:
            result["show_images"] = True
        for level, message in translated.notes:
            note(message, level)
        if translated.leftover:
            context.notes[-1].comment = [f"Postman {listen} script (not translated):", *translated.leftover]
    if expect:
        result["expect"] = expect
    return result


def _scripts(events: Any) -> Iterator[tuple[str, str]]:
    for event in events or []:
        if not isinstance(event, dict) or event.get("disabled"):
            continue
        script = event.get("script") or {}
        exec_ = script.get("exec", "") if isinstance(script, dict) else ""
        yield str(event.get("listen", "test")), "\n".join(exec_) if isinstance(exec_, list) else str(exec_)


def _target(url: Any, context: _Context, note: Any) -> dict[str, str]:
    raw = url.get("raw", "") if isinstance(url, dict) else str(url or "")
    raw = raw.strip()
    if isinstance(url, dict) and not raw:
        host = ".".join(url.get("host") or [])
        raw = f"{url.get('protocol', 'https')}://{host}/{'/'.join(url.get('path') or [])}"
    base = _BASE_VARIABLE.match(raw)
    if base:
        context.base_variables.add(base.group(1))
        rest = raw[base.end():]
        value = str(context.variables.get(base.group(1), ""))
        if rest.startswith("/v1/") and not value.rstrip("/").endswith("/v1"):
            rest = rest[3:]
        return {"path": rest if rest.startswith("/") else "/" + rest}
    bare = re.sub(r"^https?://", "", raw)
    host = bare.split("/", 1)[0].split("?")[0]
    if host in OPENAI_HOSTS:
        rest = "/" + bare.split("/", 1)[1] if "/" in bare else "/"
        if rest.startswith("/v1/") or rest == "/v1":
            rest = rest[3:] or "/"
        else:
            note(f"the URL {raw} has no /v1; kept the path {rest} relative to --target (which includes /v1)")
        return {"path": rest}
    if not re.match(r"^(https?://|\{\{)", raw):
        raw = "https://" + raw
        note(f"the URL had no scheme; using {raw}", "info")
    note("kept as a full url: it is not api.openai.com or {{baseUrl}}, so --target does not apply to it", "info")
    return {"url": raw}


def _headers(entries: Any, mode: str | None, body: dict[str, Any], note: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("disabled") or not entry.get("key"):
            continue
        key, value = str(entry["key"]), str(entry.get("value", ""))
        if key.lower() == "content-type":
            if mode in ("formdata", "urlencoded"):
                note(f"header Content-Type: {value} dropped: a form-data body carries its own "
                     "Content-Type (multipart/form-data with the boundary); a fixed one hides the boundary, "
                     "so the server cannot read the fields and files")
                continue
            if mode == "raw" and "json" in value.lower() and _is_json(body):
                continue  # json: sends application/json itself
            if mode is None:
                note(f"header Content-Type: {value} dropped: the request has no body", "info")
                continue
        headers[key] = value
    return headers


def _is_json(body: dict[str, Any]) -> bool:
    try:
        parse_raw_json(str(body.get("raw", "")))
    except ValueError:
        return False
    return True


def _auth(auth: Any, context: _Context, where: Note, note: Any = None) -> Any:
    if not isinstance(auth, dict):
        return None
    kind = auth.get("type")
    if kind == "noauth":
        return "none"
    if kind == "inherit" or kind is None:
        return None
    if kind == "bearer":
        entries = auth.get("bearer")
        if isinstance(entries, dict):
            token = entries.get("token", "")
        else:
            token = next((e.get("value", "") for e in entries or [] if isinstance(e, dict) and e.get("key") == "token"), "")
        return _bearer(str(token), context, where)
    message = f"auth type {kind!r} not translated; the target's key (--api-key-env) is sent instead"
    if note:
        note(message)
    else:
        context.notes.append(Note(where.location, where.name, message))
    return None


def _bearer(token: str, context: _Context, where: Note) -> dict[str, str]:
    whole = PLACEHOLDER.fullmatch(token.strip())
    if whole and _ENV_NAME.match(whole.group(1)) and whole.group(1) not in context.variables:
        return {"bearer_env": whole.group(1)}
    if token and not PLACEHOLDER.search(token):
        context.notes.append(Note(where.location, where.name,
                                  "a literal bearer token is stored in the collection; prefer {{OPENAI_API_KEY}}"))
    return {"bearer": token}


def _auth_from_header(headers: dict[str, str], context: _Context, where: Note, note: Any) -> Any:
    for key in list(headers):
        if key.lower() == "authorization" and headers[key].lower().startswith("bearer "):
            token = headers.pop(key)[7:].strip()
            note("header Authorization: Bearer ... moved to auth:", "info")
            return _bearer(token, context, where)
    return None


def _body(mode: str | None, body: dict[str, Any], headers: dict[str, str], context: _Context, note: Any) -> dict[str, Any]:
    if mode is None:
        return {}
    if mode == "raw":
        raw = str(body.get("raw", ""))
        if not raw.strip():
            return {}
        language = str(((body.get("options") or {}).get("raw") or {}).get("language", "")).lower()
        try:
            return {"json": parse_raw_json(raw)}
        except ValueError as exc:
            if language == "json":
                note(f"raw JSON body is not JSON even with its variables quoted ({exc}); sent as a raw body")
            if not any(key.lower() == "content-type" for key in headers):
                headers["Content-Type"] = "application/json" if language == "json" else "text/plain"
            return {"body": raw}
    if mode in ("formdata", "urlencoded"):
        if mode == "urlencoded":
            note("urlencoded body sent as multipart/form-data (the Images API reads both)", "info")
        return {"form": _form(body.get(mode) or [], context, note)}
    note(f"body mode {mode!r} not translated; the request is sent without a body")
    return {}


_GENERATED = {"image": {"png": "1024x1024"}, "image[]": {"png": "1024x1024"}, "mask": {"png": "1024x1024", "mask": True}}


def _form(entries: list[Any], context: _Context, note: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    files: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("disabled") or not entry.get("key"):
            continue
        key = str(entry["key"])
        if entry.get("type") != "file":
            value = entry.get("value", "")
            fields[key] = value if isinstance(value, (str, int, float, bool)) else json.dumps(value)
            continue
        files.setdefault(key, []).extend(_file_specs(key, entry, context, note))
    form: dict[str, Any] = {}
    if fields:
        form["fields"] = fields
    if files:
        form["files"] = {key: specs[0] if len(specs) == 1 else specs for key, specs in files.items()}
    return form


def _file_specs(key: str, entry: dict[str, Any], context: _Context, note: Any) -> list[dict[str, Any]]:
    description = _description(entry.get("description"))
    if description.startswith(GENERATED_MARK):
        try:
            spec = json.loads(description[len(GENERATED_MARK):])
            if isinstance(spec, dict):
                return [spec]
        except ValueError:
            pass
    src = entry.get("src")
    sources = [s for s in (src if isinstance(src, list) else [src]) if isinstance(s, str) and s.strip()]
    if not sources:
        spec = dict(_GENERATED.get(key, {"png": "1024x1024"}))
        note(f"file field {key!r} has no file (empty src); uploading a generated {_spec_text(spec)} image instead")
        return [spec]
    fixtures = [_relocate(source, context) for source in sources]
    for source, fixture in zip(sources, fixtures):
        reason = outside_reason(fixture, Path(context.target_dir or "."))
        if reason:
            note(f"file field {key!r}: src {source!r} is {reason}; a run refuses such a fixture (it would upload "
                 f"that file to the target) unless given {ALLOW_FLAG}: copy the file into the project")
    return [{"fixture": fixture} for fixture in fixtures]


def _spec_text(spec: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in spec.items()) + "}"


def _relocate(source: str, context: _Context) -> str:
    if os.path.isabs(source) or source.startswith("~") or context.source_dir is None or context.target_dir is None:
        return source
    absolute = os.path.normpath(os.path.join(context.source_dir, source))
    return os.path.relpath(absolute, context.target_dir)


def _unique_names(requests: list[dict[str, Any]], notes: list[Note]) -> None:
    seen: set[str] = set()
    for index, request in enumerate(requests):
        name, counter = request["name"], 2
        while request["name"] in seen:
            request["name"] = f"{name} ({counter})"
            counter += 1
        if request["name"] != name:
            notes.append(Note(f"requests[{index}]", name, f"renamed to {request['name']!r}: names must be unique"))
        seen.add(request["name"])


# --------------------------------------------------------------------------- YAML output

class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else ">" if len(value) > 100 and value.isprintable() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def to_yaml(collection: Mapping[str, Any], notes: list[Note] = (), *, header: str = "") -> str:
    """The collection as readable block-style YAML, in request order, scripts kept as comments."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    head = {key: value for key, value in collection.items() if key != "requests"}
    text = "\n".join(lines) + ("\n" if lines else "") + _dump(head)
    for note in notes:
        if note.request_index is None and note.comment:
            text += "".join(f"# {line}".rstrip() + "\n" for line in [f"{note.message}:", *note.comment])
    text += "requests:\n"
    comments: dict[int, list[str]] = {}
    for note in notes:
        if note.request_index is not None and note.comment:
            comments.setdefault(note.request_index, []).extend(note.comment)
    for index, request in enumerate(collection["requests"]):
        if index:
            text += "\n"
        for line in comments.get(index, []):
            text += f"  # {line}".rstrip() + "\n"
        item = _dump([request])
        text += "".join(f"  {line}\n" for line in item.splitlines())
    return text
