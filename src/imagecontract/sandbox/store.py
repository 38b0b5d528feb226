"""The images handed out in `url` mode, kept in memory until their hour is up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Callable

from imagecontract.rules import URL_LIFETIME_SECONDS

URL_PREFIX = "/_sandbox/images/"
"""Path under the sandbox origin where url-mode images are served (no auth, like a signed URL)."""


class ImageExpired(LookupError):
    """The image existed but its URL is past its lifetime."""


@dataclass
class _Stored:
    data: bytes
    content_type: str
    expires_at: float


@dataclass
class ImageStore:
    """Image bytes by file name; `clock` is injectable so tests can jump past the expiry."""

    clock: Callable[[], float]
    lifetime: float = URL_LIFETIME_SECONDS
    _items: dict[str, _Stored] = field(default_factory=dict)

    def put(self, data: bytes, extension: str, content_type: str) -> str:
        """Store an image; returns the path to fetch it at."""
        self._forget_long_expired()
        name = f"img-{secrets.token_urlsafe(18)}.{extension}"
        self._items[name] = _Stored(data, content_type, self.clock() + self.lifetime)
        return URL_PREFIX + name

    def get(self, name: str) -> tuple[bytes, str]:
        """(bytes, content type); KeyError when unknown, ImageExpired when too old."""
        stored = self._items[name]
        if self.clock() >= stored.expires_at:
            raise ImageExpired(name)
        return stored.data, stored.content_type

    def _forget_long_expired(self) -> None:
        """Drop images a full lifetime past expiry, so memory stays bounded while expiry stays observable."""
        cutoff = self.clock() - self.lifetime
        for name in [name for name, stored in self._items.items() if stored.expires_at < cutoff]:
            del self._items[name]
