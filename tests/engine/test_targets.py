"""The targets file: validated on load with file, line and path; names resolved; declared gaps matched."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagecontract.collection.targets import Target, UnknownTarget, Unsupported, load_targets, resolve_target
from imagecontract.errors import CollectionError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "collections").mkdir(exist_ok=True)
    path = tmp_path / "collections" / "targets.yaml"
    path.write_text(text)
    return path


def test_the_shipped_targets_file_is_valid() -> None:
    targets = load_targets(REPO / "collections" / "targets.yaml")
    assert targets.get("sandbox") == Target(
        "sandbox", "http://127.0.0.1:8080/v1", "IMAGECONTRACT_SANDBOX_KEY",
        description=targets.get("sandbox").description,
    )
    assert targets.get("openai").base_url == "https://api.openai.com/v1"
    assert targets.get("openai").api_key_env == "OPENAI_API_KEY"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- name: gw\n  base_url: https://gw.example/v1\n  api_key_env: GW_KEY\n  unsuported: []\n",
         "targets.yaml:1: [0]: unknown key 'unsuported' (did you mean 'unsupported'?); allowed keys: api_key_env,"),
        ("- name: gw\n  base_url: gw.example/v1\n  api_key_env: GW_KEY\n",
         "targets.yaml:2: [0].base_url: 'gw.example/v1' does not have the expected form (an http(s):// base URL"),
        ("- name: gw\n  base_url: https://gw.example/v1\n",
         "targets.yaml:1: [0]: 'api_key_env' is required here"),
        ("- name: gw\n  base_url: https://gw.example/v1\n  api_key_env: GW_KEY\n  unsupported:\n"
         "    - {capability: variations}\n",
         "targets.yaml:5: [0].unsupported[0]: 'reason' is required here"),
        ("name: gw\n", "targets.yaml:1: expected a list, got a mapping"),
        ("- name: gw\n  base_url: https://a/v1\n  api_key_env: A\n- name: gw\n  base_url: https://b/v1\n  api_key_env: B\n",
         "targets.yaml:4: [1].name: duplicate target name 'gw'"),
    ],
)
def test_an_invalid_targets_file_names_file_line_and_path(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CollectionError) as error:
        load_targets(path, display="collections/targets.yaml")
    assert str(error.value).startswith("collections/" + message), str(error.value)


def test_a_url_stays_a_url_without_a_targets_file(tmp_path: Path) -> None:
    target = resolve_target("http://127.0.0.1:9/v1", tmp_path)
    assert (target.base_url, target.api_key_env, target.unsupported) == ("http://127.0.0.1:9/v1", "", ())


def test_an_unknown_name_lists_the_known_ones_with_a_suggestion(tmp_path: Path) -> None:
    write(tmp_path, "- {name: sandbox, base_url: 'http://127.0.0.1:8080/v1', api_key_env: K}\n"
                    "- {name: openai, base_url: 'https://api.openai.com/v1', api_key_env: OPENAI_API_KEY}\n")
    with pytest.raises(UnknownTarget, match=r"--target 'sandbx': no such target in collections/targets.yaml "
                                            r"\(did you mean 'sandbox'\?\); known targets: sandbox, openai"):
        resolve_target("sandbx", tmp_path)
    assert resolve_target("openai", tmp_path).api_key_env == "OPENAI_API_KEY"


def test_a_name_without_a_targets_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(UnknownTarget, match="no targets file collections/targets.yaml"):
        resolve_target("sandbox", tmp_path)


@pytest.mark.parametrize(
    ("capability", "nodeid", "marks", "matches"),
    [
        ("variations", "collections/contract/variations.yaml::dall-e-2 url 256x256", {"variations", "dall_e_2"}, True),
        ("edits and dall_e_2", "collections/contract/edits.yaml::x", {"edits", "gpt_image_1"}, False),
        ("edits and not gpt_image_1", "collections/contract/edits.yaml::x", {"edits", "dall_e_2"}, True),
        ("errors.yaml::wrong API key", "collections/contract/errors.yaml::wrong API key", {"error"}, True),
        ("dall-e-3 url", "collections/contract/generations.yaml::dall-e-3 url 1024x1024", {"generations"}, True),
        ("dall-e-3 url", "collections/contract/generations.yaml::dall-e-2 url 256x256", {"generations"}, False),
    ],
)
def test_a_capability_is_a_mark_expression_or_part_of_a_test_id(
    capability: str, nodeid: str, marks: set[str], matches: bool
) -> None:
    assert Unsupported(capability, "r").matches(nodeid, marks) is matches


def test_skip_reason_names_the_target() -> None:
    target = Target("gw", "https://gw/v1", "GW_KEY", (Unsupported("variations", "no variations endpoint"),))
    assert target.skip_reason("a.yaml::b", ["variations"]) == "declared unsupported by gw: no variations endpoint"
    assert target.skip_reason("a.yaml::b", ["edits"]) is None
