"""Streamed answers: recorded as events with their arrival times and replayed as a stream."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from imagecontract.cassettes import session as cassette_session
from imagecontract.cassettes.session import use_cassette
from imagecontract.errors import CassetteCorrupt
from imagecontract.exchange import SentRequest
from imagecontract.run.http import send

STREAM = {"model": "gpt-image-1.5", "prompt": "a boat", "size": "1024x1024", "quality": "low",
          "stream": True, "partial_images": 2}


def stream(base_url: str) -> SentRequest:
    return SentRequest(method="POST", url=f"{base_url}/images/generations",
                       headers={"Authorization": "Bearer sk-test"}, json=STREAM)


@pytest.fixture
def recorded(tmp_path: Path, sandbox):
    srv = sandbox(latency_scale=0.02, as_of=None)
    path = tmp_path / "stream.yaml"
    with httpx.Client() as client, use_cassette(path, "all", base_url=srv.base_url, secrets=["sk-test"]) as session:
        live = send(client, stream(srv.base_url))
        session.latency(live.elapsed)
        session.commit()
    return path, srv.base_url, live


def test_a_stream_replays_its_events_at_the_recorded_offsets(recorded) -> None:
    path, base_url, live = recorded
    text = path.read_text()
    assert "events:" in text and "- at: " in text and "[base64 of blobs/" in text
    with httpx.Client() as client, use_cassette(path, "none", base_url=base_url) as session:
        replayed = send(client, stream(base_url))
        assert session.replayed
    assert [e.event for e in replayed.events] == [e.event for e in live.events]
    assert len(replayed.events) == 3 and replayed.events[-1].event == "image_generation.completed"
    import yaml
    offsets = [event["at"] for event in yaml.safe_load(text)["interactions"][0]["response"]["body"]["events"]]
    # recorded where the chunks arrive: vcrpy hands the recording client the body only once it is whole
    assert offsets == sorted(offsets) and offsets[-1] - offsets[0] > 0.02, "the sandbox spreads latency between events"
    for at, old, new in zip(offsets, live.events, replayed.events):
        assert new.at >= at - 0.001, "never before its recorded offset (how late depends on the machine's load)"
        assert new.data == old.data


def test_instant_pace_gives_the_stream_at_once(recorded, monkeypatch: pytest.MonkeyPatch) -> None:
    """Judged by whether the replayer waits between events at all, not by a clock (a loaded machine is slow)."""
    path, base_url, live = recorded
    waited: list[float] = []
    monkeypatch.setattr(cassette_session.time, "sleep", waited.append)
    with httpx.Client() as client, use_cassette(path, "none", base_url=base_url, pace="instant"):
        replayed = send(client, stream(base_url))
    assert [event.data for event in replayed.events] == [event.data for event in live.events]
    assert not waited, waited


def test_a_truncated_stream_recording_fails_clearly(recorded) -> None:
    path, base_url, _ = recorded
    # `|-` instead of `|+` strips the first event's closing blank line, as a cut-off recording would
    path.write_text(path.read_text().replace("|+", "|-", 1))
    with pytest.raises(CassetteCorrupt) as raised, use_cassette(path, "none", base_url=base_url):
        pass
    assert "cut short (truncated)" in str(raised.value) and "events[0]" in str(raised.value)


def test_a_legacy_text_body_still_replays(tmp_path: Path, sandbox) -> None:
    srv = sandbox(as_of=None)
    path = tmp_path / "legacy.yaml"
    with httpx.Client() as client, use_cassette(path, "all", base_url=srv.base_url, secrets=["sk-test"]) as session:
        live = send(client, stream(srv.base_url))
        session.commit()
    # rewrite the events as one text body, the format before streams were kept as events
    document = yaml.safe_load(path.read_text())
    events = document["interactions"][0]["response"]["body"]["events"]
    document["interactions"][0]["response"]["body"] = {"text": "".join(event["text"] for event in events)}
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    with httpx.Client() as client, use_cassette(path, "none", base_url=srv.base_url):
        replayed = send(client, stream(srv.base_url))
    assert [e.data for e in replayed.events] == [e.data for e in live.events]


def test_replay_pace_instant_is_accepted_and_streams_pass(pytester: pytest.Pytester) -> None:
    root = Path(__file__).resolve().parents[2]
    collections = pytester.path / "collections" / "contract"
    collections.mkdir(parents=True)
    (collections / "streaming.yaml").write_text((root / "collections/contract/streaming.yaml").read_text())
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--replay-pace=instant",
        f"--cassette-dir={root / 'cassettes'}", f"--schemas-dir={root / 'schemas'}", str(collections / "streaming.yaml"))
    result.assert_outcomes(passed=7)
