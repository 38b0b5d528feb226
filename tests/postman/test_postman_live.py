"""Postman import and export end to end: the seed collection imported and run live against the sandbox,
and the mirror exported, run by Newman against the sandbox, and imported back unchanged."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from imagecontract.cli.postman import export_file, import_file
from imagecontract.collection.loader import load_collection

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "fixtures" / "postman" / "OpenAI API images.postman_collection.json"
NEWMAN_DIR = REPO / ".cache" / "newman"
KEY = "ic-postman-test-key"


def warning_kinds(lines: list[str]) -> Counter:
    kinds: Counter = Counter()
    for line in lines:
        for kind, text in (("content-type", "header Content-Type: application/json dropped"),
                           ("empty-src", "has no file (empty src)"), ("visualizer", "visualizer script")):
            kinds[kind] += text in line
    return kinds


def test_seed_collection_imports_with_its_warnings_and_runs_green(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sandbox
) -> None:
    output = pytester.path / "collections" / "seed.yaml"
    import_file(SEED, output)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith(f"{SEED}: item[")]
    assert warning_kinds(lines) == Counter({"content-type": 4, "empty-src": 6, "visualizer": 3})
    assert f'{SEED}: item[2] "Create image edit [URL]": header Content-Type: application/json dropped' in "\n".join(lines)
    collection = load_collection(output)
    assert [spec.name for spec in collection.requests] == [
        "Image generations [URL]", "Image generations [IMG]", "Create image edit [URL]", "Create image edit [IMG]",
        "Create image variation [URL]", "Create image variation [IMG]",
    ]
    assert collection.requests[0].json == {"prompt": "{{prompt}}", "n": "{{numberOfImages}}", "size": "{{size}}"}
    assert collection.requests[2].form["files"] == {"image": {"png": "1024x1024"}, "mask": {"png": "1024x1024", "mask": True}}
    assert collection.requests[2].headers == {} and collection.requests[0].auth == {"bearer_env": "OPENAI_API_KEY"}
    assert [spec.show_images for spec in collection.requests] == [True] * 6

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    server = sandbox(api_key=KEY)
    result = pytester.runpytest("collections", "--target", server.base_url, "--live", "-p", "no:cacheprovider",
                                "--var", "prompt=a cat", "--var", "numberOfImages=1", "--var", "size=1024x1024")
    result.assert_outcomes(passed=6)
    assert server.stats()["by_endpoint"]["edits"]["requests"] == 2


@pytest.fixture(scope="session")
def newman() -> Path:
    """Newman from npm, installed once into <repo>/.cache/newman and reused."""
    binary = NEWMAN_DIR / "node_modules" / ".bin" / "newman"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            pytest.skip("npm/node not installed: cannot install Newman to run the exported collection")
        installed = subprocess.run([npm, "install", "--prefix", str(NEWMAN_DIR), "--no-audit", "--no-fund", "newman"],
                                   capture_output=True, text=True, timeout=600)
        assert installed.returncode == 0 and binary.exists(), f"npm install newman failed:\n{installed.stderr[-3000:]}"
    return binary


def test_mirror_round_trips_through_newman(tmp_path: Path, newman: Path, sandbox) -> None:
    mirror = REPO / "collections" / "legacy" / "postman_mirror.yaml"
    exported = tmp_path / "export" / "mirror.json"
    export_file(mirror, exported)
    assert sorted(path.name for path in (tmp_path / "export" / "mirror_files").iterdir()) == [
        "create-image-edit-img-image.png", "create-image-edit-img-mask.png", "create-image-edit-url-image.png",
        "create-image-edit-url-mask.png", "create-image-variation-img-image.png", "create-image-variation-url-image.png",
    ]

    server = sandbox(api_key=KEY)
    report = tmp_path / "newman.json"
    run = subprocess.run(
        [str(newman), "run", str(exported), "--working-dir", str(exported.parent),
         "--env-var", f"baseUrl={server.base_url}", "--env-var", f"OPENAI_API_KEY={KEY}",
         "--reporters", "cli,json", "--reporter-json-export", str(report), "--disable-unicode"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    newman_run = json.loads(report.read_text())["run"]
    assert [execution["response"]["code"] for execution in newman_run["executions"]] == [200] * 6
    assert newman_run["failures"] == []
    assertions = [assertion for execution in newman_run["executions"] for assertion in execution["assertions"]]
    assert len(assertions) == 6 and not any(assertion.get("error") for assertion in assertions)
    edits = server.stats()["by_endpoint"]["edits"]
    assert edits["requests"] == 2 and edits["errors"] == 0, "the edits got their image and mask files"

    back = tmp_path / "collections" / "back.yaml"
    import_file(exported, back)
    original, imported = load_collection(mirror), load_collection(back)
    assert imported.name == original.name and dict(imported.variables) == dict(original.variables)
    assert [spec.name for spec in imported.requests] == [spec.name for spec in original.requests]
    for before, after in zip(original.requests, imported.requests):
        assert (after.path, after.json, after.auth) == (before.path, before.json, before.auth)
        assert after.form == before.form, "fields, and generated files restored from their spec"
        assert after.expect["status"] == before.expect["status"]
