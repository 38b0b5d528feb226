"""upstream_key_used: the journal's key fingerprint against the configured upstream key and the client's own key."""

from __future__ import annotations

from typing import Callable

import pytest

from imagecontract.checks import CheckOutcome
from imagecontract.exchange import Exchange
from imagecontract.gateway.view import UpstreamView
from imagecontract.redact import mask_key
from imagecontract.sandbox.correlation import key_fingerprint

CLIENT_KEY = "ic-client-Qw7Rt2Yx9Lm4Kp6Z"
UPSTREAM_KEY = "ic-up-Hs3Vb8Nc5Jf1Gd7X"
OTHER_KEY = "ic-other-Mz4Tq9Wr2Bn6Lc8E"


def _entry(key: str | None, attempt: int = 1) -> dict:
    return {"key": mask_key(key) if key else None, "key_sha256": key_fingerprint(key) if key else None,
            "attempt": attempt, "response": {"status": 200}, "arrived_at": 0.0, "finished_at": 0.1}


def _through(make_exchange, received: list[str | None], sent_key: str = CLIENT_KEY, upstream_key: str = UPSTREAM_KEY) -> Exchange:
    exchange = make_exchange("generations", params={"model": "gpt-image-1.5", "prompt": "p"}, body={"created": 1, "data": []})
    exchange.request.headers["authorization"] = f"Bearer {sent_key}"
    exchange.upstream = UpstreamView([_entry(key, index + 1) for index, key in enumerate(received)], "field",
                                     "http://127.0.0.1:8081", upstream_key, 1.0, client_key=CLIENT_KEY)
    return exchange


def test_the_configured_upstream_key_passes(judge: Callable[[str, Exchange], CheckOutcome], make_exchange) -> None:
    outcome = judge("upstream_key_used", _through(make_exchange, [UPSTREAM_KEY]))
    assert outcome.applicable and outcome.passed


@pytest.mark.parametrize(("received", "reason"), [
    (CLIENT_KEY, f"the client's own key was forwarded to the upstream ({mask_key(CLIENT_KEY)}): the gateway passes its "
                 "users' keys through instead of its configured upstream key"),
    (OTHER_KEY, f"the upstream received another key ({mask_key(OTHER_KEY)}) than the configured upstream key "
                f"({mask_key(UPSTREAM_KEY)})"),
    (None, "the upstream received no API key: the gateway dropped the key instead of sending its upstream key"),
], ids=["client key", "another key", "no key"])
def test_any_other_key_fails_and_says_whose(judge, make_exchange, received: str | None, reason: str) -> None:
    (failure,) = judge("upstream_key_used", _through(make_exchange, [received])).failures
    assert failure.reason == reason
    assert CLIENT_KEY not in reason and UPSTREAM_KEY not in reason


def test_each_attempt_is_judged(judge, make_exchange) -> None:
    (failure,) = judge("upstream_key_used", _through(make_exchange, [UPSTREAM_KEY, CLIENT_KEY])).failures
    assert failure.reason.startswith("attempt 2: the client's own key was forwarded")


def test_not_judged_without_the_upstream_key_or_for_a_request_testing_another_client_key(judge, make_exchange) -> None:
    assert not judge("upstream_key_used", _through(make_exchange, [CLIENT_KEY], upstream_key="")).applicable
    assert not judge("upstream_key_used", _through(make_exchange, [OTHER_KEY], sent_key=OTHER_KEY)).applicable
