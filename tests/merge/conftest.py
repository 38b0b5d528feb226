"""Real shards: the bundled suite replayed from cassettes once whole and once split in three, once per session.

The target `gw` declares variations unsupported (skipped in setup) and `--var numberOfImages=2` changes the
Postman mirror's requests so four of them fail against their cassettes: the runs hold passes, failures and
both kinds of skip. Shards are cut with `--deselect` (by collection file, so a chain stays in one shard) in
an order that interleaves them, so a merge must really sort.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
KEY = "ic-merge-gateway-key-0123456789"
TARGETS = "\n- name: gw\n  base_url: https://gw.example/v1\n  api_key_env: GW_KEY\n  unsupported:\n" \
          "    - capability: variations\n      reason: no variations route\n"
CONTRACT = "collections/contract/"
LEGACY = "collections/legacy/"
FILES = [f"{CONTRACT}chain.yaml", f"{CONTRACT}edits.yaml", f"{CONTRACT}errors.yaml", f"{CONTRACT}generations.yaml",
         f"{CONTRACT}lifecycle.yaml", f"{CONTRACT}streaming.yaml", f"{LEGACY}chain.yaml", f"{LEGACY}edits.yaml",
         f"{LEGACY}errors.yaml", f"{LEGACY}generations.yaml", f"{LEGACY}postman_mirror.yaml", f"{LEGACY}variations.yaml"]
SHARDS = {
    "shard1": [f"{CONTRACT}errors.yaml"],
    "shard2": [f"{CONTRACT}chain.yaml", f"{CONTRACT}generations.yaml", f"{LEGACY}chain.yaml"],
    "shard3": [f"{CONTRACT}edits.yaml", f"{CONTRACT}lifecycle.yaml", f"{CONTRACT}streaming.yaml", f"{LEGACY}edits.yaml",
               f"{LEGACY}errors.yaml", f"{LEGACY}generations.yaml", f"{LEGACY}postman_mirror.yaml", f"{LEGACY}variations.yaml"],
}
"""Each shard keeps these files; the collection order interleaves shard 2 and shard 3."""
GW_ARGS = ["--target", "gw", "--var", "numberOfImages=2"]
OPENAI_ARGS = ["--target", "openai", "-k", "variation"]
"""The second matrix column: the same suite's variation requests against a target that supports them."""


@dataclass(frozen=True)
class Runs:
    """Where each run wrote its reports, below `root` (the copied project)."""

    root: Path

    def summary(self, name: str) -> dict[str, Any]:
        return json.loads((self.root / name / "summary.json").read_text())


def _run(out: str, args: list[str]) -> None:
    """One replay in this process (a subprocess per run would spend most of its time importing)."""
    code = pytest.main(["collections", "-q", "-p", "no:cacheprovider", "--replay-pace", "instant",
                        "--report", f"{out}/report.html", "--junitxml", f"{out}/junit.xml", *args])
    assert code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), f"{out}: pytest exit {code}"


def deselect_all_but(kept: list[str]) -> list[str]:
    return [arg for name in FILES if name not in kept for arg in ("--deselect", name)]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Against `gw`: `full/` (unsharded) and `shard1..3/`; against `openai`, the variation requests for a second
    matrix column: `openai-full/` and `openai1..2/`."""
    project = tmp_path_factory.mktemp("suite")
    for name in ("collections", "cassettes", "schemas"):
        shutil.copytree(REPO / name, project / name)
    with (project / "collections" / "targets.yaml").open("a") as targets:
        targets.write(TARGETS)
    jobs = {"full": GW_ARGS, **{name: [*GW_ARGS, *deselect_all_but(kept)] for name, kept in SHARDS.items()},
            "openai-full": OPENAI_ARGS,
            "openai1": [*OPENAI_ARGS, *deselect_all_but([f"{LEGACY}errors.yaml", f"{LEGACY}variations.yaml",
                                                         f"{CONTRACT}lifecycle.yaml"])],
            "openai2": [*OPENAI_ARGS, *deselect_all_but([f"{LEGACY}chain.yaml", f"{LEGACY}postman_mirror.yaml"])]}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        patch.setenv("GW_KEY", KEY)
        patch.delenv("OPENAI_BASE_URL", raising=False)
        for name, args in jobs.items():
            _run(name, args)
    return Runs(project)
