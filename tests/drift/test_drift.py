"""`imagecontract drift`: silent against the vendored spec and the installed SDK, and naming each change on a
spec that moved; plus the SDK's own literals, each known to the rules table."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
import yaml

from imagecontract import rules
from imagecontract.cli.main import main
from imagecontract.drift import expected, from_spec, literals

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "images-2.3.0.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["drift", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_vendored_spec_and_the_installed_sdk_agree_with_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--spec", str(SPEC), "--sdk") == (0, "", "")
    assert run(capsys) == (0, "", ""), "--sdk is the default"


def test_a_spec_with_a_model_added_and_a_value_removed_names_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = yaml.safe_load(SPEC.read_text())
    request = document["components"]["schemas"]["CreateImageRequest"]["properties"]
    request["model"]["anyOf"][1]["enum"].append("gpt-image-3")
    request["quality"]["enum"].remove("hd")
    moved = tmp_path / "moved.yaml"
    moved.write_text(yaml.safe_dump(document))
    code, out, err = run(capsys, "--spec", str(moved))
    assert code == 1 and err == ""
    assert out.splitlines() == [
        "spec moved.yaml (2.3.0, 2026-08-21): generations.model: gpt-image-3 is new (the rules table lacks it)",
        "spec moved.yaml (2.3.0, 2026-08-21): generations.quality: hd is gone (the rules table still has it)",
    ]


def test_a_changed_limit_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = yaml.safe_load(SPEC.read_text())
    document["components"]["schemas"]["EditImageBodyJsonParam"]["properties"]["images"]["maxItems"] = 20
    moved = tmp_path / "moved.json"
    moved.write_text(yaml.safe_dump(document))
    code, out, _ = run(capsys, "--spec", str(moved))
    assert (code, out.strip()) == (1, "spec moved.json (2.3.0, 2026-08-21): input_images: 20 (the rules table says 16)")


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read the spec (No such file or directory)"),
    ("[1, 2]", "expected an OpenAPI document (a mapping), got list"),
    ("openapi: 3.1.0\n", "not an OpenAPI document of the images API: no 'components'"),
    ("a: [", "not YAML or JSON: while parsing a flow node"),
])
def test_a_bad_spec_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None,
                                      message: str) -> None:
    path = tmp_path / "spec.yaml"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "--spec", str(path))
    assert (code, out) == (2, "")
    assert err == f"imagecontract: error: {path}: {message}\n"


def test_the_table_predicts_what_the_spec_of_its_day_lists() -> None:
    """The dated table, queried as of the spec's day, gives exactly the spec's lists (no hand-kept copy)."""
    found = from_spec(yaml.safe_load(SPEC.read_text()))
    assert expected("spec", rules.SPEC_2026_05_DAY.replace(month=8, day=21)) == found
    assert "gpt-image-2.5-flare" not in found["generations.model"] and "dall-e-2" in found["generations.model"]


SDK_LITERALS = {
    "model": ("openai.types.image_model", "ImageModel", None),
    "generate quality": ("openai.types.image_generate_params", "ImageGenerateParamsBase", "quality"),
    "generate size": ("openai.types.image_generate_params", "ImageGenerateParamsBase", "size"),
    "generate output_format": ("openai.types.image_generate_params", "ImageGenerateParamsBase", "output_format"),
    "edit quality": ("openai.types.image_edit_params", "ImageEditParamsBase", "quality"),
    "edit size": ("openai.types.image_edit_params", "ImageEditParamsBase", "size"),
    "edit output_format": ("openai.types.image_edit_params", "ImageEditParamsBase", "output_format"),
    "variation size": ("openai.types.image_create_variation_params", "ImageCreateVariationParams", "size"),
}
KNOWN = {
    "model": set(rules.MODELS),
    "quality": {quality for row in rules.MODEL_ROWS for quality in row.qualities},
    "size": {size for row in rules.MODEL_ROWS for size in row.sizes},
    "output_format": {fmt for row in rules.MODEL_ROWS for fmt in row.output_formats},
}


@pytest.mark.parametrize("name", SDK_LITERALS)
def test_every_sdk_literal_is_known_to_the_rules_table(name: str) -> None:
    import importlib

    module, owner, field = SDK_LITERALS[name]
    target = getattr(importlib.import_module(module), owner)
    annotation = target if field is None else typing.get_type_hints(target, include_extras=True)[field]
    values = literals(annotation)
    assert values, f"{name}: no literals read"
    unknown = sorted(values - KNOWN[name.rsplit(" ", 1)[-1]])
    assert unknown == [], f"the SDK's {name} literals the rules table does not know: {', '.join(unknown)}"
