"""Every kind of bad input, each as a real pytest session of a user project: one clear error naming the
file and place (or the URL), no traceback, pytest's exit code, and the cassettes left byte for byte as they were.

One table, `CATALOG`: a row builds the project, names the server it runs against (all on 127.0.0.1,
`{target}` in its arguments and messages), and gives the exact lines expected and the exit code.
Exit codes are pytest's own: a collection error interrupts the session (INTERRUPTED), a bad option
or targets/env file is a USAGE_ERROR, and anything found while running a request fails that test
(TESTS_FAILED).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx
import pytest
import yaml
from raw_http import (
    cut_mid_body,
    deep_json,
    endless_events,
    huge_body,
    silent,
    trickle,
    trickled_head,
    undecodable_image,
)
from user_project import (
    NO_DNS_CONFTEST,
    SMALL_BODY_CAP_CONFTEST,
    assert_clean_output,
    output_of,
    tree_digest,
    unmatched,
)

from imagecontract.cassettes.session import RecordMode
from imagecontract.collection.loader import load_collection
from imagecontract.run.engine import CollectionState, RunSettings, run_request
from imagecontract.schemas import SchemaStore

Build = Callable[["Place"], None]
"""Writes a row's bad input into the project."""

KEY = "ic-catalog-key-0123456789"
DEMO = "collections/demo.yaml"
CASSETTE = "cassettes/demo/generate.yaml"

REQUEST = """\
name: Demo
requests:
  - name: generate
    path: /images/generations
    timeout: 1
    json: {model: dall-e-2, prompt: a cat, size: 256x256, response_format: b64_json}
"""
"""The one request most rows run: small, answered at once by the sandbox."""

ALIAS_BOMB = "name: Demo\nvariables:\n  a: &a [" + ",".join(['"lol"'] * 10) + "]\n" + "".join(
    f"  {name}: &{name} [{','.join(['*' + previous] * 10)}]\n" for previous, name in zip("abcdefgh", "bcdefghi")
) + "requests: []\n"
"""The classic billion laughs: nine anchors, each listing the previous one ten times (a few hundred bytes)."""

TWO_NAMES = "name: Demo\nrequests:\n  - name: {}\n    path: /images/generations\n  - name: {}\n    path: /images/generations\n"
"""Two requests whose names differ only in case, spacing or punctuation."""

FAILED, INTERRUPTED, USAGE = pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR


@dataclass(frozen=True)
class Row:
    """One bad input: how to build it, what to run it against, and exactly what the user must see."""

    id: str
    build: Build
    args: tuple[str, ...]
    expected: tuple[str, ...]
    exit: pytest.ExitCode
    server: str = "refused"
    """`refused`, `tls`, `dns`, `sandbox[:FAULT]` or `raw:SCRIPT`; every run gets `--target` on 127.0.0.1."""
    alone: bool = False
    """Writes project-wide files (conftest, schemas, targets, env): needs a session of its own."""


@dataclass(frozen=True)
class Place:
    """Where a row's files go: its own collection and cassette folder, so rows can share a session."""

    project: Path
    row: str
    recorded: Path
    """A `cassettes/` tree holding a good recording of `REQUEST` (under `demo/`)."""

    @property
    def collection(self) -> str:
        return f"collections/{self.row}.yaml"

    @property
    def cassettes(self) -> Path:
        return self.project / "cassettes" / self.row


def write(relative: str, text: str | bytes) -> Build:
    """A project-wide file (`conftest.py`, `env.yaml`, ...): a row using one runs in a session of its own."""
    def build(place: Place) -> None:
        path = place.project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    return build


def collection(text: str | bytes) -> Build:
    """The row's collection file; `name: Demo` becomes the row id, so its failure section is found by name."""
    def build(place: Place) -> None:
        data = text if isinstance(text, bytes) else text.replace("name: Demo", f"name: {place.row}").encode()
        write(place.collection, data)(place)

    return build


def request(extra: str = "", swap: dict[str, str] | None = None) -> Build:
    """`REQUEST` with `extra` lines appended and each `swap` key replaced by its value."""
    text = REQUEST + extra
    for old, new in (swap or {}).items():
        text = text.replace(old, new)
    return collection(text)


def upload(image: str) -> Build:
    """An edit whose `image` upload is `image` (the file entry is on line 9)."""
    return collection(
        "name: Demo\nrequests:\n  - name: generate\n    path: /images/edits\n    timeout: 1\n    form:\n"
        f"      fields: {{prompt: a cat, size: 256x256}}\n      files:\n        image: {image}\n"
    )


def also(*builds: Build) -> Build:
    def build(place: Place) -> None:
        for step in builds:
            step(place)

    return build


def cassette(damage: Callable[[Path], None] = lambda path: None) -> Build:
    """The good recording of `REQUEST` as the row's cassette, then `damage` done to its YAML file."""

    def build(place: Place) -> None:
        shutil.copytree(place.recorded / "demo", place.cassettes)
        damage(place.cassettes / "generate.yaml")

    return build


def edit_cassette(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        document = yaml.safe_load(path.read_text())
        change(document)
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    return damage


def first_blob(path: Path) -> Path:
    return next((path.parent / "blobs").iterdir())


def schema_file(name: str, text: str) -> Build:
    """The shipped schemas plus `name` with `text`, and `REQUEST` expecting its body to match `name`."""
    def build(place: Place) -> None:
        shutil.copytree(SchemaStore.default().directory, place.project / "schemas")
        (place.project / "schemas" / name).write_text(text)

    return also(build, request("    expect: {schema: " + name + "}\n"))


TARGETS = """\
- name: sandbox
  base_url: http://127.0.0.1:8080/v1
  api_key_env: IMAGECONTRACT_SANDBOX_KEY
"""

CATALOG: list[Row] = [
    # --- the collection file itself: refused on load, before anything is sent ---------------------------------
    Row("yaml-unclosed-flow", collection("name: [unclosed\nrequests: []\n"), (),
        ("{file}: line 2, column 9: invalid YAML: expected ',' or ']', but got ':'",), INTERRUPTED),
    Row("yaml-tab-indent", collection("name: x\nrequests:\n\t- name: a\n"), (),
        ("{file}: line 3, column 1: invalid YAML: found character '\\t' that cannot start any token; "
         "YAML does not allow tabs for indentation, indent with spaces",), INTERRUPTED),
    Row("yaml-duplicate-key", collection("name: x\nname: y\nrequests: []\n"), (),
        ("{file}: line 2, column 1: invalid YAML: duplicate key 'name' (first at line 1); remove one of them",), INTERRUPTED),
    Row("not-utf8", collection(b"name: \xff\xfe\n"), (), ("{file}: not UTF-8 text (invalid start byte at byte 6)",), INTERRUPTED),
    Row("empty-file", collection(""), (), ("{file}: expected a mapping with 'name' and 'requests', got an empty file",), INTERRUPTED),
    Row("top-level-list", collection("- a\n- b\n"), (), ("{file}: expected a mapping with 'name' and 'requests', got list",), INTERRUPTED),
    Row("unknown-key-request", request("    expcet: {status: 200}\n"), (),
        ("{file}:3: requests[0]: unknown key 'expcet' (did you mean 'expect'?); allowed keys: auth, body, *",), INTERRUPTED),
    Row("unknown-key-top", request(swap={"requests:": "reqests:"}), (),
        ("{file}:1: unknown key 'reqests' (did you mean 'requests'?); allowed keys: as_of, defaults, description, name, *",),
        INTERRUPTED),
    Row("unknown-key-upload", upload("{png: 256x256, alfa: true}"),
        (), ("{file}:9: requests[0].form.files.image: unknown key 'alfa' (did you mean 'alpha'?)*",), INTERRUPTED),
    Row("wrong-type-status", request("    expect: {status: '200'}\n"), (),
        ("{file}:7: requests[0].expect.status: expected an integer, got a string '200'",), INTERRUPTED),
    Row("wrong-type-requests", collection("name: x\nrequests: {name: a}\n"), (),
        ("{file}:2: requests: expected a list, got a mapping {'name': 'a'}",), INTERRUPTED),
    Row("wrong-type-timeout", request(swap={"timeout: 1": "timeout: soon"}), (),
        ("{file}:5: requests[0].timeout: expected a number, got a string 'soon'",), INTERRUPTED),
    Row("size-form", request("    expect:\n      images: {size: '512'}\n"), (),
        ("{file}:8: requests[0].expect.images.size: '512' does not have the expected form "
         "(a size such as 512x512, auto, or a {{variable}})",), INTERRUPTED),
    Row("path-without-slash", request(swap={"path: /images": "path: images"}), (),
        ("{file}:4: requests[0].path: 'images/generations' does not have the expected form (a path starting with /*",),
        INTERRUPTED),
    Row("method-unknown", request("    method: FETCH\n"), (),
        ("{file}:7: requests[0].method: expected one of GET, POST, PUT, PATCH, DELETE, got 'FETCH'",), INTERRUPTED),
    Row("no-path-or-url", collection("name: x\nrequests:\n  - name: a\n    json: {}\n"), (),
        ("{file}:3: requests[0]: needs exactly one of 'path', 'url'",), INTERRUPTED),
    Row("two-bodies", request("    form: {fields: {prompt: a}}\n"), (),
        ("{file}:3: requests[0]: use only one body: 'json', 'form' or 'body'",), INTERRUPTED),
    Row("duplicate-request-name", collection(REQUEST + REQUEST.split("requests:\n", 1)[1]), (),
        ("{file}:7: requests[1].name: duplicate request name 'generate' (also requests[0]); names must be unique",),
        INTERRUPTED),
    Row("saved-upload-unknown", upload("{saved: cat}"), (),
        ("{file}:7: requests[0].form.files: uploads saved image 'cat', but no earlier request saves it (saved so far: none)",),
        INTERRUPTED),
    Row("variable-name", collection("name: x\nvariables: {'bad name': 1}\n" + REQUEST.split("\n", 1)[1]), (),
        ("{file}:2: variables: 'bad name' does not have the expected form "
         "(a name of letters, digits, _, . and -, starting with a letter or _)",),
        INTERRUPTED),
    Row("as-of-form", collection("name: x\nas_of: 2025-6-1\n" + REQUEST.split("\n", 1)[1]), (),
        ("{file}:2: as_of: '2025-6-1' does not have the expected form (a day as YYYY-MM-DD, e.g. 2025-06-01)",), INTERRUPTED),
    Row("as-of-not-a-day", collection("name: x\nas_of: '2025-02-30'\n" + REQUEST.split("\n", 1)[1]), (),
        ("{file}:2: as_of: '2025-02-30' is not a day of the calendar (expected YYYY-MM-DD)",), INTERRUPTED),
    Row("retired-not-a-string", request("    expect: {retired: [dall-e-2]}\n"), (),
        ("{file}:7: requests[0].expect.retired: expected a string, got a list ['dall-e-2']",), INTERRUPTED),
    Row("header-not-ascii", request("    headers: {X-Caption: café}\n"), (),
        ("{file}:7: requests[0].headers.X-Caption: 'café' is not ASCII; HTTP headers carry ASCII only "
         "(put such text in the body, or percent-encode it)",), INTERRUPTED),

    Row("yaml-alias-bomb", collection(ALIAS_BOMB), (),
        ("{file}: line *, column *: invalid YAML: the aliases here expand to more than 50000 values (an alias bomb?); "
         "write the values out, or use fewer aliases",), INTERRUPTED),
    Row("yaml-too-large", collection(REQUEST + "# padding\n" * 1_000_000), (),
        ("{file}: * MB is over the 8.0 MB limit for a YAML file; split it into several collections, "
         "or keep large data in fixture files",), INTERRUPTED),
    Row("yaml-nested-too-deep", collection("name: Demo\nrequests: " + "[" * 3000 + "]" * 3000 + "\n"), (),
        ("{file}: line 2, column *: invalid YAML: nested too deep (hundreds of levels); flatten it",), INTERRUPTED),
    Row("yaml-control-character", collection("name: Demo\x07\nrequests: []\n"), (),
        ("{file}: line 1, column *: invalid YAML: the control character U+0007 is not allowed in YAML text; remove it",),
        INTERRUPTED),
    Row("nan-in-request", request(swap={"size: 256x256,": "size: 256x256, n: .nan,"}), (),
        ("{file}:6: requests[0].json.n: .nan is not a number JSON can carry; use a finite number, "
         "or a raw `body:` for a malformed-input case",), INTERRUPTED),
    Row("header-crlf", request('    headers: {X-Note: "a\\r\\nX-Injected: 1"}\n'), (),
        ("{file}:7: requests[0].headers.X-Note: 'a\\r\\nX-Injected: 1' holds a line break or control character; "
         "a header value is one line of text",), INTERRUPTED),
    Row("cassette-name-collision", collection(TWO_NAMES.format("gen 1", "Gen-1!")), (),
        ("{file}:5: requests[1].name: 'Gen-1!' and 'gen 1' (requests[0]) would share the cassette file gen-1.yaml; "
         "rename one of them so they differ in more than case and punctuation",), INTERRUPTED),
    Row("cassette-name-emoji-collision", collection(TWO_NAMES.format("🐱 gen", "🐱-gen")), (),
        ("{file}:5: requests[1].name: '🐱-gen' and '🐱 gen' (requests[0]) would share the cassette file cat-face-gen.yaml; *",),
        INTERRUPTED),
    Row("cassette-folder-collision", also(collection(REQUEST), cassette(),
                                          write("collections/Cassette Folder Collision.yaml", REQUEST)),
        ("--record-mode", "all"),
        ("{file}: its cassettes would share the folder cassette-folder-collision/ with those of "
         "collections/Cassette Folder Collision.yaml; rename one of the two files so their names differ in more than "
         "case and punctuation",), INTERRUPTED, "sandbox"),
    Row("cassette-folder-case", also(collection(REQUEST), cassette(), write("collections/Cassette-Folder-Case.yml", REQUEST)),
        ("--record-mode", "all"),
        ("{file}: its cassettes would share the folder cassette-folder-case/ with those of "
         "collections/Cassette-Folder-Case.yml; rename one of the two files *",), INTERRUPTED, "sandbox"),

    # --- options, targets and environment files: refused before the session starts -----------------------
    Row("target-unknown-name", also(collection(REQUEST), write("collections/targets.yaml", TARGETS)), ("--target", "sandbx"),
        ("ERROR: --target 'sandbx': no such target in collections/targets.yaml (did you mean 'sandbox'?); known targets: "
         "sandbox (or give a URL such as https://gateway.example/v1)",), USAGE, alone=True),
    Row("target-name-without-file", collection(REQUEST), ("--target", "sandbox"),
        ("ERROR: --target 'sandbox' is not a URL and there is no targets file collections/targets.yaml to name it*",), USAGE),
    Row("targets-unknown-key", also(collection(REQUEST), write("collections/targets.yaml", TARGETS + "  unsuported: []\n")),
        ("--target", "sandbox"),
        ("ERROR: collections/targets.yaml:1: [0]: unknown key 'unsuported' (did you mean 'unsupported'?)*",), USAGE, alone=True),
    Row("targets-tab-indent", also(collection(REQUEST), write("collections/targets.yaml", TARGETS.replace("  base", "\tbase"))),
        ("--target", "sandbox"),
        ("ERROR: collections/targets.yaml: line 2, column 1: invalid YAML: *YAML does not allow tabs*",), USAGE, alone=True),
    Row("target-url-bad-port", collection(REQUEST), ("--target", "http://127.0.0.1:port/v1", "--live"),
        ("ERROR: --target 'http://127.0.0.1:port/v1' is not a valid URL (Invalid port: 'port')*",), USAGE),
    Row("as-of-option", collection(REQUEST), ("--as-of", "2025-13-01"),
        ("ERROR: --as-of: '2025-13-01' is not a date: expected YYYY-MM-DD (e.g. 2025-06-01) or 'today'",), USAGE),
    Row("targets-as-of", also(collection(REQUEST), write("collections/targets.yaml", TARGETS + "  as_of: '2025-02-30'\n")),
        ("--target", "sandbox"),
        ("ERROR: collections/targets.yaml:4: [0].as_of: '2025-02-30' is not a day of the calendar (expected YYYY-MM-DD)",),
        USAGE, alone=True),
    Row("shard-out-of-range", collection(REQUEST), ("--shard", "4/3"),
        ("ERROR: --shard '4/3': K must be between 1 and N (N >= 1), got K=4, N=3",), USAGE),
    Row("budget-url-scheme", collection(REQUEST), ("--live", "--budget-url", "memcached://127.0.0.1:1"),
        ("ERROR: --budget-url 'memcached://127.0.0.1:1': expected a URL starting with one of redis://, rediss://, sqlite://*",),
        USAGE),
    Row("env-file-missing", collection(REQUEST), ("--env-file", "env.yaml"), ("ERROR: env.yaml: file not found",), USAGE),
    Row("env-file-nested", also(collection(REQUEST), write("env.yaml", "size: {w: 1}\n")), ("--env-file", "env.yaml"),
        ("ERROR: env.yaml: size: expected a string, number or boolean, got dict",), USAGE, alone=True),
    Row("env-file-postman-broken", also(collection(REQUEST), write("env.json", '{"values": [')), ("--env-file", "env.json"),
        ("ERROR: env.json: invalid JSON: Expecting value: line 1 column 13 (char 12)",), USAGE, alone=True),
    Row("var-without-value", collection(REQUEST), ("--var", "size"),
        ("ERROR: --var 'size': expected NAME=VALUE, e.g. --var size=512x512",), USAGE),
    Row("record-mode-unknown", collection(REQUEST), ("--record-mode", "sometimes"),
        ("error: argument --record-mode: invalid choice: 'sometimes' (choose from *once*, *new_episodes*, *all*)",), USAGE),

    # --- what a request needs at run time: the test fails, naming the file and place ----------------------
    Row("unknown-variable", request("variables: {prompt: a cat}\n", swap={"a cat": "'{{promt}}'"}), (),
        ("{name}: requests[0].json.prompt: unknown variable '{{promt}}' (did you mean '{{prompt}}'?); define it *",),
        FAILED),
    Row("fixture-missing", upload("{fixture: fixtures/cat.png}"),
        ("--live",), ("{name}: requests[0].form.files.image.fixture: file 'fixtures/cat.png' not found (looked at *"
                      "collections/fixtures/cat.png); paths are relative to the collection file",), FAILED),
    Row("fixture-directory", also(upload("{fixture: fixtures}"),
                                  write("collections/fixtures/keep", "")),
        ("--live",), ("{name}: requests[0].form.files.image.fixture: 'fixtures' is a directory, expected a file",), FAILED, alone=True),
    Row("fixture-not-an-image", also(upload("{fixture: cat.png}"),
                                     write("collections/cat.png", "<html>not a picture</html>")),
        ("--live",), ("{name}: requests[0].form.files.image.fixture: 'cat.png' is not a valid image (*); "
                      "to upload it anyway as an invalid image, give its content_type",), FAILED, alone=True),
    Row("fixture-truncated-png", also(upload("{fixture: cat.png}"),
                                      write("collections/cat.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0")),
        ("--live",), ("{name}: requests[0].form.files.image.fixture: 'cat.png' is not a valid image (*",), FAILED, alone=True),
    Row("fixture-escapes-project", upload("{fixture: ../../../../../../../../etc/passwd}"),
        ("--live",), ("{name}: requests[0].form.files.image.fixture: '../../../../../../../../etc/passwd' is outside the "
                      "project * (after following '..' and links); fixtures must be files of the collection's project "
                      "(relative to the collection file), or pass --allow-outside-fixtures",), FAILED),
    Row("fixture-absolute", upload("{fixture: /etc/passwd}"),
        ("--live",), ("{name}: requests[0].form.files.image.fixture: '/etc/passwd' is an absolute path; fixtures must be "
                      "files of the collection's project *",), FAILED),
    Row("fixture-home", upload("'{fixture: ~/.ssh/id_rsa}'".strip("'")),
        ("--live",), ("{name}: requests[0].form.files.image.fixture: '~/.ssh/id_rsa' is in a home folder (~); *",), FAILED),
    Row("nan-from-a-variable", request(swap={"size: 256x256,": "size: 256x256, n: '{{n}}',"}), ("--live", "--var", "n=.nan"),
        ("{name}: requests[0].json.n: .nan is not a number JSON can carry; use a finite number, *",), FAILED),
    Row("header-crlf-from-a-variable", also(request("    headers: {X-Note: '{{note}}'}\n"), write("env.yaml", 'note: "a\\r\\nb"\n')),
        ("--live", "--env-file", "env.yaml"),
        ("{name}: requests[0].headers.X-Note: 'a\\r\\nb' holds a line break or control character; "
         "a header value is one line of text",), FAILED, alone=True),
    Row("generated-jpeg-alpha", upload("{jpeg: 256x256, alpha: true}"),
        ("--live",), ("{name}: requests[0].form.files.image: jpeg has no alpha channel; use png or webp for alpha or mask images",),
        FAILED),
    Row("no-api-key", collection(REQUEST), ("--live", "--api-key-env", "IC_CATALOG_ABSENT_KEY"),
        ("*no API key: set the environment variable IC_CATALOG_ABSENT_KEY (or name another with --api-key-env)",), FAILED),
    Row("unknown-check", request("    expect: {checks: [image_cont]}\n"), (),
        ("{file}:7: requests[0].expect.checks[0]: unknown check 'image_cont' (did you mean 'image_count'?); known checks: *",),
        INTERRUPTED),

    # --- response schemas under schemas/ -----------------------------------------------------------------
    Row("schema-not-json", schema_file("custom.schema.json", '{"type": "object",'), ("--live",),
        ("*schemas/custom.schema.json: not valid JSON: Expecting property name enclosed in double quotes at line 1 column 19",),
        FAILED, "sandbox", alone=True),
    Row("schema-invalid", schema_file("custom.schema.json", '{"properties": {"data": {"type": 12}}}'), ("--live",),
        ("*schemas/custom.schema.json: not a valid JSON Schema 2020-12 at $.properties.data.type: 12 is not valid *",),
        FAILED, "sandbox", alone=True),
    Row("schema-ref-missing-file", schema_file("custom.schema.json", '{"$ref": "nope.schema.json"}'), ("--live",),
        ("*schemas/custom.schema.json: $ref 'nope.schema.json' cannot be resolved: *schemas/nope.schema.json: no such schema file*",),
        FAILED, "sandbox", alone=True),
    Row("schema-ref-pointer", schema_file("custom.schema.json", '{"$ref": "#/$defs/image"}'), ("--live",),
        ("*schemas/custom.schema.json: $ref '#/$defs/image' cannot be resolved: the pointer '/$defs/image' leads nowhere in that file",),
        FAILED, "sandbox", alone=True),
    Row("schema-unknown-name", request("    expect: {schema: imags_response.schema.json}\n"), ("--live",),
        ("*schemas/imags_response.schema.json: no such schema file (available in *: *images_response.schema.json*",),
        FAILED, "sandbox"),

    # --- cassettes: damaged, hand-edited, or recorded for another request --------------------------------
    Row("cassette-missing", collection(REQUEST), (),
        ("error: no cassette at {cassette} (replay-only mode); record it with: imagecontract run --record-mode once --target *",),
        FAILED),
    Row("cassette-truncated", also(collection(REQUEST), cassette(lambda path: path.write_text(path.read_text()[:-9]))), (),
        ("error: {cassette}: count: missing; it is written last, so the file was cut short (truncated); "
         "record it again with --record-mode all, or delete it",), FAILED),
    Row("cassette-cut-mid-yaml", also(collection(REQUEST), cassette(lambda path: path.write_text(path.read_text()[:300]))), (),
        ("error: {cassette}: not valid YAML (* at line *, column *); truncated or edited by hand?; "
         "record it again with --record-mode all, or delete it",), FAILED),
    Row("cassette-edited-status", also(collection(REQUEST), cassette(edit_cassette(
        lambda doc: doc["interactions"][0]["response"]["status"].update(code="OK")))), (),
        ("error: {cassette}: interactions[0].response.status.code: expected an integer, got 'OK'; record it again *",), FAILED),
    Row("cassette-edited-count", also(collection(REQUEST), cassette(edit_cassette(lambda doc: doc.update(count=2)))), (),
        ("error: {cassette}: count: says 2 interactions, the file holds 1: truncated or edited by hand; *",), FAILED),
    Row("cassette-blob-missing", also(collection(REQUEST), cassette(lambda path: first_blob(path).unlink())), (),
        ("error: {cassette}: interactions[0].response.body.text: side file blobs/*.png is missing; *",), FAILED),
    Row("cassette-blob-damaged", also(collection(REQUEST), cassette(lambda path: first_blob(path).write_bytes(b"x"))), (),
        ("error: {cassette}: interactions[0].response.body.text: side file blobs/*.png is damaged: its bytes hash to *",),
        FAILED),
    Row("cassette-not-utf8", also(collection(REQUEST), cassette(lambda path: path.write_bytes(b"\xff\xfe"))), (),
        ("error: {cassette}: expected UTF-8 YAML, got an undecodable byte at offset 0; *",), FAILED),
    Row("cassette-other-request", also(request(swap={"256x256": "512x512"}), cassette()), (),
        ("error: {cassette}: request changed since recording: JSON body: $.size \"256x256\" recorded, \"512x512\" now",), FAILED),
    Row("cassette-other-endpoint", also(collection(REQUEST), cassette(edit_cassette(
        lambda doc: doc["interactions"][0]["request"].update(uri="<base_url>/images/edits")))), (),
        ("error: {cassette}: request changed since recording: URL: '{target}/images/edits' recorded, "
         "'{target}/images/generations' now", ), FAILED),
    Row("cassette-good-rerecord-refused", also(collection(REQUEST), cassette()), ("--record-mode", "all"),
        ("error: {target}/images/generations: connection refused: nothing listens at that address*",), FAILED),
    Row("cassette-good-rerecord-fails-check", also(request("    expect: {images: {count: 2}}\n"), cassette()),
        ("--record-mode", "all"), ("  [expected_images] $.data: expected 2 images, got 1",), FAILED, "sandbox"),
    Row("cassette-none-record-truncated", collection(REQUEST), ("--record-mode", "once"),
        ("error: {target}/images/generations: the connection closed before the whole response arrived (truncated body)*",),
        FAILED, "sandbox:truncate-body"),

    # --- the target: unreachable, or answering what no client can use ------------------------------------
    Row("refused", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: connection refused: nothing listens at that address*",), FAILED),
    Row("tls-untrusted", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: TLS certificate verification failed (*self-signed certificate*",), FAILED, "tls"),
    Row("dns-failure", also(collection(REQUEST), write("conftest.py", NO_DNS_CONFTEST)), ("--live",),
        ("error: http://gateway.invalid/v1/images/generations: DNS lookup failed: the host name does not resolve*",), FAILED, "dns", alone=True),
    Row("url-bad-port", request(swap={"path: /images": "url: http://127.0.0.1:port/v1/images"}), ("--live",),
        ("error: http://127.0.0.1:port/v1/images/generations: not a valid URL (Invalid port: 'port')",), FAILED),
    Row("url-scheme", request("variables: {base: 'ftp://127.0.0.1/v1'}\n",
                           swap={"path: /images/generations": "url: '{{base}}/images/generations'"}),
        ("--live",), ("error: ftp://127.0.0.1/v1/images/generations: unsupported URL scheme; use http:// or https://*",), FAILED),
    Row("header-not-ascii-templated", also(request("    headers: {X-Caption: '{{caption}}'}\n"), write("env.yaml", "caption: café\n")),
        ("--live", "--env-file", "env.yaml"),
        ("error: {target}/images/generations: header 'X-Caption' is not ASCII ('café'); HTTP headers carry ASCII only*",), FAILED, alone=True),
    Row("non-json-body", collection(REQUEST), ("--live",),
        ("POST {target}/images/generations", "  [response_schema] $: expected a JSON body, got text/html: *"), FAILED,
        "sandbox:html-error"),
    Row("truncated-body", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: the connection closed before the whole response arrived (truncated body)*",),
        FAILED, "sandbox:truncate-body"),
    Row("dropped-mid-body", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: the connection closed before the whole response arrived (truncated body)*",),
        FAILED, "raw:cut-close"),
    Row("reset-mid-body", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: the connection failed while reading the response*",), FAILED, "raw:cut-reset"),
    Row("hanging-server", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: timed out waiting for the response (the target hangs or is slower than the timeout)*",),
        FAILED, "raw:silent"),
    Row("huge-declared-body", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: response body of 400.0 MB (its Content-Length) exceeds the 256.0 MB limit; not read",),
        FAILED, "raw:declared-huge"),
    Row("huge-streamed-body", also(collection(REQUEST), write("conftest.py", SMALL_BODY_CAP_CONFTEST)), ("--live",),
        ("error: {target}/images/generations: response body exceeds the 1.0 MB limit; stopped reading",),
        FAILED, "raw:endless", alone=True),
    Row("response-nested-100000-deep", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: the response nests more than 64 levels of JSON arrays and objects; "
         "no Images API answer does, so it is not parsed",), FAILED, "raw:deep-json"),
    Row("endless-event-stream", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: no complete answer within the 1 s timeout *",), FAILED, "raw:endless-events"),
    Row("trickled-json-body", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: no complete answer within the 1 s timeout *",), FAILED, "raw:trickle"),
    Row("trickled-headers", collection(REQUEST), ("--live",),
        ("error: {target}/images/generations: timed out waiting for the response (the target hangs or is slower than "
         "the timeout)*",), FAILED, "raw:trickled-head"),
    Row("image-does-not-decode", collection(REQUEST), ("--live",),
        ("POST {target}/images/generations",
         "  [image_decodes] $.data[0].b64_json: not a decodable image (19 B, starts 6e6f7420616e2069): *"), FAILED, "raw:undecodable"),
]

RAW_SCRIPTS = {
    "cut-close": cut_mid_body(reset=False),
    "cut-reset": cut_mid_body(reset=True),
    "silent": silent(3),
    "declared-huge": huge_body(declared=400 * 1024 * 1024),
    "endless": huge_body(declared=None),
    "undecodable": undecodable_image(),
    "deep-json": deep_json(100_000),
    "endless-events": endless_events(),
    "trickle": trickle(b'{"created": 1, "data": []}', every=0.5),
    "trickled-head": trickled_head(every=0.2),
}


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory, sandbox_url: str) -> Path:
    """`cassettes/` holding a good recording of `REQUEST` from the sandbox, made once through the engine."""
    root = tmp_path_factory.mktemp("recorded")
    (root / "collections").mkdir()
    (root / DEMO).write_text(REQUEST)
    demo = load_collection(root / DEMO)
    settings = RunSettings(target=sandbox_url, record_mode=RecordMode.ONCE, cassette_dir=root / "cassettes",
                           environ={"OPENAI_API_KEY": KEY}, schemas=SchemaStore.default())
    with httpx.Client() as client:
        result = run_request(settings, client, demo, demo.requests[0], CollectionState())
    assert result.passed and (root / CASSETTE).is_file(), result.error or result.failures
    return root / "cassettes"


@pytest.fixture
def target_of(request: pytest.FixtureRequest, sandbox, raw_server, refused_url: str) -> Callable[[str], str]:
    """The base URL (on 127.0.0.1, or an unresolvable name that is never looked up) for a row's `server`."""

    def start(server: str) -> str:
        kind, _, detail = server.partition(":")
        if kind == "sandbox":
            return sandbox(api_key=KEY, faults=[detail] if detail else []).base_url
        if kind == "raw":
            return raw_server(RAW_SCRIPTS[detail]).url
        if kind == "tls":
            return request.getfixturevalue("self_signed_server")
        return {"refused": refused_url, "dns": "http://gateway.invalid/v1"}[kind]

    return start


def test_the_catalog_covers_every_kind_the_issue_lists() -> None:
    assert len(CATALOG) >= 40 and len({row.id for row in CATALOG}) == len(CATALOG)
    kinds = {"yaml-unclosed-flow", "yaml-tab-indent", "unknown-key-request", "wrong-type-status", "unknown-variable",
             "fixture-missing", "fixture-not-an-image", "schema-invalid", "schema-ref-missing-file", "cassette-truncated",
             "cassette-edited-status", "cassette-other-request", "refused", "tls-untrusted", "dns-failure", "non-json-body",
             "truncated-body", "hanging-server", "huge-declared-body", "image-does-not-decode"}
    assert kinds <= {row.id for row in CATALOG}
    assert {row.exit for row in CATALOG} == {FAILED, INTERRUPTED, USAGE}


def sessions(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows that can share one pytest session: same server, arguments and exit code, no project-wide files."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        key = row.id if row.alone else f"{row.exit.name.lower()}-{row.server}-{'-'.join(row.args) or 'replay'}"
        groups.setdefault(key, []).append(row)
    return groups


SESSIONS = sessions(CATALOG)


def section(lines: list[str], row: Row) -> list[str]:
    """The lines pytest printed for `row`'s test or collection error, from its header to the next one."""
    header = f"ERROR collecting collections/{row.id}.yaml" if row.exit is INTERRUPTED else f" {row.id}: generate "
    start = next(index for index, line in enumerate(lines) if line.startswith("_") and header in line)
    end = next((index for index in range(start + 1, len(lines)) if lines[index].startswith(("_", "="))), len(lines))
    return lines[start:end]


def problems_of(row: Row, lines: list[str], shared: bool, target: str, before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What is wrong with what the user saw of `row` (empty: one clear error, cassettes untouched)."""
    place = {"{file}": f"collections/{row.id}.yaml", "{name}": f"{row.id}.yaml",
             "{cassette}": f"cassettes/{row.id}/generate.yaml", "{target}": target}
    expected = []
    for text in row.expected:
        for token, value in place.items():
            text = text.replace(token, value)
        expected.append(text)
    shown = section(lines, row) if shared else lines
    missing = unmatched(shown, tuple(expected))
    mine = {path: digest for path, digest in after.items() if path.startswith(f"{row.id}/")}
    changed = mine != {path: digest for path, digest in before.items() if path.startswith(f"{row.id}/")}
    return [f"{row.id}: missing {missing}"] * bool(missing) + [f"{row.id}: its cassettes changed"] * changed


@pytest.mark.parametrize("rows", SESSIONS.values(), ids=SESSIONS.keys())
def test_bad_input_gives_one_clear_error(
    rows: list[Row], make_project: Callable[..., pytest.Pytester], recorded: Path, target_of: Callable[[str], str],
) -> None:
    project = make_project(key=KEY)
    (project.path / DEMO).unlink()
    for row in rows:
        row.build(Place(project.path, row.id, recorded))
    first = rows[0]
    target = target_of(first.server)
    before = tree_digest(project.path / "cassettes")
    args = [arg.replace("{target}", target) for arg in first.args]
    if "--target" not in args:
        args += ["--target", target]

    result = project.runpytest("collections", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--no-report", *args)

    lines = output_of(result)
    after = tree_digest(project.path / "cassettes")
    problems = [problem for row in rows for problem in problems_of(row, lines, len(rows) > 1, target, before, after)]
    assert not problems, "\n".join([*problems, *lines[-60:]])
    assert_clean_output(lines)
    assert result.ret == first.exit, "\n".join(lines[-40:])
    assert after == before
