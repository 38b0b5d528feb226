"""The HTTP layer: real requests to 127.0.0.1, every transport failure one clear error."""

from __future__ import annotations

import shutil
import socket
from typing import Iterator

import httpx
import pytest

from imagecontract.errors import TransportError
from imagecontract.exchange import SentRequest
from imagecontract.run.http import new_client, send, text_only_multipart

AUTH = {"Authorization": "Bearer ic-test-key-123456"}


def generation(base_url: str, **body: object) -> SentRequest:
    return SentRequest("POST", f"{base_url}/images/generations", dict(AUTH),
                       json={"model": "dall-e-2", "prompt": "a cat", "size": "256x256", **body})


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with new_client() as shared:
        yield shared


def test_json_request_round_trip(client: httpx.Client, sandbox_url: str) -> None:
    response = send(client, generation(sandbox_url, response_format="b64_json"))
    assert response.status == 200 and response.content_type == "application/json"
    assert response.json["data"][0]["b64_json"] and response.elapsed > 0


def test_text_only_form_is_multipart(client: httpx.Client, sandbox_url: str) -> None:
    body, content_type = text_only_multipart({"prompt": "a cat", "size": "256x256"})
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'name="prompt"\r\n\r\na cat\r\n' in body
    sent = SentRequest("POST", f"{sandbox_url}/images/variations", dict(AUTH), form={"size": "256x256"})
    response = send(client, sent)
    assert response.status == 400 and response.json["error"]["message"] == "'image' is a required property"


def test_stream_events_keep_order_and_time(client: httpx.Client, sandbox_url: str) -> None:
    sent = generation(sandbox_url, model="gpt-image-1", size="1024x1024", stream=True, partial_images=2)
    response = send(client, sent)
    assert response.events is not None
    kinds = [event.data["type"] for event in response.events]
    assert kinds == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    assert [event.at for event in response.events] == sorted(event.at for event in response.events)


def test_connection_refused(client: httpx.Client, refused_url: str) -> None:
    with pytest.raises(TransportError, match="connection refused|could not connect"):
        send(client, generation(refused_url))


def test_dns_failure_simulated_in_process() -> None:
    """The resolver's error, raised by a transport: no name is ever looked up."""

    def resolver_fails(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from socket.gaierror(
            -2, "Name or service not known"
        )

    with httpx.Client(transport=httpx.MockTransport(resolver_fails)) as client:
        with pytest.raises(TransportError, match="DNS lookup failed"):
            send(client, generation("http://gateway.internal/v1"))


def test_truncated_body(client: httpx.Client, sandbox) -> None:
    server = sandbox(faults=["truncate-body"])
    with pytest.raises(TransportError, match="truncated body"):
        send(client, generation(server.base_url, response_format="b64_json"))


def test_hanging_server_times_out(client: httpx.Client, sandbox) -> None:
    server = sandbox(faults=["hang=5"])
    with pytest.raises(TransportError, match="timed out waiting for the response"):
        send(client, generation(server.base_url), timeout=0.5)


def test_body_over_the_cap(client: httpx.Client, sandbox_url: str) -> None:
    with pytest.raises(TransportError, match="response body .*exceeds the 1000 B limit"):
        send(client, generation(sandbox_url, response_format="b64_json"), max_body=1000)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_tls_error_with_self_signed_server(client: httpx.Client, self_signed_server: str) -> None:
    with pytest.raises(TransportError, match="TLS certificate verification failed"):
        send(client, generation(self_signed_server))
