"""The collection loader: valid files model correctly, invalid ones fail with file, line, path and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from imagecontract.collection.loader import load_collection
from imagecontract.collection.model import NOT_COLLECTIONS, slugify
from imagecontract.errors import CollectionError

REPO = Path(__file__).resolve().parents[2]

VALID = """\
name: demo
variables: {prompt: a cat}
defaults:
  headers: {X-Suite: imagecontract}
  expect: {status: 200}
  tags: [smoke]
requests:
  - name: generate
    path: /images/generations
    json: {prompt: "{{prompt}}"}
    save: {first: {image: 0}}
  - name: edit
    path: /images/edits
    tags: [edit_flow]
    expect: {status: 400}
    form:
      fields: {prompt: x}
      files:
        image: {saved: first}
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_collection_applies_defaults(tmp_path: Path) -> None:
    collection = load_collection(write(tmp_path, VALID))
    generate, edit = collection.requests
    assert collection.name == "demo"
    assert generate.headers == {"X-Suite": "imagecontract"}
    assert generate.expect == {"status": 200}
    assert edit.expect == {"status": 400}
    assert edit.tags == ("smoke", "edit_flow")
    assert edit.saved_uploads == ["first"]
    assert collection.producer_of("first") is generate
    assert generate.endpoint == "generations" and edit.endpoint == "edits"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nrequests:\n  - name: a\n    path: /images/generations\n    expcet: {}\n",
         "c.yaml:3: requests[0]: unknown key 'expcet' (did you mean 'expect'?)"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n    expect:\n      images: {size: '512'}\n",
         "c.yaml:6: requests[0].expect.images.size: '512' does not have the expected form (a size such as 512x512"),
        ("name: x\nrequests:\n  - name: a\n    json: {}\n", "c.yaml:3: requests[0]: needs exactly one of 'path', 'url'"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n    expect: {status: '200'}\n",
         "requests[0].expect.status: expected an integer, got a string '200'"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n    form:\n      files:\n        image: {png: 512x512, alfa: true}\n",
         "requests[0].form.files.image: unknown key 'alfa' (did you mean 'alpha'?)"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n  - name: a\n    path: /i\n",
         "requests[1].name: duplicate request name 'a' (also requests[0])"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n    form:\n      files:\n        image: {saved: nope}\n",
         "requests[0].form.files: uploads saved image 'nope', but no earlier request saves it"),
        ("name: x\nrequests:\n\t- name: a\n", "YAML does not allow tabs for indentation, indent with spaces"),
        ("name: x\nname: y\nrequests: []\n", "duplicate key 'name' (first at line 1)"),
        ("- just\n- a list\n", "expected a mapping with 'name' and 'requests', got list"),
        ("", "expected a mapping with 'name' and 'requests', got an empty file"),
        ("name: x\nrequests: []\n", "requests: [] should be non-empty"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n    json: {}\n    form: {}\n", "use only one body: 'json', 'form' or 'body'"),
        ("name: x\nrequests:\n  - name: a\n    path: images\n", "'images' does not have the expected form (a path starting with /"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n    method: FETCH\n", "expected one of GET, POST, PUT, PATCH, DELETE, got 'FETCH'"),
        ("name: x\nrequests:\n  - name: a\n    path: /i\n    repeat: 0\n", "requests[0].repeat: 0 is less than the minimum of 1"),
        ("name: x\nrequests: [{name: a, path: /i, auth: {bearer_env: 'no such'}}]\n", "requests[0].auth"),
        ("name: [unclosed\n", "invalid YAML"),
    ],
)
def test_invalid_collections_name_file_location_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(CollectionError) as caught:
        load_collection(write(tmp_path, text), display="c.yaml")
    assert expected in str(caught.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(CollectionError, match="file not found"):
        load_collection(tmp_path / "absent.yaml")
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(CollectionError, match="not UTF-8"):
        load_collection(binary)


SHIPPED = sorted(path for path in (REPO / "collections").rglob("*.yaml") if path.name not in NOT_COLLECTIONS)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_collections_load(path: Path) -> None:
    assert load_collection(path).requests


def test_postman_mirror_has_the_six_requests_and_variables() -> None:
    mirror = load_collection(REPO / "collections" / "postman_mirror.yaml")
    assert [spec.name for spec in mirror.requests] == [
        "Image generations [URL]", "Image generations [IMG]", "Create image edit [URL]",
        "Create image edit [IMG]", "Create image variation [URL]", "Create image variation [IMG]",
    ]
    assert set(mirror.variables) == {"prompt", "numberOfImages", "size"}


def test_slugify() -> None:
    assert slugify("Image generations [URL]") == "image-generations-url"
    assert slugify("gpt-image-1.5 1536x1024") == "gpt-image-1-5-1536x1024"
    assert slugify("***").startswith("unnamed-") and slugify("***") != slugify("???")


@pytest.mark.parametrize(("name", "slug"), [
    ("生成", "生成"), ("🐱", "cat-face"), ("🐶 gen", "dog-face-gen"), ("café ☕️", "café-hot-beverage"), ("नमस्ते", "नमस्ते"),
])
def test_slugify_keeps_names_in_any_script_readable(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["x" * 322, "生成" * 200, "gen " * 100])
def test_slugify_bounds_a_long_name_and_keeps_it_unique(name: str) -> None:
    slug = slugify(name)
    assert len(slug.encode()) <= 96 and slug == slugify(name) and slug != slugify(name + "!")
    assert slug.startswith(slugify(name[:20])[:10])


def test_the_bundled_cassettes_keep_their_file_names() -> None:
    from imagecontract.run.engine import RunSettings

    settings = RunSettings(cassette_dir=REPO / "cassettes")
    files = [settings.cassette_path(load_collection(path), spec)
             for path in sorted((REPO / "collections").rglob("*.yaml")) if path.name != "targets.yaml"
             for spec in load_collection(path).requests]
    assert len(files) > 40 and [path for path in files if not path.is_file()] == []


def test_cassette_slug_keeps_the_path_below_collections() -> None:
    from imagecontract.collection.loader import Collection

    def slug(path: str) -> str:
        return Collection(name="x", path=Path(path), requests=()).slug

    assert slug("/repo/collections/contract/errors.yaml") == "contract/errors"
    assert slug("collections/postman_mirror.yaml") == "postman-mirror"
    assert slug("elsewhere/demo.yaml") == "demo"


def test_readme_collection_example_is_valid(tmp_path: Path) -> None:
    """The format documented in README.md loads as written."""
    readme = (REPO / "README.md").read_text()
    example = readme.split("## Collections", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    collection = load_collection(write(tmp_path, example))
    assert [spec.name for spec in collection.requests] == ["generate", "edit the result"]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml (pip install pyyaml with libyaml-dev)")
def test_collections_are_parsed_once_by_libyaml_and_keep_their_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from imagecontract.collection import yamlsource

    parsers: list[type] = []
    real = yamlsource._parse
    monkeypatch.setattr(yamlsource, "_parse", lambda text, loader: parsers.append(loader) or real(text, loader))
    path = tmp_path / "c.yaml"
    path.write_text("name: c\nrequests:\n  - name: a\n    path: /images/generations\n    json: {model: dall-e-2}\n")
    document = yamlsource.read_yaml(path)
    assert parsers == [yamlsource._FastLoader] and issubclass(yamlsource._FastLoader, yaml.CSafeLoader)
    assert document.data["requests"][0]["json"] == {"model": "dall-e-2"}
    assert document.line_of(["requests", 0, "json", "model"]) == 5
