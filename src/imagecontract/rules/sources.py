"""Where the facts come from, and the days that matter: sources, the seed era, retirements, today."""

from __future__ import annotations

from datetime import date
from typing import Mapping

ENDPOINTS = ("generations", "edits", "variations")

MB = 1024 * 1024

# --- Sources -------------------------------------------------------------------------------------------

SDK = "openai 3.57.0"
SPEC = "openai-openapi 2.3.0 f85dbe2 (2026-08-21)"
SPEC_2026_05 = "openai-openapi 5162af9 (2026-05-13)"
SPEC_2025 = "openai-openapi 2.3.0 498c71d (2025-04-29)"
SPEC_2023 = "openai-openapi 802d487 (2023-11-06)"
SEED_POST = "seed post (shared/seeds/000): response `created: 1667860720` (2022-11-07)"
SEED_GUIDE = "seed Images guide (shared/seeds/003)"

SOURCES: Mapping[str, str] = {
    "sdk.model": f"{SDK} types/image_model.py",
    "sdk.generate": f"{SDK} types/image_generate_params.py",
    "sdk.edit": f"{SDK} types/image_edit_params.py",
    "sdk.variation": f"{SDK} types/image_create_variation_params.py, resources/images.py",
    "sdk.response": f"{SDK} types/images_response.py",
    "sdk.events": f"{SDK} types/image_gen_completed_event.py, image_edit_completed_event.py",
    "spec.generate": f"{SPEC} CreateImageRequest",
    "spec.edit": f"{SPEC} CreateImageEditRequest",
    "spec.edit_json": f"{SPEC} EditImageBodyJsonParam, ImageRefParam",
    "spec.response": f"{SPEC} ImagesResponse, ImageGenUsage",
    "spec.fidelity": f"{SPEC} InputFidelity",
    "spec.2025": f"{SPEC_2025} CreateImageRequest, CreateImageEditRequest, ImagesResponse",
    "spec.2026-05": f"{SPEC_2026_05}: first spec commit after a gap from 2025-06-17; first listing of the item",
    "spec.2023": f"{SPEC_2023}: first spec commit listing dall-e-3",
    "seed.post": SEED_POST,
    "seed.guide": SEED_GUIDE,
}
"""Every citation the tables use, by short key."""

# --- Dates -----------------------------------------------------------------------------------------------

SEED_ERA = date(2025, 6, 1)
"""The legacy profile: the API the seed's Postman collection and the bundled legacy collections were written for."""

EPOCH = date(2022, 11, 7)
"""The oldest documented day (the seed post's first response)."""

DALL_E_RETIRED = date(2026, 5, 12)
"""sdk.model: "dall-e-2", "dall-e-3": This model was retired on May 12, 2026."""

GPT_IMAGE_1_RETIRED = date(2026, 10, 23)
"""sdk.model: "GPT Image 1 was shut down on October 23, 2026."""

SPEC_2026_05_DAY = date(2026, 5, 13)
"""spec.2026-05: the first listing of streaming, JSON edits, gpt-image-1.5 and friends (an upper bound of their launch)."""

AFTER_SPEC = date(2026, 8, 22)
"""What only the SDK 3.57.0 documents, not the spec of 2026-08-21, is dated the day after that spec (a lower bound)."""

GPT_IMAGE_2_5_DAY = date(2026, 9, 8)
"""sdk.model: the `-2026-09-08` snapshots of gpt-image-2.5-sunburst and -flare."""

GPT_IMAGE_2_DAY = date(2026, 4, 21)
"""sdk.model: the `gpt-image-2-2026-04-21` snapshot."""


def today() -> date:
    """The day the API is served or judged as of when nobody names one."""
    return date.today()


def parse_day(text: str) -> date:
    """`2025-06-01` or `today`; ValueError saying what was expected otherwise."""
    if text.strip().lower() == "today":
        return today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date: expected YYYY-MM-DD (e.g. {SEED_ERA.isoformat()}) or 'today'") from None
