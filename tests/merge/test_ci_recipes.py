"""The CI recipes in `ci/` are valid for their CI (check-jsonschema's vendored schemas) and use real options."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from imagecontract.cli.main import build_parser

REPO = Path(__file__).resolve().parents[2]
RECIPES = {"github-actions.yml": "vendor.github-workflows", "gitlab-ci.yml": "vendor.gitlab-ci"}
BREAKAGES = {
    "github-actions.yml": [("    runs-on: ubuntu-latest\n    timeout-minutes", "    timeout-minutes"),
                           ("      - uses: actions/checkout@v4\n", "      - use: actions/checkout@v4\n")],
    "gitlab-ci.yml": [("  parallel: 3\n", "  parallel: three\n"), ("  when: always\n  script:", "  when: sometimes\n  script:")],
}
"""Per recipe, (text, replacement) edits that each make it invalid: a job without runs-on, a misspelt key, a bad value."""


def check(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_passes_its_ci_schema(name: str) -> None:
    result = check(REPO / "ci" / name, RECIPES[name])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("name", "edit"), [(name, edit) for name, edits in BREAKAGES.items() for edit in edits])
def test_a_broken_copy_fails_the_schema(name: str, edit: tuple[str, str], tmp_path: Path) -> None:
    text = (REPO / "ci" / name).read_text()
    assert edit[0] in text, "the breakage no longer applies to the recipe; update BREAKAGES"
    broken = tmp_path / name
    broken.write_text(text.replace(edit[0], edit[1], 1))
    result = check(broken, RECIPES[name])
    assert result.returncode == 1 and "validation errors" in result.stdout + result.stderr


@pytest.mark.parametrize("name", RECIPES)
def test_a_yaml_syntax_error_fails(name: str, tmp_path: Path) -> None:
    broken = tmp_path / name
    broken.write_text((REPO / "ci" / name).read_text() + "\n  : [unclosed\n")
    assert check(broken, RECIPES[name]).returncode != 0


def commands(name: str) -> list[list[str]]:
    """Every `imagecontract ...` command line of a recipe's scripts, split as a shell would (CI variables kept)."""
    lines = re.findall(r"imagecontract (?:run|merge)[^\n]*(?:\n\s+--[^\n]*)*", (REPO / "ci" / name).read_text())
    return [shlex.split(" ".join(line.split())) for line in lines]


@pytest.mark.parametrize("name", RECIPES)
def test_recipes_shard_in_three_and_merge_with_real_options(name: str) -> None:
    yaml.safe_load((REPO / "ci" / name).read_text())
    run, merge = commands(name)
    assert run[:2] == ["imagecontract", "run"] and merge[:2] == ["imagecontract", "merge"]
    options = {arg for arg in run if arg.startswith("--")}
    assert {"--live", "--target", "--shard", "--budget-url", "--run-id", "--junitxml", "--report"} <= options
    assert "--shard ${{ matrix.shard }}/3" in " ".join(run) or "--shard $CI_NODE_INDEX/$CI_NODE_TOTAL" in " ".join(run)
    parsed = build_parser().parse_args(merge[1:])
    assert parsed.func.__module__ == "imagecontract.cli.merge" and parsed.inputs and parsed.output


def test_run_options_of_the_recipes_exist() -> None:
    """`--shard`, `--budget-url` and the rest are options of `imagecontract run` (pytest with our plugin);
    pytest's own `--junitxml` is listed as `--junit-xml`."""
    help_text = subprocess.run([sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"], cwd=REPO,
                               capture_output=True, text=True, timeout=120).stdout
    used = {arg for name in RECIPES for arg in commands(name)[0] if arg.startswith("--")} - {"--junitxml"}
    assert used and all(re.search(rf"(^|[\s,]){re.escape(option)}[=\s,]", help_text, re.M) for option in used), used
