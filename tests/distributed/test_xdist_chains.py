"""What the xdist controller learns from a worker's test ids: the requests, and which of them form chains."""

from __future__ import annotations

from pathlib import Path

from imagecontract.distributed.xdist_chains import chain_scopes, collected_units

CHAINED = """\
name: Chained
requests:
  - name: make
    path: /images/generations
    json: {model: dall-e-2, prompt: a cat, response_format: b64_json}
    save: {cat: {image: 0}}
  - name: alone
    path: /images/generations
    json: {model: dall-e-2, prompt: a dog}
  - name: vary
    path: /images/variations
    form: {files: {image: {saved: cat}}}
"""


def test_a_chain_is_one_scope_and_other_tests_their_own(tmp_path: Path) -> None:
    (tmp_path / "collections").mkdir()
    (tmp_path / "collections" / "c.yaml").write_text(CHAINED)
    ids = [f"collections/c.yaml::{name}" for name in ("make", "alone", "vary")] + ["tests/test_x.py::test_y"]
    loaded, units = collected_units(ids, tmp_path)
    assert list(loaded) == ["collections/c.yaml"] and [unit.spec.name for unit in units] == ["make", "alone", "vary"]
    assert chain_scopes(units) == {"collections/c.yaml::make": "collections/c.yaml::make",
                                   "collections/c.yaml::vary": "collections/c.yaml::make"}
