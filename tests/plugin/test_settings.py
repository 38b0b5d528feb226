"""Option values -> RunSettings without pytest: the target default chain, the key variable, the budget store."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagecontract.cassettes.modes import RecordMode
from imagecontract.collection.loader import load_collection
from imagecontract.errors import ImageContractError
from imagecontract.settings import PUBLIC_API_BASE_URL, OptionValues, estimated_images, resolve

TARGETS = """\
- name: gateway
  base_url: http://127.0.0.1:9/v1
  api_key_env: GATEWAY_KEY
"""


def test_the_target_chain_and_key_variable(tmp_path: Path) -> None:
    (tmp_path / "collections").mkdir()
    (tmp_path / "collections" / "targets.yaml").write_text(TARGETS)
    assert resolve(OptionValues(), tmp_path, {}).settings.target == PUBLIC_API_BASE_URL
    from_env = resolve(OptionValues(), tmp_path, {"OPENAI_BASE_URL": "http://127.0.0.1:8/v1"}).settings
    assert (from_env.target, from_env.api_key_env) == ("http://127.0.0.1:8/v1", "OPENAI_API_KEY")
    named = resolve(OptionValues(target="gateway"), tmp_path, {"OPENAI_BASE_URL": "http://127.0.0.1:8/v1"})
    assert (named.settings.target, named.settings.api_key_env, named.target.name) == (
        "http://127.0.0.1:9/v1", "GATEWAY_KEY", "gateway")
    assert resolve(OptionValues(target="gateway", api_key_env="MINE"), tmp_path, {}).settings.api_key_env == "MINE"
    assert named.settings.record_command == "imagecontract run --record-mode once --target gateway"


def test_replay_opens_no_budget_and_recording_opens_one_it_removes_later(tmp_path: Path) -> None:
    replay = resolve(OptionValues(), tmp_path, {})
    assert (replay.settings.image_budget, replay.run_id, replay.fresh_store) == (None, None, None)
    recording = resolve(OptionValues(record_mode="once", max_images=3), tmp_path, {})
    assert recording.settings.image_budget is not None and recording.settings.image_budget.max_images == 3
    assert recording.fresh_store == tmp_path / ".imagecontract" / f"budget-{recording.run_id}.sqlite"
    shared = resolve(OptionValues(live=True), tmp_path, {"GITHUB_RUN_ID": "42"})
    assert (shared.run_id, shared.fresh_store) == ("42", None)
    worker = resolve(OptionValues(live=True), tmp_path, {}, worker=True)
    assert worker.fresh_store is None


@pytest.mark.parametrize(("values", "message"), [
    (OptionValues(concurrency=2), "--concurrency needs --live"),
    (OptionValues(concurrency=2, live=True, numprocesses=2), "--concurrency and -n both"),
    (OptionValues(shard="3/2"), "--shard '3/2': K must be between 1 and N"),
    (OptionValues(record_mode="rewrite"), "--record-mode rewrite: imagecontract records with one of none, once"),
    (OptionValues(live=True, budget_url="memcached://127.0.0.1:1"), "--budget-url 'memcached://127.0.0.1:1'"),
])
def test_bad_values_are_one_error_each(tmp_path: Path, values: OptionValues, message: str) -> None:
    with pytest.raises(ImageContractError, match="^" + message.replace("(", r"\(")):
        resolve(values, tmp_path, {})


def test_the_estimate_counts_only_requests_that_reach_the_target(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "name: C\nrequests:\n"
        "  - {name: two, path: /images/generations, json: {prompt: a, n: 2}}\n"
        "  - {name: three, path: /images/generations, json: {prompt: a, n: 3}}\n"
    )
    collection = load_collection(tmp_path / "c.yaml")
    requests = [(collection, spec) for spec in collection.requests]
    settings = resolve(OptionValues(record_mode="once"), tmp_path, {}).settings
    assert settings.record_mode is RecordMode.ONCE and estimated_images(settings, requests) == 5
    recorded = settings.cassette_path(collection, collection.requests[0])
    recorded.parent.mkdir(parents=True)
    recorded.write_text("interactions: []\n")
    assert estimated_images(settings, requests) == 3
    settings.record_mode = RecordMode.NEW_EPISODES
    assert estimated_images(settings, requests) == 5
