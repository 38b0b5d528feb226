"""Postman collection v2.1 -> imagecontract collection (a plain dict), with notes on what changed.

Pure: no files are read or written here. `import_postman(data)` returns the
collection as a dict ready to dump as YAML and a list of `Note`s (warnings and
informational notes) that each name the Postman item and say what and why.
`postman.yaml_output.to_yaml` dumps the dict readably, with untranslated scripts as comments;
scripts are translated in `postman.scripts`, bodies in `postman.bodies`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from imagecontract.collection.templating import PLACEHOLDER, scalar
from imagecontract.errors import CollectionError
from imagecontract.postman.bodies import parse_raw_json, request_body
from imagecontract.postman.notes import Context, Note, description_text
from imagecontract.postman.scripts import NOISE, translate_script

OPENAI_HOSTS = ("api.openai.com",)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_BASE_VARIABLE = re.compile(r"^\{\{\s*(base_?url|baseurl|api_?base(?:_?url)?|openai_?base_?url|host|url)\s*\}\}", re.I)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


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
    context = Context(variables=_variables(data.get("variable"), notes), notes=notes,
                       source_dir=source_dir, target_dir=target_dir)
    collection: dict[str, Any] = {"name": str(info.get("name") or "Imported from Postman")}
    description = description_text(info.get("description"))
    if description:
        collection["description"] = description
    collection_auth = _auth(data.get("auth"), context, Note("auth", "", ""))
    for listen, script in _scripts(data.get("event")):
        if NOISE.sub("", script):
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
             context: Context) -> dict[str, Any] | None:
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
    description = description_text(request.get("description"))
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
    result.update(request_body(mode, body, headers, context, note))
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


def _target(url: Any, context: Context, note: Any) -> dict[str, str]:
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


def _auth(auth: Any, context: Context, where: Note, note: Any = None) -> Any:
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


def _bearer(token: str, context: Context, where: Note) -> dict[str, str]:
    whole = PLACEHOLDER.fullmatch(token.strip())
    if whole and _ENV_NAME.match(whole.group(1)) and whole.group(1) not in context.variables:
        return {"bearer_env": whole.group(1)}
    if token and not PLACEHOLDER.search(token):
        context.notes.append(Note(where.location, where.name,
                                  "a literal bearer token is stored in the collection; prefer {{OPENAI_API_KEY}}"))
    return {"bearer": token}


def _auth_from_header(headers: dict[str, str], context: Context, where: Note, note: Any) -> Any:
    for key in list(headers):
        if key.lower() == "authorization" and headers[key].lower().startswith("bearer "):
            token = headers.pop(key)[7:].strip()
            note("header Authorization: Bearer ... moved to auth:", "info")
            return _bearer(token, context, where)
    return None


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


