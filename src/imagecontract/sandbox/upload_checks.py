"""Uploaded images and masks, checked as the model's rules require: format, size, alpha, square, mask shape."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any, Mapping

from PIL import Image

from imagecontract import rules
from imagecontract.rules import ModelRules
from imagecontract.sandbox.messages import ApiError, quoted_list

UPLOAD_ERRORS = {"dall-e-2": "image_not_png"}
ALPHA_REQUIRED_WITHOUT_MASK = frozenset({"dall-e-2"})
IMAGE_FIELDS = ("image", "image[]")


@dataclass(frozen=True)
class Upload:
    """One uploaded image: its bytes and the decoded picture."""

    data: bytes
    picture: Image.Image
    format: str

    @property
    def has_alpha(self) -> bool:
        return self.picture.mode in ("RGBA", "LA", "PA") or "transparency" in self.picture.info


def check_uploads(
    endpoint: str, model: ModelRules, files: Mapping[str, list[bytes]]
) -> tuple[tuple[Upload, ...], Upload | None]:
    if endpoint == "generations":
        return (), None
    sent = [data for name in IMAGE_FIELDS for data in files.get(name, [])]
    if not sent:
        raise ApiError("missing_image")
    limit = max(model.max_input_images, 1)
    if len(sent) > limit:
        raise ApiError("too_many_images", model=model.name, maximum=limit, count=len(sent))
    images = tuple(_image(data, model) for data in sent)
    masks = files.get("mask", [])
    mask = _mask(masks[0], images[0]) if masks else None
    if "markup" in files:
        if mask is not None:
            raise ApiError("format_refuses", fmt="markup", what="a mask (markup cannot be combined with mask)", param="markup")
        _mask(files["markup"][0], images[0], param_error="markup")
    if mask is None and model.name in ALPHA_REQUIRED_WITHOUT_MASK and endpoint == "edits" and not images[0].has_alpha:
        raise ApiError("image_needs_alpha", mode=images[0].picture.mode)
    return images, mask


def _decode(data: bytes) -> tuple[Image.Image, str] | None:
    try:
        picture = Image.open(BytesIO(data))
        picture.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return picture, (picture.format or "").lower()


def _image(data: bytes, model: ModelRules) -> Upload:
    decoded = _decode(data)
    problem = _image_problem(data, decoded, model)
    if problem:
        allowed = quoted_list([f"image/{fmt}" for fmt in model.input_formats])
        raise ApiError(
            UPLOAD_ERRORS.get(model.name, "image_unsupported"),
            detail=problem,
            supported=allowed,
            max_mb=model.max_input_bytes // rules.MB,
        )
    assert decoded is not None
    return Upload(data, *decoded)


def _image_problem(data: bytes, decoded: tuple[Image.Image, str] | None, model: ModelRules) -> str | None:
    """Why an upload is unusable for a model, or None."""
    if len(data) > model.max_input_bytes:
        return f"{len(data)} bytes"
    if decoded is None:
        return "not an image"
    picture, fmt = decoded
    if fmt not in model.input_formats:
        return f"image/{fmt}"
    if model.square_input and picture.width != picture.height:
        return f"{picture.width}x{picture.height} is not square"
    return None


def _mask(data: bytes, image: Upload, param_error: str = "mask") -> Upload:
    """A PNG under 4 MB with an alpha channel, of the first image's size (sdk.edit `mask`; `markup` alike)."""
    decoded = _decode(data)
    if decoded is None or decoded[1] not in rules.MASK_FORMATS or len(data) > rules.MAX_MASK_BYTES:
        raise _mask_error("mask_invalid", param_error)
    mask = Upload(data, *decoded)
    if mask.picture.size != image.picture.size:
        raise _mask_error("mask_size", param_error, mask=_dimensions(mask), image=_dimensions(image))
    if not mask.has_alpha:
        raise _mask_error("mask_no_alpha", param_error)
    return mask


def _mask_error(name: str, param: str, **values: Any) -> ApiError:
    if param == "mask":
        return ApiError(name, **values)
    return ApiError("invalid_reference", param=param, detail=f"a transparent PNG of the first image's size ({name})")


def _dimensions(upload: Upload) -> str:
    return f"{upload.picture.width}x{upload.picture.height}"
