"""Replay through the replaying client (no vcrpy patches): the same answers, matching and messages as `use_cassette`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from image_server import ImageServer
from test_cassette_session import EDIT_FIELDS, edit, generate, record

from imagecontract.cassettes.replay import recorded
from imagecontract.cassettes.session import use_cassette
from imagecontract.errors import RequestChanged


@pytest.fixture
def cassette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path("cassettes/contract/generate.yaml")


def test_a_replay_only_cassette_answers_through_its_client_with_httpx_unpatched(
    cassette: Path, api: ImageServer, client: httpx.Client
) -> None:
    first = record(cassette, api, lambda: generate(client, api), latency=0.25)
    api.stop()
    plain = httpx.HTTPTransport.handle_request

    with recorded(cassette, "none", base_url=api.base_url) as (session, replayer):
        assert replayer is not None and httpx.HTTPTransport.handle_request is plain
        again = generate(replayer, api)
        assert (session.latency(0.001), session.replayed) == (0.25, True)

    assert (again.status_code, again.content, again.headers["content-type"]) == (200, first.content, "application/json")


def test_a_changed_json_body_is_named_as_matching_names_it(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api, size="256x256"))

    with pytest.raises(RequestChanged) as raised, recorded(cassette, "none", base_url=api.base_url) as (_, replayer):
        generate(replayer, api, size="512x512")

    assert str(raised.value).endswith('JSON body: $.size "256x256" recorded, "512x512" now')


def test_a_changed_form_field_is_named_as_with_vcrpys_patches(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: edit(client, api))
    changed_fields = {**EDIT_FIELDS, "size": "256x256"}
    messages = []
    with pytest.raises(RequestChanged) as patched, use_cassette(cassette, "none", base_url=api.base_url):
        edit(client, api, changed_fields)
    messages.append(str(patched.value))
    with pytest.raises(RequestChanged) as replayed, recorded(cassette, "none", base_url=api.base_url) as (_, replayer):
        edit(replayer, api, changed_fields)
    messages.append(str(replayed.value))

    assert messages[0] == messages[1]
    assert "'512x512' recorded, '256x256' now" in messages[1]


def test_a_request_sent_more_often_than_recorded_fails(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))

    with pytest.raises(RequestChanged, match=r"was sent more often than the 1 time\(s\) recorded"):
        with recorded(cassette, "none", base_url=api.base_url) as (_, replayer):
            generate(replayer, api)
            generate(replayer, api)


def test_a_cassette_that_may_record_is_patched_and_gives_no_client(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    plain = httpx.HTTPTransport.handle_request

    with recorded(cassette, "once", base_url=api.base_url) as (session, replayer):
        assert replayer is None and httpx.HTTPTransport.handle_request is not plain
        generate(client, api)
        session.latency(0.1)
        session.commit()

    assert cassette.exists() and httpx.HTTPTransport.handle_request is plain


def test_the_replaying_client_sends_nothing_outside_a_cassette(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))
    with recorded(cassette, "none", base_url=api.base_url) as (_, replayer):
        generate(replayer, api)
    api.stop()

    with pytest.raises(RequestChanged, match="no cassette is being replayed"):
        generate(replayer, api)
