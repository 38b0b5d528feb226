"""Requests named in any script, with emoji, or at great length record into cassettes of their own and replay
from them: `生成` no longer becomes `unnamed.yaml`, and a 322-character name no longer fails after the paid
request was sent (the file name is bounded)."""

from __future__ import annotations

from typing import Callable

import pytest

from imagecontract.collection.slugs import slugify

LONG = ("a generation whose name goes on and on, " * 9)[:322]
NAMES = ("生成", "🐱", "🐶", LONG)

COLLECTION = "name: Demo\nrequests:\n" + "".join(
    f"  - name: '{name}'\n    path: /images/generations\n"
    f"    json: {{model: dall-e-2, prompt: a cat, size: 256x256, response_format: b64_json}}\n"
    for name in NAMES
)


def test_names_in_any_script_record_and_replay_from_their_own_cassettes(
    make_project: Callable[..., pytest.Pytester], sandbox_url: str,
) -> None:
    assert len(LONG) == 322
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(COLLECTION, encoding="utf-8")
    common = ("collections", "-p", "no:cacheprovider", "--target", sandbox_url, "--no-report")

    recorded = project.runpytest(*common, "--record-mode", "once")
    recorded.assert_outcomes(passed=len(NAMES))
    files = sorted(path.name for path in (project.path / "cassettes" / "demo").glob("*.yaml"))
    assert files == sorted(f"{slugify(name)}.yaml" for name in NAMES)
    assert {"生成.yaml", "cat-face.yaml", "dog-face.yaml"} <= set(files)

    replayed = project.runpytest(*common)
    replayed.assert_outcomes(passed=len(NAMES))
