"""Sizes: listed sizes, and the arbitrary-size rule of the gpt-image-2 family (divisible by, aspect, edge, pixels)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from imagecontract.rules.sources import SOURCES

# --- Sizes ---------------------------------------------------------------------------------------------------


def parse_size(size: str) -> tuple[int, int] | None:
    """`"1024x768"` -> (1024, 768); None for `auto` or anything malformed."""
    width, sep, height = size.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    return int(width), int(height)


@dataclass(frozen=True)
class SizeRule:
    """Arbitrary `WIDTHxHEIGHT` sizes: divisible by, aspect range, largest edge and pixel count."""

    divisible_by: int
    min_aspect: Fraction
    max_aspect: Fraction
    max_edge: int
    max_pixels: int
    experimental_pixels: int
    source: str

    def problem(self, width: int, height: int) -> tuple[str, str] | None:
        """(`divisible`|`aspect`|`max_edge`|`max_pixels`, why) for a size the rule refuses, else None."""
        if width <= 0 or height <= 0 or width % self.divisible_by or height % self.divisible_by:
            return "divisible", f"width and height must both be divisible by {self.divisible_by}"
        aspect = Fraction(width, height)
        if not self.min_aspect <= aspect <= self.max_aspect:
            low, high = self.min_aspect, self.max_aspect
            return "aspect", f"the aspect ratio must be between {low.numerator}:{low.denominator} and {high.numerator}:{high.denominator}"
        if max(width, height) > self.max_edge:
            return "max_edge", f"the longest edge may be at most {self.max_edge} pixels"
        if width * height > self.max_pixels:
            return "max_pixels", f"at most {self.max_pixels} pixels ({MAX_RESOLUTION})"
        return None

    def allows(self, width: int, height: int) -> bool:
        return self.problem(width, height) is None


MAX_RESOLUTION = "3840x2160"

GPT_IMAGE_2_SIZES = SizeRule(
    divisible_by=16,
    min_aspect=Fraction(1, 3),
    max_aspect=Fraction(3, 1),
    max_edge=3840,
    max_pixels=3840 * 2160,
    experimental_pixels=2560 * 1440,
    source=f"{SOURCES['sdk.generate']} and {SOURCES['sdk.edit']} `size`: divisible by 16, aspect 1:3 to 3:1, "
           "above 2560x1440 experimental, at most 3840x2160 (read as 3840 px the longest edge and 3840*2160 pixels)",
)

STANDARD_GPT_SIZES = ("1024x1024", "1536x1024", "1024x1536")
"""sdk.generate `size`: "The standard sizes 1024x1024, 1536x1024, and 1024x1536 are supported by the GPT image models"."""
