"""Which requests a target's day serves: retired and unreleased models skipped with their reason, requests whose
defaults mean something else on that day, whole chains, retirements expected, and targets declaring what they
still serve."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from imagecontract import lifecycle
from imagecontract.collection.loader import load_collection
from imagecontract.errors import ImageContractError
from imagecontract.rules import SEED_ERA

TODAY = date(2026, 12, 2)

COLLECTION = """\
name: Mixed
requests:
  - {name: dall-e-2, path: /images/generations, json: {model: dall-e-2, prompt: a}}
  - {name: no model, path: /images/generations, json: {prompt: a}}
  - {name: edit without model, path: /images/edits, form: {fields: {prompt: a}, files: {image: {png: 64x64}}}}
  - {name: gpt-image-2, path: /images/generations, json: {model: gpt-image-2, prompt: a}}
  - {name: variation, path: /images/variations, form: {files: {image: {png: 64x64}}}}
  - {name: unknown, path: /images/generations, json: {model: flux, prompt: a}}
  - {name: retired expected, path: /images/generations, json: {model: gpt-image-1, prompt: a}, expect: {retired: gpt-image-1}}
  - {name: variations retired, path: /images/variations, form: {files: {image: {png: 64x64}}}, expect: {retired: /v1/images/variations}}
"""


@pytest.fixture
def requests(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "mixed.yaml"
    path.write_text(COLLECTION)
    return {spec.name: spec for spec in load_collection(path).requests}


@pytest.mark.parametrize(("name", "as_of", "day", "reason"), [
    ("dall-e-2", None, TODAY, "dall-e-2 retired on 2026-05-12; use gpt-image-1.5 or later"),
    ("dall-e-2", None, SEED_ERA, None),
    ("no model", SEED_ERA, TODAY, "dall-e-2 retired on 2026-05-12; use gpt-image-1.5 or later"),
    ("no model", TODAY, SEED_ERA,
     "without a model this request means none (one must be named) as of 2026-12-02, but dall-e-2 as of 2025-06-01"),
    ("no model", None, TODAY, None),
    ("edit without model", TODAY, TODAY, None),
    ("edit without model", TODAY, date(2026, 6, 1), None),
    ("gpt-image-2", None, SEED_ERA, "gpt-image-2 not released as of 2025-06-01 (first documented 2026-04-21)"),
    ("variation", None, TODAY, "/v1/images/variations retired on 2026-05-12; use /v1/images/edits with a GPT image model"),
    ("unknown", None, TODAY, None),
    ("retired expected", None, TODAY, None),
    ("retired expected", None, SEED_ERA, "gpt-image-1 is not retired as of 2025-06-01 (retired on 2026-10-23)"),
    ("variations retired", None, TODAY, None),
    ("variations retired", None, date(2026, 5, 11), "/v1/images/variations is not retired as of 2026-05-11 (retired on 2026-05-12)"),
])
def test_skip_reason(requests: dict[str, Any], name: str, as_of: date | None, day: date, reason: str | None) -> None:
    assert lifecycle.skip_reason(requests[name], as_of, day) == reason


def test_a_target_that_still_serves_a_retired_model_gets_its_requests(requests: dict[str, Any]) -> None:
    assert lifecycle.skip_reason(requests["dall-e-2"], None, TODAY, serves=["dall-e-2"]) is None
    assert lifecycle.skip_reason(requests["variation"], None, TODAY, serves=["variations", "dall-e-2"]) is None
    assert lifecycle.skip_reason(requests["variation"], None, TODAY, serves=["variations"]) == (
        "dall-e-2 retired on 2026-05-12; use gpt-image-1.5 or later"), "a variation needs dall-e-2 too"
    assert lifecycle.skip_reason(requests["retired expected"], None, TODAY, serves=["gpt-image-1"], target_name="gw") == (
        "gw declares it still serves gpt-image-1")


def test_a_chain_is_skipped_whole(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(
        "name: Chain\nrequests:\n"
        "  - {name: upload, path: /files, form: {fields: {purpose: vision}, files: {file: {png: 64x64}}}, save: {id: id}}\n"
        "  - {name: edit, path: /images/edits, json: {model: gpt-image-1.5, prompt: a, images: [{file_id: '{{id}}'}]}}\n"
        "  - {name: alone, path: /files, form: {fields: {purpose: vision}, files: {file: {png: 64x64}}}}\n"
    )
    collection = load_collection(path)
    upload, edit, alone = collection.requests
    reason = lifecycle.chain_skip_reason(collection.requests, upload, str(path), None, SEED_ERA)
    assert reason == ("part of a chain whose request 'edit' is skipped: gpt-image-1.5 not released as of 2025-06-01 "
                      "(first documented 2026-05-13)")
    assert lifecycle.chain_skip_reason(collection.requests, alone, str(path), None, SEED_ERA) is None
    assert lifecycle.chain_skip_reason(collection.requests, upload, str(path), None, TODAY) is None


@pytest.mark.parametrize(("option", "environ", "named", "day"), [
    ("2025-06-01", {lifecycle.AS_OF_ENV: "2026-01-01"}, TODAY, SEED_ERA),
    (None, {lifecycle.AS_OF_ENV: "2026-01-01"}, TODAY, date(2026, 1, 1)),
    (None, {}, SEED_ERA, SEED_ERA),
])
def test_the_targets_day(option: str | None, environ: dict[str, str], named: date, day: date) -> None:
    assert lifecycle.target_day(option, named, environ) == day


def test_a_bad_day_names_where_it_came_from() -> None:
    with pytest.raises(ImageContractError, match=r"^\$IMAGECONTRACT_AS_OF: 'soon' is not a date"):
        lifecycle.target_day(None, None, {lifecycle.AS_OF_ENV: "soon"})


TARGETS = """\
- name: router
  base_url: {router}
  api_key_env: OPENAI_API_KEY
  serves: [dall-e-2, variations]
- name: old
  base_url: {old}
  api_key_env: OPENAI_API_KEY
  as_of: 2025-06-01
"""


def test_targets_declare_their_day_and_what_they_still_serve(pytester: pytest.Pytester, sandbox: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A gateway serving today's API that still routes dall-e-2 and variations elsewhere gets those requests; a
    target declaring the seed era gets the seed-era ones and skips today's."""
    monkeypatch.delenv(lifecycle.AS_OF_ENV)
    monkeypatch.setenv("OPENAI_API_KEY", "ic-lifecycle-key-0123")
    router = sandbox(as_of=None, still_serves=("dall-e-2", "variations")).base_url
    (pytester.path / "collections").mkdir()
    (pytester.path / "collections" / "targets.yaml").write_text(TARGETS.format(router=router, old=sandbox().base_url))
    (pytester.path / "collections" / "mixed.yaml").write_text(
        "name: Mixed\nas_of: 2025-06-01\nrequests:\n"
        "  - {name: dall-e-2, path: /images/generations, json: {model: dall-e-2, prompt: a, size: 256x256}}\n"
        "  - {name: variation, path: /images/variations, form: {fields: {size: 256x256}, files: {image: {png: 256x256}}}}\n"
        "  - {name: dall-e-3, path: /images/generations, json: {model: dall-e-3, prompt: a}}\n"
        "  - {name: gpt-image-2, path: /images/generations, json: {model: gpt-image-2, prompt: a, size: 512x512, quality: low}}\n"
    )
    routed = pytester.runpytest("collections", "--target", "router", "--live", "-rs", "-p", "no:cacheprovider", "--no-report")
    routed.assert_outcomes(passed=3, skipped=1)
    routed.stdout.fnmatch_lines(["*dall-e-3 retired on 2026-05-12; use gpt-image-1.5 or later*"])
    old = pytester.runpytest("collections", "--target", "old", "--live", "-rs", "-p", "no:cacheprovider", "--no-report")
    old.assert_outcomes(passed=3, skipped=1)
    old.stdout.fnmatch_lines(["*gpt-image-2 not released as of 2025-06-01*"])
