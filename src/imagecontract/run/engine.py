"""Running one request of a collection: template, send (live or through a cassette), check, save.

Plain code with no pytest in it: the plugin calls `run_request` once per
test item and turns the `RequestResult` into a pass, a failure or a skip.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import httpx

from imagecontract.checks import CheckContext, CheckOutcome, run_checks
from imagecontract.collection.loader import CONTROL_CHARACTERS, NON_FINITE_FIX, format_location, non_finite
from imagecontract.collection.model import Collection, Expectation, RequestSpec
from imagecontract.collection.templating import layered, render
from imagecontract.collection.typed_values import typed_body
from imagecontract.errors import BudgetStop, ImageContractError
from imagecontract.exchange import Exchange, Failure, FilePart, SentRequest
from imagecontract.image_budget import retry
from imagecontract.image_budget.budget import expected_images
from imagecontract.images import returned_images
from imagecontract.jsonpath import MISSING, lookup, parse_path
from imagecontract.latency import Budget, budget_for
from imagecontract.run.http import send
from imagecontract.run.image_urls import fetch_images, image_urls
from imagecontract.run.uploads import file_part
from imagecontract.schemas import SchemaStore
from imagecontract.settings import REPLAY_PLACEHOLDER_KEY, RunSettings

if TYPE_CHECKING:
    from imagecontract.cassettes.session import CassetteSession

MIN_SECRET_CHARS = 8
"""Shorter "keys" (test stand-ins like `x`) are not redacted: hiding every `x` would garble all text."""


@dataclass
class CollectionState:
    """What earlier requests of a collection left for later ones (`save:`)."""

    values: dict[str, Any] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)


@dataclass
class RequestResult:
    """The outcome of one request (all its repeats), for the plugin, report and summary."""

    collection: Collection
    spec: RequestSpec
    budget: Budget
    exchanges: list[Exchange] = field(default_factory=list)
    outcomes: list[CheckOutcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    advisories: list[Failure] = field(default_factory=list)
    """Findings of advisory checks: shown, not failing the test (unless strict checks made them failures)."""
    error: str | None = None
    cassette: Path | None = None
    replayed: bool = False
    retries: list[str] = field(default_factory=list)
    """One line per 429 retried after its Retry-After, for the report."""
    stop_run: str | None = None
    """Why the whole run must stop (billing hard limit, no quota, --max-images spent)."""

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures

    @property
    def latencies(self) -> list[float]:
        return [exchange.response.elapsed for exchange in self.exchanges]


def run_request(
    settings: RunSettings, client: httpx.Client, collection: Collection, spec: RequestSpec, state: CollectionState
) -> RequestResult:
    """Run `spec` (`repeat:` times), check every answer, and save what later requests need.

    A recording replaces an existing cassette only when its checks passed, so a
    failing re-record never overwrites a good cassette; a new one is kept either way.
    """
    where = f"{collection.path.name}: {spec.location}"
    variables = layered(state.values, settings.variables, collection.variables, settings.environ)
    cassette = None if settings.live else settings.cassette_path(collection, spec)
    sent, secrets = prepare(settings, collection, spec, variables, state, where, sends=settings.sends(cassette))
    if settings.on_secrets is not None:
        settings.on_secrets(secrets)
    size = str(sent.params.get("size")) if sent.params.get("size") else None
    budget = budget_for(spec.expect, spec.endpoint, size, settings.latency_scale)
    expect = render(dict(spec.expect), variables, where=f"{where}.expect")
    result = RequestResult(collection=collection, spec=spec, budget=budget)
    context = CheckContext(schemas=settings.schemas or SchemaStore.default(), baselines=settings.baselines)
    result.cassette = cassette
    try:
        with _recording(settings, cassette, secrets) as (session, replayer):
            for index in range(spec.repeat):
                exchange = _exchange(replayer or client, sent, spec, expect, secrets, budget, session, settings, result)
                exchange.as_of = collection.as_of or settings.as_of
                result.exchanges.append(exchange)
                if index == spec.repeat - 1:
                    exchange.repeat_latencies = tuple(result.latencies)
                outcomes = run_checks(exchange, context, select=expect.get("checks"), skip=expect.get("skip_checks", ()))
                result.outcomes = outcomes
                for outcome in outcomes:
                    strict = settings.strict or collection.strict_checks
                    (result.failures if outcome.fails_test(strict) else result.advisories).extend(outcome.failures)
            if session is not None:
                if not result.failures or not session.path.exists():
                    session.commit()
                result.replayed = session.replayed
        if result.passed:
            _save(spec, result.exchanges[-1], state, where)
    except ImageContractError as exc:
        result.error = str(exc)
    except BudgetStop as exc:
        result.error = str(exc)
        result.stop_run = str(exc)
    if result.exchanges and result.stop_run is None:
        code = retry.stop_code(result.exchanges[-1].response.json_or_none())
        if code and Expectation.of(expect).status != result.exchanges[-1].response.status:
            result.stop_run = f"the target answered {code}: no further request can succeed, stopping the run"
    if result.stop_run and settings.image_budget is not None:
        settings.image_budget.stop(result.stop_run)
    if not result.passed:
        state.failed.add(spec.name)
    return result


def run_dependencies(
    settings: RunSettings, client: httpx.Client, collection: Collection, spec: RequestSpec, state: CollectionState
) -> str | None:
    """Run, on demand, the earlier requests whose saved images or values `spec` needs (when `-k`/`-m` left them
    out), each once; in replay they come from their cassettes.

    Returns why `spec` cannot run (a producer failed), or None when every input is there.
    """
    producers = {name: collection.producer_of(name, before=spec.index) for name in spec.uses}
    for name, producer in sorted(((name, found) for name, found in producers.items() if found is not None),
                                 key=lambda pair: (pair[1].index, pair[0])):
        if name in state.images or name in state.values:
            continue
        if producer.name not in state.failed:
            blocked = run_dependencies(settings, client, collection, producer, state)
            if blocked is None:
                run_request(settings, client, collection, producer, state)
        if name not in state.images and name not in state.values:
            kind = "image" if name in spec.saved_uploads else "value"
            return f"needs the {kind} {name!r} saved by {producer.name!r}, which did not pass"
    return None


def prepare(
    settings: RunSettings, collection: Collection, spec: RequestSpec, variables: Mapping[str, Any],
    state: CollectionState, where: str, sends: bool | None = None,
) -> tuple[SentRequest, tuple[str, ...]]:
    """The request exactly as it will be sent, and the secrets it carries."""
    url = render(spec.url, variables, where=f"{where}.url") if spec.url else settings.target.rstrip("/") + render(
        spec.path or "", variables, where=f"{where}.path"
    )
    headers = {str(k): str(v) for k, v in render(dict(spec.headers), variables, where=f"{where}.headers").items()}
    for name, value in headers.items():
        if CONTROL_CHARACTERS.search(value):
            raise ImageContractError(f"{where}.headers.{name}: {value[:40]!r} holds a line break or control character; "
                                     f"a header value is one line of text")
    secrets: list[str] = []
    token = _token(settings, spec.auth, variables, where, sends)
    if token:
        headers.setdefault("Authorization", f"Bearer {token}")
        secrets.append(token)
    secrets += [settings.environ.get(name, "") for name in (settings.api_key_env, *settings.secret_envs)]
    body_json = typed_body(spec.json, render(spec.json, variables, where=f"{where}.json")) if spec.json is not None else None
    found = non_finite(body_json)
    if found:
        raise ImageContractError(f"{where}.{format_location(['json', *found[0]])}: {found[1]} {NON_FINITE_FIX}")
    form_fields: dict[str, str] = {}
    files: list[FilePart] = []
    if spec.form is not None:
        for name, value in render(dict(spec.form.get("fields") or {}), variables, where=f"{where}.form.fields").items():
            form_fields[name] = _form_text(value)
        for name, entry in (spec.form.get("files") or {}).items():
            entries = entry if isinstance(entry, list) else [entry]
            for index, item in enumerate(entries):
                place = f"{where}.form.files.{name}" + (f"[{index}]" if isinstance(entry, list) else "")
                files.append(file_part(name, item, base_dir=collection.directory, saved=state.images, where=place,
                                       confined=not settings.fixtures_anywhere))
    raw = render(spec.body, variables, where=f"{where}.body") if spec.body is not None else None
    sent = SentRequest(method=spec.method, url=url, headers=headers, json=body_json, form=form_fields, files=files, raw=raw)
    kept = (secret for secret in secrets if secret != REPLAY_PLACEHOLDER_KEY and len(secret) >= MIN_SECRET_CHARS)
    return sent, tuple(dict.fromkeys(kept))


def _token(settings: RunSettings, auth: Any, variables: Mapping[str, Any], where: str, sends: bool | None) -> str | None:
    if auth == "none":
        return None
    if isinstance(auth, dict) and "bearer" in auth:
        return str(render(auth["bearer"], variables, where=f"{where}.auth.bearer"))
    if isinstance(auth, dict) and "bearer_env" in auth:
        return settings.key_from(settings.key_variable(auth["bearer_env"]), sends)
    return settings.key_from(settings.api_key_env, sends)


def _form_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@contextlib.contextmanager
def _recording(
    settings: RunSettings, cassette: Path | None, secrets: tuple[str, ...]
) -> Iterator[tuple[CassetteSession | None, httpx.Client | None]]:
    """The cassette session around one request (None live) and, for a cassette that only replays, the client
    that plays it (`cassettes.replay`). vcrpy is imported only here: a live run never loads it."""
    if cassette is None:
        yield None, None
        return
    from imagecontract.cassettes.replay import recorded

    with recorded(
        cassette, settings.record_mode, base_url=settings.target, secrets=secrets, pace=settings.replay_pace,
        record_command=settings.record_command,
    ) as (session, replayer):
        yield session, replayer


def _exchange(
    client: httpx.Client, sent: SentRequest, spec: RequestSpec, expect: Mapping[str, Any],
    secrets: tuple[str, ...], budget: Budget, session: CassetteSession | None,
    settings: RunSettings | None = None, result: RequestResult | None = None,
) -> Exchange:
    sends = settings is not None and (settings.live or (session is not None and settings.sends(session.path)))
    shared = settings.image_budget if sends else None
    expected = Expectation.of(expect)
    images = expected_images(sent.params, expected.status)
    expects_429 = expected.status == 429
    timeout = spec.timeout or (settings.request_timeout if settings is not None else None)
    upstream, attempts, started = None, 0, time.time()
    if settings is not None and settings.upstream is not None:
        sent, correlation = settings.upstream.tag(sent)
    for attempt in range(retry.MAX_RETRIES + 1):
        attempts += 1
        if shared is not None:
            shared.acquire(images)
        response = send(client, sent, timeout=timeout)
        if response.status != 429 or expects_429 or attempt == retry.MAX_RETRIES:
            break
        if retry.stop_code(response.json_or_none()):
            break
        wait = retry.retry_after(response.headers)
        if result is not None:
            result.retries.append(f"429 on attempt {attempt + 1}: {retry.retry_wait_text(response.headers, wait)}")
        retry.pause_for_retry(wait)
    if settings is not None and settings.upstream is not None:
        upstream = settings.upstream.observe(correlation, started, time.time(), attempts)
    if session is not None:
        response.elapsed = session.latency(response.elapsed)
        times = session.event_times()
        if times is not None and response.events is not None and len(times) == len(response.events):
            response.events = [dataclasses.replace(event, at=at) for event, at in zip(response.events, times)]
    downloads, download_errors = {}, {}
    if 200 <= response.status < 300:
        downloads, download_errors = fetch_images(client, image_urls(response.json_or_none(), response.events), timeout)
    return Exchange(
        request=sent, response=response, expect=expect, secrets=secrets, downloads=downloads, latency_budget=budget.max,
        first_event_budget=budget.first_event, percentile_budgets=budget.percentiles, download_errors=download_errors,
        upstream=upstream,
    )


def _save(spec: RequestSpec, exchange: Exchange, state: CollectionState, where: str) -> None:
    for name, source in spec.save.items():
        if isinstance(source, dict):
            images = returned_images(exchange)
            index = source["image"]
            if index >= len(images) or images[index].data is None:
                raise ImageContractError(f"{where}.save.{name}: the response has no decodable image at index {index}")
            state.images[name] = images[index].data
        else:
            value = lookup(exchange.response.json_or_none(), parse_path(source))
            if value is MISSING:
                raise ImageContractError(f"{where}.save.{name}: the response has nothing at {source!r}")
            state.values[name] = value
