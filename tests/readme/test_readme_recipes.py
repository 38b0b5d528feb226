"""Every command README.md shows is run here as written, against sandboxes, or named below with why it cannot be.

Commands run in a copy of the project (collections, schemas, cassettes) with the installed `imagecontract`, through
bash, so `VAR=value` prefixes, quotes and globs mean what they mean in a terminal. The only change: the README's
ports 8080 and 8081 become free ports (in the commands and the copy's `targets.yaml`), so parallel runs never meet.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

from readme_commands import expected_exit, readme_commands
from services import free_port

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
POSTMAN = REPO / "tests" / "fixtures" / "postman" / "OpenAI API images.postman_collection.json"
BIN = Path(sys.executable).parent

NOT_RUN = {
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/imagecontract run": "run by .ci/run itself",
    "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest -n 2": "run by .ci/run itself",
    "OPENAI_API_KEY=... imagecontract run --live": "needs the public API and a key",
    "imagecontract run --live --target https://gateway.example/v1 --api-key-env GATEWAY_KEY": "needs your gateway",
    "imagecontract run --live --target my-gateway": "needs your gateway's entry in targets.yaml",
    "imagecontract run --live --target my-gateway --api-key-env OTHER": "needs your gateway's entry in targets.yaml",
    "imagecontract run --live --target https://gw.example/v1": "needs your gateway",
    "imagecontract matrix --target openai --target my-gateway --target azure=https://proxy.example/openai/v1 "
    "--reference openai --live": "needs the public API and two gateways",
    "imagecontract run --live --target openai --shard ${{ matrix.shard }}/3 --budget-url "
    '"${{ secrets.IMAGECONTRACT_BUDGET_URL }}" --run-id "${{ github.run_id }}" --rate-limit 50 --max-images 200 '
    "--report reports/shard-${{ matrix.shard }}/report.html --junitxml reports/shard-${{ matrix.shard }}/junit.xml":
    "a GitHub Actions template with the public API; tests/merge/test_ci_recipes.py checks the workflow",
    **dict.fromkeys([
        "IMAGECONTRACT_UPSTREAM_KEY=sk-upstream-... OPENAI_API_KEY=<the gateway's client key> imagecontract verify-gateway "
        "--gateway http://127.0.0.1:4000/v1 --upstream-port 8081 [pytest args, e.g. -k edits]",
        "python3 -m venv .cache/litellm-venv && .cache/litellm-venv/bin/pip install 'litellm[proxy]==1.108.7'",
        "cat > litellm.yaml <<'YAML'",
        "export IMAGECONTRACT_UPSTREAM_KEY=sk-up-Hc4Rt8Vw2Lq6Zn9Jx3Bf LITELLM_LOCAL_MODEL_COST_MAP=True",
        ".cache/litellm-venv/bin/litellm --config litellm.yaml --host 127.0.0.1 --port 4000 &",
        "OPENAI_API_KEY=sk-lt-Wq8Zr3Nv6Xk2Jb9Tm5Pd imagecontract verify-gateway --gateway http://127.0.0.1:4000/v1 "
        "--upstream-port 8081 collections/contract",
        'imagecontract serve --port 8081 --latency-scale 0 --api-key "$IMAGECONTRACT_UPSTREAM_KEY" &',
        "OPENAI_API_KEY=sk-lt-Wq8Zr3Nv6Xk2Jb9Tm5Pd imagecontract matrix --target litellm=http://127.0.0.1:4000/v1 "
        "--live --upstream http://127.0.0.1:8081 collections/contract",
    ], "a gateway in sandwich mode: LiteLLM is installed from PyPI by .ci/run (never by a test); "
       "tests/gateway/test_litellm.py and test_verify_gateway_command.py run these"),
    "imagecontract scan-secrets PATH... [--key-env NAME ...] [--exclude GLOB ...]": "a synopsis; tests/security runs the scanner",
}
SERVE = "imagecontract serve --port 8080 --latency-scale 0 --api-key sk-local-0123456789 &"
SERVE_CLAMPED = "imagecontract serve --port 8081 --latency-scale 0 --api-key sk-local-0123456789 --fault clamp-n=1 &"
REPLAY = "imagecontract run"
SELECT = 'imagecontract run -m "generations and gpt_image_1_5"'
SERVE_SEED = "imagecontract serve --port 8081 --latency-scale 0 --as-of 2025-06-01 --api-key sk-local-0123456789 &"
RUN_SEED = ("OPENAI_API_KEY=sk-local-0123456789 imagecontract run collections/legacy --live "
            "--target http://127.0.0.1:8081/v1 --as-of 2025-06-01")
DRIFT = "imagecontract drift"
RUN_URL = "OPENAI_API_KEY=sk-local-0123456789 imagecontract run --live --target http://127.0.0.1:8080/v1"
RUN_NAMED = "IMAGECONTRACT_SANDBOX_KEY=sk-local-0123456789 imagecontract run --live --target sandbox"
RECORD_MISSING = "imagecontract run --record-mode once --target URL"
RECORD_SANDBOX = "imagecontract record --sandbox"
MATRIX_LIVE = ("IMAGECONTRACT_SANDBOX_KEY=sk-local-0123456789 OPENAI_API_KEY=sk-local-0123456789 imagecontract matrix --target sandbox "
               "--target clamped=http://127.0.0.1:8081/v1 --reference sandbox --live")
MATRIX_REPLAY = "imagecontract matrix --target sandbox --reference sandbox collections/contract"
MATRIX_RECORD = ("IMAGECONTRACT_SANDBOX_KEY=sk-local-0123456789 imagecontract run --record-mode once --target sandbox "
                 "--cassette-dir cassettes/sandbox collections/contract")
IMPORT = 'imagecontract import-postman "OpenAI API images.postman_collection.json" -o collections/openai_images.yaml'
EXPORT = "imagecontract export-postman collections/legacy/postman_mirror.yaml -o build/mirror.postman_collection.json"
MERGE = "imagecontract merge shards/* -o reports/"
MERGE_EXPECTING = "imagecontract merge shards/* -o reports/ --expect-tests tests.txt"
RUN_HERE = [SERVE, SERVE_CLAMPED, REPLAY, SELECT, RUN_URL, RUN_NAMED, SERVE_SEED, RUN_SEED, DRIFT, RECORD_MISSING,
            RECORD_SANDBOX, MATRIX_LIVE, MATRIX_REPLAY, MATRIX_RECORD, IMPORT, EXPORT, MERGE, MERGE_EXPECTING]


def test_every_readme_command_is_run_here_or_says_why_not() -> None:
    shown = readme_commands(README)
    unaccounted = [command for command in shown if command not in RUN_HERE and command not in NOT_RUN]
    assert not unaccounted, f"README commands no test runs (add them to RUN_HERE or NOT_RUN): {unaccounted}"
    gone = [command for command in [*RUN_HERE, *NOT_RUN] if command not in shown]
    assert not gone, f"commands this file runs that README.md no longer shows: {gone}"


class Project:
    """A copy of the project with the README's ports moved to free ones, and a terminal to type commands into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = {"8080": str(free_port()), "8081": str(free_port())}
        self.servers: list[subprocess.Popen[str]] = []
        for name in ("collections", "schemas", "cassettes"):
            shutil.copytree(REPO / name, root / name)
        targets = root / "collections" / "targets.yaml"
        targets.write_text(self.localize(targets.read_text(encoding="utf-8")), encoding="utf-8")
        self.env = {name: value for name, value in os.environ.items()
                    if name not in ("OPENAI_API_KEY", "IMAGECONTRACT_SANDBOX_KEY", "OPENAI_BASE_URL", "IMAGECONTRACT_AS_OF")}
        self.env["PATH"] = f"{BIN}{os.pathsep}{self.env.get('PATH', '')}"

    def localize(self, text: str) -> str:
        return re.sub(r"(127\.0\.0\.1:|--port )(8080|8081)\b", lambda match: match.group(1) + self.ports[match.group(2)], text)

    def type(self, command: str, **replace: str) -> subprocess.CompletedProcess[str]:
        """Run one README command as a terminal would; a command ending in `&` starts a server and returns."""
        line = self.localize(command)
        for placeholder, value in replace.items():
            line = line.replace(placeholder, value)
        if line.endswith("&"):
            server = subprocess.Popen(shlex.split(line[:-1]), cwd=self.root, env=self.env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self.servers.append(server)
            first = server.stdout.readline() if server.stdout else ""
            assert "serving http://127.0.0.1:" in first, first
            return subprocess.CompletedProcess(line, 0, first, "")
        return subprocess.run(["bash", "-c", line], cwd=self.root, env=self.env, text=True, capture_output=True,
                              timeout=900)

    def stop(self) -> None:
        for server in self.servers:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    copy = Project(tmp_path)
    yield copy
    copy.stop()


def as_documented(project: Project, command: str, occurrence: int = 0, **replace: str) -> str:
    """Run `command`; it must end with the exit code the README gives its `occurrence`-th showing (0 unless its
    comment says otherwise), with no traceback."""
    done = project.type(command, **replace)
    out = done.stdout + done.stderr
    assert done.returncode == expected_exit(README, command, occurrence), f"{command}\n{out[-4000:]}"
    assert "Traceback" not in out, out[-4000:]
    return out


def green(out: str) -> None:
    last = out.strip().splitlines()[-1]
    assert " passed" in last and "failed" not in last and "error" not in last, out[-4000:]


def test_replay_and_selection(project: Project) -> None:
    green(as_documented(project, REPLAY))
    green(as_documented(project, SELECT))
    for fragment in ("-m error", "-k variation"):
        green(as_documented(project, f"imagecontract run {fragment}"))


def test_the_sandbox_by_url_and_by_name(project: Project) -> None:
    as_documented(project, SERVE)
    green(as_documented(project, RUN_URL))
    green(as_documented(project, RUN_NAMED))


def test_the_seed_era_beside_today(project: Project) -> None:
    """The legacy profile against a sandbox serving 2025-06-01; today's sandbox skips those requests (above)."""
    as_documented(project, SERVE_SEED)
    green(as_documented(project, RUN_SEED))


def test_drift_is_silent_while_the_rules_table_matches_the_sources(project: Project) -> None:
    assert as_documented(project, DRIFT).strip() == ""


def test_record_once_with_every_cassette_recorded_needs_no_key_and_sends_nothing(project: Project) -> None:
    as_documented(project, SERVE)
    url = f"http://127.0.0.1:{project.ports['8080']}/v1"
    green(as_documented(project, RECORD_MISSING, URL=url))
    import httpx

    assert httpx.get(f"http://127.0.0.1:{project.ports['8080']}/_sandbox/stats").json()["requests"] == 0


def test_record_every_cassette_from_the_sandbox(project: Project) -> None:
    green(as_documented(project, RECORD_SANDBOX))
    green(as_documented(project, REPLAY))


def test_the_matrix_recipe(project: Project) -> None:
    as_documented(project, SERVE)
    as_documented(project, SERVE_CLAMPED)
    out = as_documented(project, MATRIX_LIVE)
    assert re.search(r"matrix of \d+ capabilities x 2 targets, [1-9]\d* failing cells", out), out
    as_documented(project, MATRIX_REPLAY)
    hint = (project.root / "reports" / "matrix.json").read_text(encoding="utf-8")
    assert "record it with: imagecontract run --record-mode once --target sandbox --cassette-dir cassettes/sandbox" in hint
    green(as_documented(project, MATRIX_RECORD))
    out = as_documented(project, MATRIX_REPLAY, occurrence=1)
    assert ", 0 failing cells" in out, out


def test_postman_import_and_export(project: Project) -> None:
    """The seed's own collection, imported as the README says, passes the seed-era sandbox at a size smaller than its
    1024x1024 uploads and at the uploads' size (an edit resized by the API is judged at the answer's scale)."""
    shutil.copy(POSTMAN, project.root)
    out = as_documented(project, IMPORT)
    assert (project.root / "collections" / "openai_images.yaml").is_file(), out
    as_documented(project, SERVE_SEED)
    for size in ("256x256", "1024x1024"):
        green(as_documented(project, f'OPENAI_API_KEY=sk-local-0123456789 imagecontract run --live --target '
                                     f'http://127.0.0.1:8081/v1 --as-of 2025-06-01 collections/openai_images.yaml '
                                     f'--var prompt="a cat" --var numberOfImages=2 --var size={size}'))
    as_documented(project, EXPORT)
    assert (project.root / "build" / "mirror.postman_collection.json").is_file()


def test_merging_shards(project: Project) -> None:
    for shard in (1, 2):
        green(as_documented(project, f"imagecontract run --shard {shard}/2 --report shards/{shard}/report.html"))
    assert project.type("imagecontract run --collect-only -q --no-report > tests.txt").returncode == 0
    as_documented(project, MERGE)
    as_documented(project, MERGE_EXPECTING)
    assert (project.root / "reports" / "report.html").is_file()
