"""Running one request of a collection: template, send (live or through a cassette), check, save.

Plain code with no pytest in it: the plugin calls `run_request` once per
test item and turns the `RequestResult` into a pass, a failure or a skip.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import httpx

from imagecontract.cassettes.session import CassetteSession, RecordMode, use_cassette
from imagecontract.checks import CheckContext, CheckOutcome, run_checks
from imagecontract.collection.loader import Collection, RequestSpec, slugify
from imagecontract.collection.templating import layered, render
from imagecontract.collection.typed_values import typed_body
from imagecontract.errors import ImageContractError
from imagecontract.exchange import Exchange, Failure, FilePart, SentRequest
from imagecontract.image_budget import budget as image_budget
from imagecontract.images import returned_images
from imagecontract.jsonpath import MISSING, lookup, parse_path
from imagecontract.latency import Budget, budget_for, percentile
from imagecontract.run.http import download, send
from imagecontract.run.uploads import file_part
from imagecontract.schemas import SchemaStore

PUBLIC_API_BASE_URL = "https://api.openai.com/v1"

MIN_SECRET_CHARS = 8
"""Shorter "keys" (test stand-ins like `x`) are not redacted: hiding every `x` would garble all text."""

DEFAULT_KEY_ENV = "OPENAI_API_KEY"

REPLAY_PLACEHOLDER_KEY = "replay-without-a-key"
"""Sent when replaying with no key set: cassettes never store the key, so any value matches."""


@dataclass
class RunSettings:
    """Everything about a run that is the same for every request."""

    target: str = PUBLIC_API_BASE_URL
    api_key_env: str = DEFAULT_KEY_ENV
    record_mode: RecordMode = RecordMode.NONE
    live: bool = False
    latency_scale: float = 1.0
    variables: Mapping[str, Any] = field(default_factory=dict)
    cassette_dir: Path = Path("cassettes")
    schemas: SchemaStore | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    record_command: str = "imagecontract run --record-mode once"
    replay_pace: str = "recorded"
    """`recorded` gives a replayed stream back at its recorded pace, `instant` at once."""
    image_budget: Any = None
    """The run's shared `budget.ImageBudget` (rate, --max-images, stop flag), used only when a request sends traffic."""

    @property
    def sends_traffic(self) -> bool:
        """Whether requests may reach the target (live, or recording what is missing)."""
        return self.live or self.record_mode is not RecordMode.NONE

    @property
    def mode_name(self) -> str:
        return "live" if self.live else f"cassettes ({self.record_mode.value})"

    def __post_init__(self) -> None:
        """A key given by `--env-file` (a Postman environment holding it) or `--var` counts as if exported."""
        value = self.variables.get(self.api_key_env)
        if value not in (None, "") and not self.environ.get(self.api_key_env):
            self.environ = {**self.environ, self.api_key_env: str(value)}

    def key_variable(self, name: str) -> str:
        """The variable a collection's `bearer_env: NAME` reads: `OPENAI_API_KEY`, what a Postman import writes,
        stands for the run's key (`--api-key-env`, else the named target's); any other name is itself."""
        return self.api_key_env if name == DEFAULT_KEY_ENV else name

    def key_from(self, env_name: str, sends: bool | None = None) -> str:
        """The key in `env_name` (the environment, else `--env-file`/`--var`); replay needs none, sending does."""
        value = self.environ.get(env_name) or self.variables.get(env_name) or ""
        if value:
            return str(value)
        if self.sends_traffic if sends is None else sends:
            raise ImageContractError(
                f"no API key: set the environment variable {env_name} (or name another with --api-key-env)"
            )
        return REPLAY_PLACEHOLDER_KEY

    def sends_for(self, cassette: Path | None) -> bool:
        """Whether this request may reach the target: not when `--record-mode once` finds its cassette recorded."""
        if self.live or cassette is None:
            return self.sends_traffic
        return self.record_mode is not RecordMode.NONE and not (self.record_mode is RecordMode.ONCE and cassette.exists())

    def cassette_path(self, collection: Collection, spec: RequestSpec) -> Path:
        return self.cassette_dir / collection.slug / f"{slugify(spec.name)}.yaml"


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
    sent, secrets = prepare(settings, collection, spec, variables, state, where, sends=settings.sends_for(cassette))
    size = str(sent.params.get("size")) if sent.params.get("size") else None
    budget = budget_for(spec.expect, spec.endpoint, size, settings.latency_scale)
    expect = render(dict(spec.expect), variables, where=f"{where}.expect")
    result = RequestResult(collection=collection, spec=spec, budget=budget)
    context = CheckContext(schemas=settings.schemas or SchemaStore.default())
    result.cassette = cassette
    try:
        with _recording(settings, cassette, secrets) as session:
            for _ in range(spec.repeat):
                exchange = _exchange(client, sent, spec, expect, secrets, budget, session, settings, result)
                result.exchanges.append(exchange)
                outcomes = run_checks(exchange, context, select=expect.get("checks"), skip=expect.get("skip_checks", ()))
                result.outcomes = outcomes
                result.failures.extend(failure for outcome in outcomes for failure in outcome.failures)
            result.failures.extend(_percentile_failures(result.latencies, budget))
            if session is not None:
                if not result.failures or not session.path.exists():
                    session.commit()
                result.replayed = session.replayed
        if result.passed:
            _save(spec, result.exchanges[-1], state, where)
    except ImageContractError as exc:
        result.error = str(exc)
    except image_budget.BudgetStop as exc:
        result.error = str(exc)
        result.stop_run = str(exc)
    if result.exchanges and result.stop_run is None:
        code = image_budget.stop_code(result.exchanges[-1].response.json_or_none())
        if code and int(expect.get("status", 200)) != result.exchanges[-1].response.status:
            result.stop_run = f"the target answered {code}: no further request can succeed, stopping the run"
    if result.stop_run and settings.image_budget is not None:
        settings.image_budget.stop(result.stop_run)
    if not result.passed:
        state.failed.add(spec.name)
    return result


def run_dependencies(
    settings: RunSettings, client: httpx.Client, collection: Collection, spec: RequestSpec, state: CollectionState
) -> str | None:
    """Run, on demand, the earlier requests whose saved images `spec` uploads (when `-k` left them out).

    Returns why `spec` cannot run (a producer failed), or None when every input is there.
    """
    for name in spec.saved_uploads:
        producer = collection.producer_of(name)
        if producer is None or name in state.images:
            continue
        if producer.name not in state.failed:
            blocked = run_dependencies(settings, client, collection, producer, state)
            if blocked is None:
                run_request(settings, client, collection, producer, state)
        if name not in state.images:
            return f"needs the image {name!r} saved by {producer.name!r}, which did not pass"
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
    secrets: list[str] = []
    token = _token(settings, spec.auth, variables, where, sends)
    if token:
        headers.setdefault("Authorization", f"Bearer {token}")
        secrets.append(token)
    if settings.environ.get(settings.api_key_env):
        secrets.append(settings.environ[settings.api_key_env])
    body_json = typed_body(spec.json, render(spec.json, variables, where=f"{where}.json")) if spec.json is not None else None
    form_fields: dict[str, str] = {}
    files: list[FilePart] = []
    if spec.form is not None:
        for name, value in render(dict(spec.form.get("fields") or {}), variables, where=f"{where}.form.fields").items():
            form_fields[name] = _form_text(value)
        for name, entry in (spec.form.get("files") or {}).items():
            entries = entry if isinstance(entry, list) else [entry]
            for index, item in enumerate(entries):
                place = f"{where}.form.files.{name}" + (f"[{index}]" if isinstance(entry, list) else "")
                files.append(file_part(name, item, base_dir=collection.directory, saved=state.images, where=place))
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
def _recording(settings: RunSettings, cassette: Path | None, secrets: tuple[str, ...]) -> Iterator[CassetteSession | None]:
    if cassette is None:
        yield None
        return
    with use_cassette(
        cassette, settings.record_mode, base_url=settings.target, secrets=secrets, pace=settings.replay_pace,
        record_command=settings.record_command,
    ) as session:
        yield session


def _exchange(
    client: httpx.Client, sent: SentRequest, spec: RequestSpec, expect: Mapping[str, Any],
    secrets: tuple[str, ...], budget: Budget, session: CassetteSession | None,
    settings: RunSettings | None = None, result: RequestResult | None = None,
) -> Exchange:
    shared = settings.image_budget if settings is not None and _sends(settings, session) else None
    images = image_budget.expected_images(sent.json if sent.json is not None else sent.form, expect.get("status", 200))
    expects_429 = str(expect.get("status", 200)) == "429"
    for attempt in range(image_budget.MAX_RETRIES + 1):
        if shared is not None:
            shared.acquire(images)
        response = send(client, sent, timeout=spec.timeout)
        if response.status != 429 or expects_429 or attempt == image_budget.MAX_RETRIES:
            break
        if image_budget.stop_code(response.json_or_none()):
            break
        wait = image_budget.retry_after(response.headers)
        if result is not None:
            result.retries.append(f"429 on attempt {attempt + 1}: {image_budget.retry_wait_text(response.headers, wait)}")
        image_budget.pause_for_retry(wait)
    if session is not None:
        response.elapsed = session.latency(response.elapsed)
        times = session.event_times()
        if times is not None and response.events is not None and len(times) == len(response.events):
            response.events = [dataclasses.replace(event, at=at) for event, at in zip(response.events, times)]
    downloads: dict[str, bytes] = {}
    body = response.json_or_none()
    if 200 <= response.status < 300 and isinstance(body, dict):
        for item in body.get("data") or []:
            url = item.get("url") if isinstance(item, dict) else None
            if isinstance(url, str) and url.startswith(("http://", "https://")) and url not in downloads:
                downloads[url] = download(client, url)
    return Exchange(
        request=sent, response=response, expect=expect, secrets=secrets, downloads=downloads, latency_budget=budget.max,
        first_event_budget=budget.first_event,
    )


def _sends(settings: RunSettings, session: CassetteSession | None) -> bool:
    """Whether this exchange will reach the target: live, or recording into a cassette that replays nothing."""
    if settings.live:
        return True
    if session is None or settings.record_mode is RecordMode.NONE:
        return False
    return settings.record_mode is not RecordMode.ONCE or not session.path.exists()


def _percentile_failures(latencies: list[float], budget: Budget) -> list[Failure]:
    """`repeat:` budgets: p50 and p95 over every run of the request."""
    failures = []
    for name, limit, quantile in (("p50", budget.p50, 50), ("p95", budget.p95, 95)):
        if limit is None or not latencies:
            continue
        value = percentile(latencies, quantile)
        if value > limit:
            failures.append(Failure("latency_budget", f"{name} {value:.2f} s over {len(latencies)} runs, budget {limit:.2f} s"))
    return failures


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
