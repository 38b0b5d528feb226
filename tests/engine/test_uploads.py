"""Uploads: generated images are real, deterministic and as asked; bad specs fail with the place."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from imagecontract.collection.environment import load_environment
from imagecontract.errors import CollectionError, FixtureError
from imagecontract.run.uploads import file_part


def part(spec: dict, tmp_path: Path = Path("."), saved: dict | None = None):
    return file_part("image", spec, base_dir=tmp_path, saved=saved or {}, where="c.yaml: requests[0].form.files.image")


def test_generated_png_with_alpha_is_real_and_deterministic() -> None:
    first = part({"png": "512x256", "alpha": True})
    second = part({"png": "512x256", "alpha": True})
    assert first.data == second.data
    image = Image.open(io.BytesIO(first.data))
    assert (image.format, image.size, image.mode) == ("PNG", (512, 256), "RGBA")
    assert image.getpixel((256, 128))[3] == 0 and image.getpixel((2, 2))[3] == 255
    assert first.content_type == "image/png" and first.filename == "image.png"
    assert len(first.data) < 20_000


def test_mask_is_opaque_with_transparent_centre() -> None:
    image = Image.open(io.BytesIO(part({"png": "256x256", "mask": True}).data))
    assert image.getpixel((128, 128))[3] == 0 and image.getpixel((0, 0))[3] == 255


@pytest.mark.parametrize(("kind", "pil"), [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_other_formats(kind: str, pil: str) -> None:
    generated = part({kind: "64x64"})
    assert Image.open(io.BytesIO(generated.data)).format == pil


def test_padding_makes_an_oversized_png() -> None:
    data = part({"png": "64x64", "pad_to_bytes": 4_300_000}).data
    assert len(data) >= 4_300_000
    assert Image.open(io.BytesIO(data)).size == (64, 64)


def test_fixture_and_saved_and_text(tmp_path: Path) -> None:
    (tmp_path / "cat.png").write_bytes(b"\x89PNG fake")
    assert part({"fixture": "cat.png", "content_type": "image/png"}, tmp_path).data == b"\x89PNG fake"
    assert part({"saved": "first"}, saved={"first": b"bytes"}).data == b"bytes"
    assert part({"text": "not an image"}).content_type == "text/plain"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"fixture": "missing.png"}, "requests[0].form.files.image.fixture: file 'missing.png' not found"),
        ({"fixture": "fake.png"}, "requests[0].form.files.image.fixture: 'fake.png' is not a valid image .*; "
                                  "to upload it anyway as an invalid image, give its content_type"),
        ({"saved": "first"}, "image 'first' was not saved"),
        ({"png": "512x256", "square": True}, "square: true but 512x256 is not square"),
        ({"jpeg": "64x64", "alpha": True}, "jpeg has no alpha channel"),
        ({"png": "auto"}, "size 'auto' is not WIDTHxHEIGHT"),
        ({"webp": "64x64", "pad_to_bytes": 10}, "padding is supported for png images only"),
    ],
)
def test_bad_specs(tmp_path: Path, spec: dict, message: str) -> None:
    (tmp_path / "fake.png").write_bytes(b"\x89PNG fake")
    with pytest.raises(FixtureError, match=message.replace("[", r"\[").replace("]", r"\]")):
        part(spec, tmp_path)


def test_environment_files(tmp_path: Path) -> None:
    yaml_env = tmp_path / "env.yaml"
    yaml_env.write_text("prompt: a cat\nnumberOfImages: 2\n")
    assert load_environment(yaml_env) == {"prompt": "a cat", "numberOfImages": 2}
    postman_env = tmp_path / "env.json"
    postman_env.write_text('{"values": [{"key": "size", "value": "256x256", "enabled": true},'
                           ' {"key": "off", "value": "x", "enabled": false}]}')
    assert load_environment(postman_env) == {"size": "256x256"}
    postman_env.write_text('{"values": [42]}')
    with pytest.raises(CollectionError, match=r"values\[0\]: expected an object with 'key' and 'value'"):
        load_environment(postman_env)
    yaml_env.write_text("prompt: [a, list]\n")
    with pytest.raises(CollectionError, match="prompt: expected a string, number or boolean, got list"):
        load_environment(yaml_env)


def test_generated_uploads_are_drawn_once_and_reused_from_the_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imagecontract.run import uploads

    drawn: list[tuple] = []
    real = uploads.generate_image
    monkeypatch.setattr(uploads, "generate_image", lambda *args, **options: drawn.append(args) or real(*args, **options))
    monkeypatch.setattr(uploads, "_GENERATED", {})
    uploads.cache_generated_under(tmp_path / "uploads")
    try:
        spec = {"png": "96x64", "seed": "cache-test"}
        first, again = part(spec), part(spec)
        assert first.data == again.data and len(drawn) == 1
        (stored,) = (tmp_path / "uploads").iterdir()
        assert stored.read_bytes() == first.data and stored.suffix == ".png"
        monkeypatch.setattr(uploads, "_GENERATED", {})
        os.utime(stored, (0, 0))
        assert part(spec).data == first.data and len(drawn) == 1, "a later run reads the file instead of drawing"
        assert stored.stat().st_mtime > 0, "a hit marks the file used, so pruning keeps it"
        assert part({"png": "96x64", "seed": "another"}).data != first.data and len(drawn) == 2
    finally:
        uploads.cache_generated_under(None)
