"""The pure parts of the report: descriptions, thumbnails, redaction, summary tables, rendering."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from imagecontract.report.pictures import THUMBNAIL_PIXELS, ImageStore, picture
from imagecontract.report.records import _redacted, describe_base64, redact_record
from imagecontract.report.render import latency_chart, render_test_section
from imagecontract.report.summary import counts, endpoint_model_table, write_json


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (200, 30, 30, 128)[: len(mode)]).save(buffer, "PNG")
    return buffer.getvalue()


def test_large_image_is_thumbnailed_within_bounds_and_keeps_alpha() -> None:
    found = picture(png(1536, 1024, "RGBA"))
    assert found.description.startswith("<png 1536x1024, ")
    assert (found.width, found.height) == (1536, 1024)
    assert found.thumbnail is not None and found.thumbnail.mime == "image/png"
    assert (found.thumbnail.width, found.thumbnail.height) == (THUMBNAIL_PIXELS, 171)


def test_undecodable_bytes_are_described_without_a_thumbnail() -> None:
    found = picture(b"\x89PNG not really")
    assert found.description == "<undecodable, 15 B>" and found.thumbnail is None


def test_store_keeps_each_content_once() -> None:
    store = ImageStore()
    first, second = store.add(png(64, 64)), store.add(png(64, 64))
    assert first.key == second.key and list(store) == [first.key]
    assert ImageStore.from_json(json.loads(json.dumps(store.as_json()))) == store


def test_base64_strings_become_descriptions_and_text_stays() -> None:
    image = base64.b64encode(png(32, 16)).decode()
    blob = base64.b64encode(b"x" * 120).decode()
    store = ImageStore()
    described = describe_base64({"data": [{"b64_json": image, "revised_prompt": "a cat " * 30}], "other": blob}, store)
    assert described["data"][0]["b64_json"].startswith("<png 32x16, ")
    assert described["data"][0]["revised_prompt"] == "a cat " * 30
    assert described["other"] == "<base64, 120 B>"


def test_redact_record_reaches_every_string() -> None:
    key = "sk-secret-0123456789abcdef"
    record = {"a": [f"Bearer {key}", {"nested": f"x{key}y"}], key: 1, "n": 3}
    assert key not in json.dumps(redact_record(record, [key]))


def test_tables_count_per_outcome_and_endpoint_model() -> None:
    records = [
        {"endpoint": "edits", "model": "dall-e-2", "outcome": "passed"},
        {"endpoint": "edits", "model": "dall-e-2", "outcome": "failed"},
        {"endpoint": None, "model": None, "outcome": "skipped"},
    ]
    assert counts(records) == {"passed": 1, "failed": 1, "skipped": 1, "error": 0, "total": 3}
    assert endpoint_model_table(records) == [
        {"endpoint": "edits", "model": "dall-e-2", "passed": 1, "failed": 1, "skipped": 0, "error": 0},
        {"endpoint": "other", "model": "-", "passed": 0, "failed": 0, "skipped": 1, "error": 0},
    ]


def test_latency_chart_marks_the_budget() -> None:
    svg = latency_chart([{"endpoint": "edits", "count": 2, "p50": 1.0, "p95": 2.0, "max": 3.0, "budget": 4.0,
                          "within_budget": True}])
    assert svg.startswith("<svg") and svg.count("<rect") == 3 and "budget 4.00 s" in svg
    assert latency_chart([]) == ""


def test_section_escapes_what_the_server_sent() -> None:
    record = {
        "outcome": "failed", "message": None, "error": "<script>alert(1)</script>", "failures": [], "checks": [],
        "exchange": None,
    }
    assert "<script>" not in render_test_section(record, {})


def test_write_json_replaces_whole_file(tmp_path) -> None:
    path = tmp_path / "reports" / "summary.json"
    write_json(path, {"a": 1})
    write_json(path, {"b": 2})
    assert json.loads(path.read_text()) == {"b": 2} and list(path.parent.iterdir()) == [path]


def test_section_lists_429_retries() -> None:
    record = {"outcome": "passed", "message": None, "error": None, "failures": [], "checks": [], "exchange": None,
              "retries": ["429 on attempt 1: retried after Retry-After 2 s", "429 on attempt 2: <b>"]}
    section = render_test_section(record, {})
    assert '<h4 class="ic-retries">Retries (2)</h4>' in section
    assert "<li>429 on attempt 1: retried after Retry-After 2 s</li><li>429 on attempt 2: &lt;b&gt;</li>" in section
    assert "Retries" not in render_test_section({**record, "retries": []}, {})


def test_the_gallery_links_each_image_to_its_test_and_marks_a_wrong_size() -> None:
    from imagecontract.report.gallery import render_gallery, test_anchor
    from imagecontract.report.pictures import Thumbnail

    thumb = Thumbnail("image/png", "AAAA", 64, 64)
    images = [{"image": "k1", "path": "$.data[0].url", "description": "<png 1024x1024, 9 KB>"}]
    wrong = {"nodeid": "c.yaml::small", "request": "small", "exchange": {"images": images},
             "failures": [{"check": "image_decodes", "path": "$.data[0].url", "reason": "expected 256x256, got 1024x1024"}]}
    right = {"nodeid": "c.yaml::big", "request": "big", "exchange": {"images": images}, "failures": []}
    page = render_gallery([wrong, right, {"nodeid": "c.yaml::error", "request": "error", "exchange": None}], {"k1": thumb})
    assert page.count("<figure") == 2 and page.count('class="ic-wrong-size"') == 1
    assert f'data-ic-test="{test_anchor("c.yaml::small")}"' in page and "expected 256x256, got 1024x1024" in page
    assert render_gallery([right], {}) == ""


@pytest.mark.parametrize("record", [
    {"plain": ["nothing", {"to": "remove"}], "n": 3, "none": None},
    {"url": "https://cdn.example.test/img.png?sig=abc&api-key=hunter2hunter2&x=1"},
    {"text": 'quoted "sk-secret-0123456789abcdef" in JSON'},
    {"upper": "SK-SECRET-0123456789ABCDEF"},
    {"piece": "…9abcdef-tail 0123456789ab"},
    {"escaped": "line\\nbreak https://h.test/a?token=t0k3n\\"},
    {"sk-secret-0123456789abcdef": {"key as dict key": True}},
    {"unicode": "生成 https://h.test/?key=値"},
    {"quote in the secret": 'x quote"key-0123456789 y', "control": "a\x01sk-secret-0123456789abcdef"},
])
def test_redact_record_equals_redacting_each_string(record: dict) -> None:
    """The whole-record search skips the walk only where the walk would change nothing."""
    secrets = ["sk-secret-0123456789abcdef", 'quote"key-0123456789']
    assert redact_record(record, secrets) == _redacted(record, tuple(secrets))
