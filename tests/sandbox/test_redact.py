"""`mask_key`: enough of a key to recognise it, never enough to use it."""

from __future__ import annotations

import pytest

from imagecontract.redact import mask_key


def test_long_keys_show_prefix_and_suffix_only() -> None:
    assert mask_key("sk-abcdefghijklmnopxyz") == "sk-abc***...xyz"


@pytest.mark.parametrize("key", ["", "sk-1", "sk-12345678"])
def test_short_keys_show_nothing(key: str) -> None:
    assert mask_key(key) == "***"


@pytest.mark.parametrize("length", [12, 20, 51, 164])
def test_mask_never_contains_the_key_nor_its_length(length: int) -> None:
    key = "sk-" + "k" * (length - 3)
    masked = mask_key(key)
    assert key not in masked and len(masked) == 15
