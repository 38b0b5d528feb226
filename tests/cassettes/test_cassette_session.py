"""Record and replay through real HTTP to a local server, as the engine does it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
import yaml
from image_server import PNG, ImageServer, make_png

from imagecontract.cassettes.session import CassetteSession, RecordMode, use_cassette
from imagecontract.errors import CassetteCorrupt, CassetteError, CassetteMissing, RequestChanged

KEY = "sk-test-0000000000000000"
RECORD_COMMAND = "imagecontract run --record-mode once -k generate"


@pytest.fixture
def cassette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cassette path relative to the working directory, as the engine passes it."""
    monkeypatch.chdir(tmp_path)
    return Path("cassettes/contract/generate.yaml")


def generate(client: httpx.Client, api: ImageServer, *, path: str = "/images/generations", **fields: Any) -> httpx.Response:
    body = {"model": "dall-e-2", "prompt": "a red square", "n": 1, "size": "256x256", **fields}
    return client.post(api.base_url + path, json=body, headers={"Authorization": f"Bearer {KEY}"})


EDIT_FIELDS = {"prompt": "add a hat", "size": "512x512"}
EDIT_FILES = [
    ("image[]", ("first.png", PNG, "image/png")),
    ("image[]", ("second.png", make_png((0, 0, 255)), "image/png")),
    ("mask", ("mask.png", make_png((0, 0, 0)), "image/png")),
]


def edit(client: httpx.Client, api: ImageServer, fields: dict[str, str] = EDIT_FIELDS,
         files: list[Any] = EDIT_FILES) -> httpx.Response:
    return client.post(api.base_url + "/images/edits", data=fields, files=files, headers={"Authorization": f"Bearer {KEY}"})


def record(path: Path, api: ImageServer, send: Callable[[], httpx.Response], *, mode: str = "once",
           latency: float = 0.25, secrets: tuple[str, ...] = ()) -> httpx.Response:
    with use_cassette(path, mode, base_url=api.base_url, secrets=secrets) as session:
        response = send()
        session.latency(latency)
        session.commit()
    return response


def replay(path: Path, base_url: str, send: Callable[[], httpx.Response]) -> tuple[httpx.Response, CassetteSession]:
    with use_cassette(path, RecordMode.NONE, base_url=base_url) as session:
        response = send()
        session.latency(0.0)
    return response, session


def changed(path: Path, api: ImageServer, send: Callable[[], httpx.Response]) -> str:
    """The RequestChanged message of replaying `send` against `path`."""
    with pytest.raises(RequestChanged) as raised, use_cassette(path, "none", base_url=api.base_url):
        send()
    return str(raised.value)


def files_under(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def test_a_recording_replays_with_the_server_gone(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    recorded = record(cassette, api, lambda: generate(client, api), latency=0.25)
    api.stop()

    with use_cassette(cassette, "none", base_url=api.base_url) as session:
        replayed = generate(client, api)
        assert session.latency(0.001) == 0.25
        assert session.replayed

    assert replayed.status_code == 200
    assert replayed.content == recorded.content
    assert replayed.headers["content-type"] == "application/json"


def test_only_httpx_is_patched_so_each_cassette_builds_a_few_patchers(
    cassette: Path, api: ImageServer, client: httpx.Client
) -> None:
    import http.client

    record(cassette, api, lambda: generate(client, api), latency=0.25)
    plain_connection, plain_transport = http.client.HTTPConnection, httpx.HTTPTransport.handle_request
    with use_cassette(cassette, "none", base_url=api.base_url):
        assert httpx.HTTPTransport.handle_request is not plain_transport
        assert http.client.HTTPConnection is plain_connection
    assert httpx.HTTPTransport.handle_request is plain_transport


def test_replay_only_mode_without_a_cassette_names_the_command_that_records_it(cassette: Path, api: ImageServer) -> None:
    with pytest.raises(CassetteMissing) as raised:
        with use_cassette(cassette, "none", base_url=api.base_url, record_command=RECORD_COMMAND):
            pass

    assert str(raised.value) == f"no cassette at cassettes/contract/generate.yaml (replay-only mode); record it with: {RECORD_COMMAND}"


def test_replay_only_mode_fails_a_changed_request_without_connecting(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))
    hits = list(api.hits)

    message = changed(cassette, api, lambda: generate(client, api, n=2))

    assert message == ("cassettes/contract/generate.yaml: request changed since recording: "
                       "JSON body: $.n 1 recorded, 2 now")
    assert api.hits == hits


def test_once_records_a_missing_cassette_and_then_only_replays(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))
    assert api.hits == ["POST /v1/images/generations"]

    record(cassette, api, lambda: generate(client, api))
    assert api.hits == ["POST /v1/images/generations"]
    with pytest.raises(RequestChanged), use_cassette(cassette, "once", base_url=api.base_url):
        generate(client, api, size="512x512")
    assert len(api.hits) == 1


def test_new_episodes_replays_what_matches_and_adds_the_rest(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))

    with use_cassette(cassette, "new_episodes", base_url=api.base_url) as session:
        generate(client, api)
        assert session.replayed
        generate(client, api, size="512x512")
        assert not session.replayed
        session.commit()

    assert len(api.hits) == 2
    document = yaml.safe_load(cassette.read_text())
    assert document["count"] == 2
    api.stop()
    replay(cassette, api.base_url, lambda: generate(client, api))
    replay(cassette, api.base_url, lambda: generate(client, api, size="512x512"))


def test_all_rerecords_and_keeps_the_old_file_until_commit(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api), latency=0.25)
    before = cassette.read_bytes()

    with use_cassette(cassette, "all", base_url=api.base_url) as session:
        generate(client, api)
        assert not session.replayed
        assert session.latency(0.7500001) == 0.75
        assert cassette.read_bytes() == before
        session.commit()

    assert len(api.hits) == 2
    document = yaml.safe_load(cassette.read_text())
    assert document["count"] == 1
    assert document["interactions"][0]["response"]["latency"] == 0.75


@pytest.mark.parametrize("mode", ["once", "new_episodes", "all"])
def test_nothing_is_written_without_commit(cassette: Path, api: ImageServer, client: httpx.Client, mode: str) -> None:
    with use_cassette(cassette, mode, base_url=api.base_url) as session:
        generate(client, api)
        session.latency(0.1)

    assert not cassette.parent.exists()


def test_nothing_is_written_when_the_exchange_fails(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    with pytest.raises(ZeroDivisionError), use_cassette(cassette, "all", base_url=api.base_url):
        generate(client, api)
        raise ZeroDivisionError

    assert not cassette.parent.exists()


def test_commit_in_replay_writes_nothing(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))
    before = files_under(cassette.parent), cassette.stat().st_mtime_ns

    with use_cassette(cassette, "none", base_url=api.base_url) as session:
        generate(client, api)
        session.commit()

    assert (files_under(cassette.parent), cassette.stat().st_mtime_ns) == before


def test_image_urls_and_their_downloads_replay_against_another_base_url(
    cassette: Path, start_server: Callable[[], ImageServer], client: httpx.Client
) -> None:
    recording_host = start_server()
    with use_cassette(cassette, "once", base_url=recording_host.base_url) as session:
        answer = generate(client, recording_host, response_format="url")
        session.latency(0.5)
        download = client.get(answer.json()["data"][0]["url"])
        session.commit()
    recording_host.stop()
    replay_host = start_server()

    with use_cassette(cassette, "none", base_url=replay_host.base_url) as session:
        replayed = generate(client, replay_host, response_format="url")
        url = replayed.json()["data"][0]["url"]
        replayed_download = client.get(url)

    assert url == f"{replay_host.origin}/files/image-0.png"
    assert replayed_download.content == download.content == PNG
    assert replay_host.hits == []
    assert "<base_url>/images/generations" in cassette.read_text()
    assert "<origin>/files/image-0.png" in cassette.read_text()


def test_a_compressed_answer_is_stored_readable_and_replays_the_same(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    recorded = record(cassette, api, lambda: generate(client, api, path="/images/generations?gzip"))
    api.stop()

    replayed, _ = replay(cassette, api.base_url, lambda: generate(client, api, path="/images/generations?gzip"))

    assert recorded.headers["content-encoding"] == "gzip"
    assert replayed.content == recorded.content
    assert '"b64_json": "[base64 of blobs/' in cassette.read_text()


def test_multipart_replays_with_a_new_boundary(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    recorded = record(cassette, api, lambda: edit(client, api))
    api.stop()

    replayed, _ = replay(cassette, api.base_url, lambda: edit(client, api))

    assert replayed.content == recorded.content


@pytest.mark.parametrize(("fields", "files", "difference"), [
    (EDIT_FIELDS, [*EDIT_FILES[:2], ("mask", ("mask.png", PNG, "image/png"))],
     re.escape("part 'mask': sha256 ") + r"[0-9a-f]{12}… recorded, [0-9a-f]{12}… now$"),
    ({**EDIT_FIELDS, "size": "256x256"}, EDIT_FILES, re.escape("field 'size': '512x512' recorded, '256x256' now") + "$"),
    (EDIT_FIELDS, [EDIT_FILES[1], EDIT_FILES[0], EDIT_FILES[2]],
     re.escape("part 'image[]' #1: filename 'first.png' recorded, 'second.png' now")),
    (EDIT_FIELDS, EDIT_FILES[:2], re.escape("part 'mask': sha256 ") + r"[0-9a-f]{12}… recorded, absent now$"),
])
def test_a_changed_multipart_request_says_which_part_differs(
    cassette: Path, api: ImageServer, client: httpx.Client, fields: dict[str, str], files: list[Any], difference: str
) -> None:
    record(cassette, api, lambda: edit(client, api))

    message = changed(cassette, api, lambda: edit(client, api, fields, files))

    assert message.startswith("cassettes/contract/generate.yaml: request changed since recording: ")
    assert re.search(difference, message), message


def test_json_key_order_does_not_matter(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    body = {"model": "dall-e-2", "prompt": "a red square", "n": 1, "size": "256x256"}
    recorded = record(cassette, api, lambda: client.post(api.base_url + "/images/generations", json=body))

    reordered = dict(reversed(list(body.items())))
    replayed, _ = replay(cassette, api.base_url, lambda: client.post(api.base_url + "/images/generations", json=reordered))

    assert replayed.content == recorded.content


def test_another_endpoint_is_a_changed_request(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))

    message = changed(cassette, api, lambda: generate(client, api, path="/images/variations"))

    assert message.endswith(f"URL: '{api.base_url}/images/generations' recorded, '{api.base_url}/images/variations' now")


def test_a_request_sent_more_often_than_recorded_fails(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))

    with pytest.raises(RequestChanged, match=r"was sent more often than the 1 time\(s\) recorded"):
        with use_cassette(cassette, "none", base_url=api.base_url):
            generate(client, api)
            generate(client, api)


def test_secrets_never_reach_the_cassette_or_its_side_files(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    canary = "sk-canary-5f1d0c9e8b7a6f5e4d3c2b1a"
    headers = {"Authorization": f"Bearer {canary}", "api-key": canary, "OpenAI-Organization": "org-canary0000",
               "OpenAI-Project": "proj_canary0000", "Cookie": "session=canary-cookie"}
    url = f"{api.base_url}/images/generations?api-version=2024-10-21&api-key={canary}&note={canary}"
    body = {"prompt": f"a red square {canary}", "n": 1, "user": canary}

    with use_cassette(cassette, "once", base_url=api.base_url, secrets=[canary]) as session:
        client.post(url, json=body, headers=headers)
        client.post(api.base_url + "/images/edits", headers=headers,
                    data={"prompt": "a hat", "user": canary}, files=[("image", ("a.png", PNG, "image/png"))])
        session.commit()

    written = b"".join(path.read_bytes() for path in files_under(Path("cassettes")))
    for needle in (canary, "org-canary0000", "proj_canary0000", "canary-cookie", "server-session-cookie"):
        assert needle.encode() not in written, needle
    assert b"[redacted]" in written

    other_key = "replay-without-a-key"
    with use_cassette(cassette, "none", base_url=api.base_url) as session:
        client.post(url.replace(canary, other_key), json={**body, "prompt": f"a red square {other_key}", "user": other_key},
                    headers={"Authorization": f"Bearer {other_key}"})
        client.post(api.base_url + "/images/edits", data={"prompt": "a hat", "user": other_key},
                    files=[("image", ("a.png", PNG, "image/png"))])
        assert session.replayed


def test_side_files_are_stored_once(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api, n=2))
    blobs = files_under(cassette.parent / "blobs")
    record(cassette, api, lambda: generate(client, api, n=2), mode="all")

    assert files_under(cassette.parent / "blobs") == blobs
    assert len(blobs) == 1
    record(cassette.with_name("edit.yaml"), api, lambda: edit(client, api))
    assert len(files_under(cassette.parent / "blobs")) == 3, "the edit's first image is the generated one"
    text = cassette.read_text()
    assert text.count("[base64 of blobs/") == 2
    assert len(text) < 2500


def test_latency_is_stored_per_interaction_and_replayed_in_order(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    with use_cassette(cassette, "once", base_url=api.base_url) as session:
        for measured in (0.125, 0.5, 2.0):
            generate(client, api)
            session.latency(measured)
        session.commit()

    assert [item["response"]["latency"] for item in yaml.safe_load(cassette.read_text())["interactions"]] == [0.125, 0.5, 2.0]
    with use_cassette(cassette, "none", base_url=api.base_url) as session:
        replayed = []
        for _ in range(3):
            generate(client, api)
            replayed.append(session.latency(0.0))
    assert replayed == [0.125, 0.5, 2.0]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("send", [edit, generate], ids=["new side files", "only the YAML"])
def test_a_crash_while_writing_keeps_the_old_cassette_and_leaves_no_temp_files(
    cassette: Path, api: ImageServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch, failure: BaseException,
    send: Callable[[httpx.Client, ImageServer], httpx.Response],
) -> None:
    record(cassette, api, lambda: generate(client, api))
    before = {path: path.read_bytes() for path in files_under(Path("cassettes"))}

    def crash(source: str, target: str) -> None:
        raise failure

    with use_cassette(cassette, "all", base_url=api.base_url) as session:
        send(client, api)
        with monkeypatch.context() as patch, pytest.raises((CassetteError, KeyboardInterrupt)) as raised:
            patch.setattr(os, "replace", crash)
            session.commit()

    if isinstance(failure, OSError):
        assert str(raised.value).startswith("cassettes/contract/generate.yaml: could not write the cassette: ")
    assert {path: path.read_bytes() for path in files_under(Path("cassettes"))} == before


def _damage_status(path: Path) -> None:
    path.write_text(path.read_text().replace("code: 200", "code: OK", 1))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _cut_last_line(path: Path) -> None:
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))


def _remove_blob(path: Path) -> None:
    next((path.parent / "blobs").iterdir()).unlink()


@pytest.mark.parametrize(("damage", "expected"), [
    (_truncate, r": (not valid YAML|count: missing)"),
    (_cut_last_line, r": count: missing; it is written last, so the file was cut short \(truncated\);"),
    (_damage_status, r": interactions\[0\]\.response\.status\.code: expected an integer, got 'OK';"),
    (_remove_blob, r": interactions\[0\]\.response\.body\.text: side file blobs/[0-9a-f]{32}\.png is missing;"),
    (lambda path: path.write_text("version: [1\n"), r": not valid YAML \(.* at line \d+, column \d+\)"),
    (lambda path: path.write_text(""), r": the file is empty; expected a recorded cassette;"),
    (lambda path: path.write_bytes(b"\xff\xfe\x00"), r": expected UTF-8 YAML, got an undecodable byte at offset 0;"),
])
def test_a_damaged_cassette_names_the_file_and_what_is_wrong(
    cassette: Path, api: ImageServer, client: httpx.Client, damage: Callable[[Path], None], expected: str
) -> None:
    record(cassette, api, lambda: generate(client, api))
    damage(cassette)

    with pytest.raises(CassetteCorrupt) as raised:
        with use_cassette(cassette, "none", base_url=api.base_url):
            pass

    assert str(raised.value).startswith("cassettes/contract/generate.yaml")
    assert re.search(expected, str(raised.value)), str(raised.value)
    assert str(raised.value).endswith("; record it again with --record-mode all, or delete it")


def test_all_mode_records_over_a_damaged_cassette(cassette: Path, api: ImageServer, client: httpx.Client) -> None:
    record(cassette, api, lambda: generate(client, api))
    _truncate(cassette)

    record(cassette, api, lambda: generate(client, api), mode="all")

    replay(cassette, api.base_url, lambda: generate(client, api))
