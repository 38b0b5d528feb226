"""What each record mode means, in one table: whether it reads the cassette and when a request reaches the target.

The modes and their meanings are vcrpy's; `--record-mode`'s help, the cassette
session, the engine's image budget and the cost estimate all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class RecordMode(str, Enum):
    """When a cassette is recorded; the values and meanings are vcrpy's."""

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"


@dataclass(frozen=True)
class ModeMeaning:
    """One record mode: what it does, whether it reads an existing cassette, and when it sends."""

    summary: str
    reads_cassette: bool
    sends_when_recorded: bool
    """A request whose cassette exists may still reach the target."""
    sends_when_missing: bool
    """A request without a cassette reaches the target (else it fails: replay only)."""

    def sends(self, recorded: bool) -> bool:
        """Whether a request may reach the target, its cassette existing (`recorded`) or not."""
        return self.sends_when_recorded if recorded else self.sends_when_missing

    @property
    def sends_traffic(self) -> bool:
        """Whether a run in this mode may reach the target at all."""
        return self.sends_when_recorded or self.sends_when_missing


MODES: dict[RecordMode, ModeMeaning] = {
    RecordMode.NONE: ModeMeaning("replay only: a missing cassette or an unmatched request fails, and nothing connects",
                                 reads_cassette=True, sends_when_recorded=False, sends_when_missing=False),
    RecordMode.ONCE: ModeMeaning("replay an existing cassette as `none` does; record a missing one",
                                 reads_cassette=True, sends_when_recorded=False, sends_when_missing=True),
    RecordMode.NEW_EPISODES: ModeMeaning("replay what matches, record the rest and add it",
                                         reads_cassette=True, sends_when_recorded=True, sends_when_missing=True),
    RecordMode.ALL: ModeMeaning("record everything; the old cassette is not read, and stays until commit replaces it",
                                reads_cassette=False, sends_when_recorded=True, sends_when_missing=True),
}
"""Every record mode and what it means (vcrpy's meanings)."""


def meaning(mode: RecordMode | str) -> ModeMeaning:
    return MODES[RecordMode(mode)]
