"""SVG answers (`output_format: svg`): well-formed, an `<svg>` root, and the size it declares.

Pillow reads no SVG, so the images module asks here; only the document's own attributes are read (no
rendering, no external entities: the standard library's parser expands none).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


@dataclass(frozen=True)
class SvgInfo:
    """What an SVG document says of itself: its size in pixels (None when it declares none)."""

    width: int | None
    height: int | None


def looks_like_svg(data: bytes) -> bool:
    """Cheap sniffing before parsing: text starting with an XML declaration, a comment or `<svg`."""
    head = data[:64].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--"))


def inspect_svg(data: bytes) -> SvgInfo:
    """Parse `data` as an SVG document; ValueError saying why it is not one."""
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise ValueError("an SVG with a DOCTYPE or entities is not accepted")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    if root.tag not in (f"{{{SVG_NAMESPACE}}}svg", "svg"):
        raise ValueError(f"the root element is {root.tag!r}, not svg")
    width, height = _length(root.get("width")), _length(root.get("height"))
    if width is None or height is None:
        box = (root.get("viewBox") or "").replace(",", " ").split()
        if len(box) == 4:
            try:
                width, height = round(float(box[2])), round(float(box[3]))
            except ValueError:
                raise ValueError(f"the viewBox {root.get('viewBox')!r} is not four numbers") from None
    return SvgInfo(width, height)


def _length(value: str | None) -> int | None:
    """A width or height in pixels (`512`, `512px`); None for none or relative units."""
    match = _LENGTH.match(value or "")
    return round(float(match.group(1))) if match else None
