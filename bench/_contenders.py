"""The inputs of the head-to-head benchmark: one request list, written out for every tool that runs it.

The requests are the six of `collections/postman_mirror.yaml` at 256x256 (uploads too), repeated PASSES
times under distinct names. From that one collection come the raw loop's request file (built by the engine,
so the bytes on the wire are imagecontract's), the cassettes replay reads, the Postman collection Newman runs
(`export-postman`, upload files included) and Tavern's test file (the same uploads, written out).
Newman and Tavern are installed into `.cache/` from their registries on first use; when that fails the tool is
skipped with the reason.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from _common import CACHE, KEY, REPO
from imagecontract.collection.loader import load_collection
from imagecontract.run.engine import CollectionState, prepare
from imagecontract.settings import RunSettings

NEWMAN = CACHE / "newman" / "node_modules" / "newman" / "bin" / "newman.js"
TAVERN_VENV = CACHE / "tavern-venv"
PLAIN_VENV = CACHE / "plain-venv"
TAVERN_PYTEST = "pytest<9"
"""Tavern 3 imports `_pytest.python_api`, which pytest 9 removed; pip would otherwise pick pytest 9."""
SIZE = "256x256"


def bench_collection(passes: int) -> dict[str, Any]:
    """The Postman mirror at 256x256, its six requests repeated `passes` times (`... #2`, `... #3`, ...)."""
    text = (REPO / "collections" / "legacy" / "postman_mirror.yaml").read_text(encoding="utf-8").replace("1024x1024", SIZE)
    document = yaml.safe_load(text)
    six = document["requests"]
    document["requests"] = [
        {**request, "name": request["name"] + (f" #{round_ + 1}" if round_ else "")}
        for round_ in range(passes) for request in six
    ]
    return document


def write_project(directory: Path, passes: int) -> Path:
    """A project (pytest.ini, collections/bench.yaml) whose rootdir is `directory`; returns the collection."""
    (directory / "collections").mkdir(parents=True, exist_ok=True)
    (directory / "pytest.ini").write_text("[pytest]\n")
    path = directory / "collections" / "bench.yaml"
    path.write_text(yaml.safe_dump(bench_collection(passes), sort_keys=False), encoding="utf-8")
    return path


def sent_requests(collection_path: Path, base_url: str) -> list[dict[str, Any]]:
    """Every request of the collection exactly as the engine sends it, as JSON-safe dicts."""
    settings = RunSettings(target=base_url, live=True, environ={"OPENAI_API_KEY": KEY})
    collection = load_collection(collection_path)
    state = CollectionState()
    result = []
    for spec in collection.requests:
        sent, _ = prepare(settings, collection, spec, {**collection.variables, **settings.environ}, state, "bench")
        result.append({
            "method": sent.method, "url": sent.url, "headers": sent.headers, "json": sent.json, "form": sent.form,
            "files": [{"field": part.field, "filename": part.filename, "content_type": part.content_type,
                       "data": base64.b64encode(part.data).decode()} for part in sent.files],
        })
    return result


def tavern_file(requests: list[dict[str, Any]], directory: Path) -> Path:
    """`test_bench.tavern.yaml`: one test, one stage per request, each expecting 200; uploads as files beside it."""
    stages = []
    for index, sent in enumerate(requests):
        request: dict[str, Any] = {"url": sent["url"], "method": sent["method"], "headers": sent["headers"]}
        if sent["json"] is not None:
            request["json"] = sent["json"]
        if sent["files"]:
            request["data"] = sent["form"]
            request["files"] = {}
            for part in sent["files"]:
                path = directory / "files" / f"{index}-{part['field']}-{part['filename']}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(base64.b64decode(part["data"]))
                request["files"][part["field"]] = {"file_path": str(path), "content_type": part["content_type"]}
            request["headers"] = {name: value for name, value in sent["headers"].items() if name.lower() != "content-type"}
        stages.append({"name": f"request {index}", "request": request, "response": {"status_code": 200}})
    path = directory / "test_bench.tavern.yaml"
    path.write_text(yaml.safe_dump({"test_name": "bench", "stages": stages}, sort_keys=False), encoding="utf-8")
    return path


def newman_collection(collection_path: Path, directory: Path, base_url: str) -> Path:
    """The collection exported for Postman (`imagecontract export-postman`), upload files beside it."""
    from imagecontract.cli.postman import export_file

    output = directory / "bench.postman_collection.json"
    export_file(collection_path, output, target=base_url, stderr=open("/dev/null", "w"))
    return output


def _run(command: list[str], cwd: Path = REPO) -> str | None:
    """None when the command worked, else the tail of its output."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else (done.stdout + done.stderr)[-500:]


def install_newman() -> str | None:
    """Newman from npm into `.cache/newman`; None when ready, else why it is skipped."""
    if NEWMAN.is_file():
        return None
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return "node and npm are not installed (apt-get install npm)"
    failed = _run([npm, "install", "--prefix", str(CACHE / "newman"), "newman"])
    return f"npm install newman failed: {failed}" if failed else None


def install_tavern() -> str | None:
    """Tavern from PyPI into its own venv under `.cache/`; None when ready, else why it is skipped."""
    python = TAVERN_VENV / "bin" / "python"
    if not python.is_file():
        failed = _run([sys.executable, "-m", "venv", str(TAVERN_VENV)])
        if failed:
            return f"cannot make a venv: {failed}"
    if _run([str(python), "-c", "import tavern._core.pytest"]) is None:
        return None
    failed = _run([str(python), "-m", "pip", "install", "-q", "tavern", TAVERN_PYTEST])
    return f"pip install tavern failed: {failed}" if failed else None


def install_plain() -> str | None:
    """imagecontract without the dev extra (no xdist, Hypothesis, Playwright, openai) in `.cache/plain-venv`."""
    python = PLAIN_VENV / "bin" / "python"
    if not python.is_file():
        failed = _run([sys.executable, "-m", "venv", str(PLAIN_VENV)])
        if failed:
            return f"cannot make a venv: {failed}"
    if _run([str(python), "-c", "import imagecontract.pytest.plugin"]) is None:
        return None
    failed = _run([str(python), "-m", "pip", "install", "-q", "-e", str(REPO)])
    return f"pip install -e . failed: {failed}" if failed else None


def write_answers(directory: Path) -> Path:
    """`edits.png` and `variations.png` for the canned server: the benchmark's upload with its editable centre
    repainted (the frame kept, the centre changed), and the variation's upload as it is."""
    from PIL import Image

    uploads = {(sent["url"].rsplit("/", 1)[1], part["field"]): base64.b64decode(part["data"])
               for sent in sent_requests(write_project(directory / "answers-project", 1), "http://127.0.0.1:1/v1")
               for part in sent["files"]}
    directory.mkdir(parents=True, exist_ok=True)
    original = Image.open(io.BytesIO(uploads[("edits", "image")])).convert("RGBA")
    editable = Image.open(io.BytesIO(uploads[("edits", "mask")])).convert("RGBA").getchannel("A").point(lambda a: 255 if a == 0 else 0)
    original.paste((250, 250, 250, 255), mask=editable)
    original.save(directory / "edits.png")
    (directory / "variations.png").write_bytes(uploads[("variations", "image")])
    return directory


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path
