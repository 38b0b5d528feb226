"""The record modes and replay paces, apart from the vcrpy machinery, so a live run never imports vcrpy."""

from __future__ import annotations

from enum import Enum


class ReplayPace(str, Enum):
    """How a recorded stream is given back: its events at their recorded offsets, or all at once."""

    RECORDED = "recorded"
    INSTANT = "instant"


class RecordMode(str, Enum):
    """When a cassette is recorded; the values and meanings are vcrpy's."""

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"
