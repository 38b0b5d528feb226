"""imagecontract collection -> Postman collection v2.1 (runs in Postman and Newman).

`export_postman(collection, files_dir=...)` returns the Postman dict, the files
its form-data fields upload (relative path -> bytes, to be written beside the
JSON) and notes on what could not be expressed. Nothing is written here.

Requests use `{{baseUrl}}` (a collection variable holding the target) and the
bearer token `{{OPENAI_API_KEY}}` (or the `bearer_env` name); a whole-value
placeholder for a typed variable (`n: "{{numberOfImages}}"` with a number) is
written unquoted, as Postman users write it, so Postman sends the number.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from imagecontract.collection.model import Collection, RequestSpec, slugify
from imagecontract.collection.templating import PLACEHOLDER, render
from imagecontract.errors import ImageContractError
from imagecontract.postman.bodies import GENERATED_MARK
from imagecontract.run.uploads import file_part

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
DEFAULT_TARGET = "https://api.openai.com/v1"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"


@dataclass
class ExportNote:
    location: str
    name: str
    message: str

    def __str__(self) -> str:
        return f'{self.location} "{self.name}": {self.message}' if self.name else f"{self.location}: {self.message}"


def export_postman(
    collection: Collection, *, files_dir: str = "files", target: str = DEFAULT_TARGET, key_env: str = DEFAULT_KEY_ENV
) -> tuple[dict[str, Any], dict[str, bytes], list[ExportNote]]:
    """The Postman collection, the upload files (path relative to the JSON's folder -> bytes), and notes."""
    notes: list[ExportNote] = []
    files: dict[str, bytes] = {}
    variables = [{"key": "baseUrl", "value": target, "type": "string"}]
    for name, value in collection.variables.items():
        variables.append({"key": name, "value": _text(value), "type": _kind(value)})
    root: list[dict[str, Any]] = []
    for spec in collection.requests:
        item = _item(spec, collection, files_dir, files, notes, key_env)
        *folders, leaf = [part.strip() for part in spec.name.split(" / ")] if " / " in spec.name else [spec.name]
        item["name"] = leaf
        if folders:
            _folder(root, folders)["item"].append(item)
        else:
            root.append(item)
    info: dict[str, Any] = {"name": collection.name, "schema": SCHEMA}
    if collection.description:
        info["description"] = collection.description
    return {"info": info, "item": root, "variable": variables}, files, notes


def _folder(root: list[dict[str, Any]], folders: list[str]) -> dict[str, Any]:
    items, folder = root, {}
    for name in folders:
        folder = next((entry for entry in items if entry.get("name") == name and "item" in entry), None)
        if folder is None:
            folder = {"name": name, "item": []}
            items.append(folder)
        items = folder["item"]
    return folder


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, (int, float)) else "string"


def _item(spec: RequestSpec, collection: Collection, files_dir: str, files: dict[str, bytes],
          notes: list[ExportNote], key_env: str) -> dict[str, Any]:
    def note(message: str) -> None:
        notes.append(ExportNote(f"requests[{spec.index}]", spec.name, message))

    request: dict[str, Any] = {"method": spec.method, "header": [], "url": _url(spec)}
    request["auth"] = _auth(spec.auth, key_env)
    for key, value in spec.headers.items():
        request["header"].append({"key": key, "value": str(value), "type": "text"})
    if spec.json is not None:
        if not any(key.lower() == "content-type" for key in spec.headers):
            request["header"].append({"key": "Content-Type", "value": "application/json", "type": "text"})
        request["body"] = {"mode": "raw", "raw": raw_json(spec.json, collection.variables),
                           "options": {"raw": {"language": "json"}}}
    elif spec.body is not None:
        request["body"] = {"mode": "raw", "raw": spec.body}
    elif spec.form is not None:
        request["body"] = {"mode": "formdata", "formdata": _formdata(spec, collection, files_dir, files, note)}
    item: dict[str, Any] = {"name": spec.name, "request": request, "response": []}
    tests = _tests(spec)
    if tests:
        item["event"] = [{"listen": "test", "script": {"type": "text/javascript", "exec": tests}}]
    if spec.save:
        note("save: not exported (Postman would need a script setting collection variables)")
    return item


def _url(spec: RequestSpec) -> dict[str, Any]:
    if spec.url:
        return {"raw": spec.url}
    path, _, query = (spec.path or "/").partition("?")
    url: dict[str, Any] = {"raw": "{{baseUrl}}" + (spec.path or "/"), "host": ["{{baseUrl}}"],
                           "path": [part for part in path.split("/") if part]}
    if query:
        url["query"] = [{"key": k, "value": v} for k, _, v in (pair.partition("=") for pair in query.split("&"))]
    return url


def _auth(auth: Any, key_env: str) -> dict[str, Any]:
    if auth == "none":
        return {"type": "noauth"}
    if isinstance(auth, dict) and "bearer" in auth:
        token = str(auth["bearer"])
    else:
        token = "{{%s}}" % (auth["bearer_env"] if isinstance(auth, dict) else key_env)
    return {"type": "bearer", "bearer": [{"key": "token", "value": token, "type": "string"}]}


TYPED_PARAMETERS = frozenset({"n", "output_compression", "partial_images", "stream"})
"""Images API parameters that take a number or boolean: their placeholders are unquoted even for unknown variables."""


def raw_json(body: Any, variables: Mapping[str, Any]) -> str:
    """Pretty JSON where `"{{name}}"` stands unquoted (`{{name}}`) when the value it stands for is typed:
    a number or boolean variable, or (for a variable the collection does not define) a numeric parameter."""
    names: list[str] = []

    def mark(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: mark(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v, None) for v in value]
        whole = PLACEHOLDER.fullmatch(value.strip()) if isinstance(value, str) else None
        if whole:
            name = whole.group(1)
            known = variables.get(name, None) if name in variables else None
            typed = isinstance(known, (int, float, bool)) if name in variables else key in TYPED_PARAMETERS
            if typed:
                names.append(name)
                return f"\x00{len(names) - 1}\x00"
        return value

    text = json.dumps(mark(body, None), indent=4, ensure_ascii=False)
    return re.sub(r'"\\u0000(\d+)\\u0000"', lambda m: "{{%s}}" % names[int(m.group(1))], text)


def _formdata(spec: RequestSpec, collection: Collection, files_dir: str, files: dict[str, bytes], note: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for key, value in (spec.form.get("fields") or {}).items():
        entries.append({"key": key, "value": _text(value), "type": "text"})
    for key, value in (spec.form.get("files") or {}).items():
        for position, file_spec in enumerate(value if isinstance(value, list) else [value]):
            entries.append(_file_entry(spec, key, position, dict(file_spec), collection, files_dir, files, note))
    return entries


def _file_entry(spec: RequestSpec, key: str, position: int, file_spec: dict[str, Any], collection: Collection,
                files_dir: str, files: dict[str, bytes], note: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": key, "type": "file", "src": []}
    if "saved" in file_spec:
        note(f"file field {key!r} uploads the image saved as {file_spec['saved']!r}; Postman cannot pass images "
             "between requests, so it is exported with no file")
        return entry
    where = f"requests[{spec.index}].form.files.{key}"
    try:
        rendered = render(file_spec, collection.variables, where=where)
        part = file_part(key, rendered, base_dir=collection.directory, saved={}, where=where)
    except ImageContractError as exc:
        note(f"file field {key!r} exported with no file: {exc}")
        return entry
    suffix = f"-{position + 1}" if position else ""
    stem = slugify(key) + suffix
    extension = part.filename.rsplit(".", 1)[-1] if "." in part.filename else "bin"
    relative = f"{files_dir}/{slugify(spec.name)}-{stem}.{extension}"
    files[relative] = part.data
    entry["src"] = relative
    if not {"fixture", "saved", "text"} & set(file_spec):
        entry["description"] = f"{GENERATED_MARK} {json.dumps(file_spec)}"
    if file_spec.get("content_type"):
        entry["contentType"] = file_spec["content_type"]
    return entry


def _tests(spec: RequestSpec) -> list[str]:
    lines: list[str] = []
    status = spec.expectation.status
    lines += [f'pm.test("status is {status}", function () {{', f"    pm.response.to.have.status({status});", "});"]
    latency = spec.expect.get("latency")
    budget = latency.get("budget") if isinstance(latency, dict) else latency
    if isinstance(budget, (int, float)) and spec.repeat == 1:
        milliseconds = round(budget * 1000)
        lines += [f'pm.test("answers within {budget} s", function () {{',
                  f"    pm.expect(pm.response.responseTime).to.be.below({milliseconds});", "});"]
    return lines
