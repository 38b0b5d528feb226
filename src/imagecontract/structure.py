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


def correlation(first: list[float], second: list[float]) -> float:
    """Pearson correlation; 0 when either map is flat (a flat picture shares no structure)."""
    mean_first, mean_second = sum(first) / len(first), sum(second) / len(second)
    spread_first = [value - mean_first for value in first]
    spread_second = [value - mean_second for value in second]
    norm = math.sqrt(sum(value * value for value in spread_first) * sum(value * value for value in spread_second))
    return sum(a * b for a, b in zip(spread_first, spread_second)) / norm if norm else 0.0


def structure_similarity(first: bytes, second: bytes) -> float:
    """How alike the edges of two encoded pictures are (-1..1), the better of as is and mirrored (a variation may
    flip its input). ValueError when either does not decode."""
    edges = _edge_maps(first)[0]
    return max(correlation(edges, candidate) for candidate in _edge_maps(second))


@lru_cache(maxsize=8)
def _edge_maps(data: bytes) -> tuple[list[float], list[float]]:
    """The edge maps of an encoded picture as is and mirrored, once per content: a run uploads the same input to
    variation after variation. Few are kept, as the key holds the encoded bytes (megabytes for a real answer)."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a decodable image: {exc}") from None
    return edge_map(image), edge_map(ImageOps.mirror(image))
