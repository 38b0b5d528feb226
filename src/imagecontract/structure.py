"""How alike two pictures are in structure, whatever their palette: the correlation of their edge maps.

A variation may recolour its input (invert it, shift its hues) and still be a
variation of it; what it keeps is where the edges are. Each picture becomes a
32x32 map of colour gradient magnitudes (summed over R, G and B, so a channel
swap or an inversion leaves it unchanged), and two maps are compared by their
Pearson correlation: 1 for the same edges, about 0 for unrelated pictures.
"""

from __future__ import annotations

import io
import math
import operator
from functools import lru_cache

from PIL import Image, ImageOps

SIDE = 32
"""Edges are compared at 32x32: composition, not detail (measured in tests/checks/test_gateway_checks.py)."""


def edge_map(image: Image.Image) -> list[float]:
    """The colour gradient magnitude (central differences) at each point of a 32x32 reduction of `image`."""
    width = SIDE + 2
    reduced = image.convert("RGB").resize((width, width), Image.Resampling.BOX)
    channels = [list(channel.tobytes()) for channel in reduced.split()]
    edges = []
    for y in range(1, SIDE + 1):
        for x in range(1, SIDE + 1):
            here = y * width + x
            total = 0
            for values in channels:
                across, down = values[here + 1] - values[here - 1], values[here + width] - values[here - width]
                total += across * across + down * down
            edges.append(math.sqrt(total))
    return edges


def normalised(edges: list[float]) -> tuple[float, ...] | None:
    """`edges` less its mean, scaled to length 1, so the Pearson correlation of two maps is their dot product;
    None for a flat map (a flat picture shares no structure)."""
    mean = sum(edges) / len(edges)
    spread = [value - mean for value in edges]
    norm = math.sqrt(sum(map(operator.mul, spread, spread)))
    return tuple(value / norm for value in spread) if norm else None


def correlation(first: tuple[float, ...] | None, second: tuple[float, ...] | None) -> float:
    """Pearson correlation of two `normalised` maps; 0 when either is flat."""
    return sum(map(operator.mul, first, second)) if first and second else 0.0


def structure_similarity(first: bytes, second: bytes) -> float:
    """How alike the edges of two encoded pictures are (-1..1), the better of as is and mirrored (a variation may
    flip its input). ValueError when either does not decode."""
    edges = _edge_maps(first)[0]
    return max(correlation(edges, candidate) for candidate in _edge_maps(second))


@lru_cache(maxsize=8)
def _edge_maps(data: bytes) -> tuple[tuple[float, ...] | None, tuple[float, ...] | None]:
    """The `normalised` edge maps of an encoded picture as is and mirrored, once per content: a run uploads the
    same input to variation after variation. Few are kept, as the key holds the encoded bytes (megabytes for a
    real answer)."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a decodable image: {exc}") from None
    return normalised(edge_map(image)), normalised(edge_map(ImageOps.mirror(image)))
