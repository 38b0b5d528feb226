"""The comparisons behind the sandwich-mode checks, on journal entries as the sandbox writes them."""

from __future__ import annotations

import io

from PIL import Image

from imagecontract.exchange import FilePart
from imagecontract.gateway.compare import error_changes, request_changes, response_changes
from imagecontract.gateway.normalize import digest


def png(colour: tuple[int, int, int], fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, fmt)
    return buffer.getvalue()


def entry(params: dict, images: list[tuple[str, bytes, str]] = ()) -> dict:
    return {"params": params, "images": [{"field": field, "digest": digest(data), "bytes": len(data), "content_type": kind}
                                          for field, data, kind in images]}


def texts(changes) -> list[str]:
    return [change.text for change in changes]


def test_fields_dropped_changed_and_added_are_each_named_and_the_correlation_field_is_not() -> None:
    sent = {"model": "dall-e-3", "size": "1024x1024", "style": "natural", "user": "imagecontract-1"}
    received = entry({"model": "dall-e-3", "size": "1792x1024", "quality": "hd"})
    assert texts(request_changes(sent, [], [received])) == [
        "`quality` added: the upstream received 'hd', the client sent none",
        "`size` changed: the client sent '1024x1024', the upstream received '1792x1024'",
        "`style` dropped: the client sent 'natural', the upstream received no style",
    ]
    assert request_changes(sent, [], [received], frozenset({"request_field:quality", "request_field:size",
                                                            "request_field:style"})) == []
    assert request_changes({"n": 2}, [], [entry({"n": "2"})]) == []


def test_uploads_dropped_or_re_encoded_are_named() -> None:
    red, green = png((200, 0, 0)), png((0, 200, 0))
    files = [FilePart("image[]", "a.png", "image/png", red), FilePart("image[]", "b.png", "image/png", green)]
    dropped = request_changes({}, files, [entry({}, [("image[]", red, "image/png")])])
    assert texts(dropped) == ["2 image uploads sent, 1 forwarded: 1 dropped"]
    jpeg = png((200, 0, 0), "JPEG")
    altered = request_changes({}, files[:1], [entry({}, [("image", jpeg, "image/jpeg")])])
    assert texts(altered)[0].startswith("image #1 altered on the way (re-encoded?): sent ")
    assert texts(altered)[0].endswith("image/png, the upstream received " + f"{len(jpeg)} B image/jpeg")


def test_a_raw_body_is_compared_byte_for_byte() -> None:
    received = {"params": {}, "images": [], "body_digest": digest(b'{"raw": '), "body_bytes": 8}
    assert request_changes({}, [], [received], raw='{"raw": ') == []
    assert texts(request_changes({}, [], [received], raw='{"raw": 1')) == [
        "the raw body was altered: 9 bytes sent, the upstream received 8 other bytes"]


def test_response_changes_split_values_changed_from_fields_added() -> None:
    record = {"body": {"created": 1, "data": [{"url": "http://127.0.0.1:9/i.png"}]},
              "image_urls": {"http://127.0.0.1:9/i.png": digest(b"image")}}
    client = {"created": 2, "data": [{"url": "http://gw/i.png", "extra": None}]}
    changed, added = response_changes(client, record, {"http://gw/i.png": b"image"}, frozenset({"image_url_host"}))
    assert texts(changed) == ["$.created changed: the upstream sent 1, the client got 2"]
    assert texts(added) == ["$.data[0].extra added by the gateway: None"]
    changed, _ = response_changes(client, record, {"http://gw/i.png": b"other"}, frozenset({"image_url_host"}))
    assert "the image behind the client's URL is not the one the upstream sent" in texts(changed)[1]
    changed, _ = response_changes(client, record, {}, frozenset())
    assert "declare the allowance image_url_host" in texts(changed)[1]


def test_an_insufficient_quota_rewritten_says_the_client_can_no_longer_tell() -> None:
    record = {"status": 429, "headers": {"retry-after": "20"},
              "body": {"error": {"type": "insufficient_quota", "code": "insufficient_quota", "param": None, "message": "m"}}}
    client = {"error": {"type": "insufficient_quota", "code": "rate_limit_exceeded", "param": None, "message": "m"}}
    changes, reworded = error_changes(429, client, {"retry-after": "20"}, record)
    assert texts(changes) == ["error.code: the upstream sent 'insufficient_quota', the client got 'rate_limit_exceeded' "
                              "(the client can no longer tell it is out of quota)"]
    assert reworded == []
