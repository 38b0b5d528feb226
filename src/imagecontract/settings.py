"""Option values -> `RunSettings`, resolved once: the target default chain, the key variable, the budget store.

Plain code with no pytest in it: the plugin hands over its option values as an
`OptionValues` and stashes what `resolve` returns; tests build both directly.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from imagecontract import lifecycle, rules
from imagecontract.cassettes.modes import MODES, RecordMode
from imagecontract.collection.environment import load_environment
from imagecontract.collection.iterations import Row, load_rows
from imagecontract.collection.model import Collection, RequestSpec, slugify
from imagecontract.collection.targets import Target, resolve_target
from imagecontract.collection.templating import layered, parse_assignments
from imagecontract.distributed.shard import ShardSpec, parse_shard
from imagecontract.errors import BudgetStoreError, ImageContractError
from imagecontract.image_budget import budget as image_budget
from imagecontract.image_budget.stores import default_path, open_store
from imagecontract.schemas import SchemaStore

PUBLIC_API_BASE_URL = "https://api.openai.com/v1"

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
    image_budget: image_budget.ImageBudget | None = None
    """The run's shared budget (rate, --max-images, stop flag), used only when a request sends traffic."""
    request_timeout: float | None = None
    """`--request-timeout`: each request's deadline (send to last byte) when it gives no `timeout:` of its own."""
    secret_envs: tuple[str, ...] = ()
    """`--secret-env NAME`: more values to keep secret, e.g. the upstream key a gateway holds, should it echo it."""
    fixtures_anywhere: bool = False
    """`--allow-outside-fixtures`: a fixture may be any file, not only one of the collection's project."""
    on_secrets: Callable[[tuple[str, ...]], None] | None = None
    """Told each request's secrets before it is sent, so logs written while it runs already hide them."""
    upstream: Any = None
    """Sandwich mode: the `gateway.upstream.Upstream` behind the target, whose journal the upstream checks read."""
    strict: bool = False
    """Advisory findings fail the test too (`--strict-checks`; a collection's `strict_checks: true` for its own)."""
    baselines: dict[str, Any] = field(default_factory=dict)
    """Facts measured on this target that later checks compare with (a one-image edit's image tokens)."""
    as_of: date | None = None
    """The day of the API the target serves (`--as-of`, the named target's `as_of`); None: today."""

    @property
    def sends_traffic(self) -> bool:
        """Whether requests may reach the target (live, or recording what is missing)."""
        return self.live or MODES[self.record_mode].sends_traffic

    def sends(self, cassette: Path | None) -> bool:
        """Whether a request with this cassette (None: live) reaches the target."""
        return self.live or cassette is None or MODES[self.record_mode].sends(cassette.exists())

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
        """The key in `env_name` (the environment, else `--env-file`/`--var`); replay needs none, sending does
        (`sends`: whether this request reaches the target; None: whether the run may)."""
        value = self.environ.get(env_name) or self.variables.get(env_name) or ""
        if value:
            return str(value)
        if self.sends_traffic if sends is None else sends:
            raise ImageContractError(
                f"no API key: set the environment variable {env_name} (or name another with --api-key-env)"
            )
        return REPLAY_PLACEHOLDER_KEY

    def cassette_path(self, collection: Collection, spec: RequestSpec) -> Path:
        return self.cassette_dir / collection.slug / f"{slugify(spec.name)}.yaml"


@dataclass(frozen=True)
class OptionValues:
    """The command-line options as given (None: not given), named as pytest stores them."""

    target: str | None = None
    api_key_env: str | None = None
    record_mode: str | None = RecordMode.NONE.value
    """None when pytest-recording owns `--record-mode` and it was not given."""
    live: bool = False
    latency_scale: float = 1.0
    replay_pace: str = "recorded"
    var: Sequence[str] = ()
    env_file: str | None = None
    iteration_data: str | None = None
    cassette_dir: str | None = None
    schemas_dir: str | None = None
    rate_limit: int | None = None
    max_images: int | None = None
    run_id: str | None = None
    budget_url: str | None = None
    concurrency: int | None = None
    shard: str | None = None
    as_of: str | None = None
    numprocesses: Any = None
    request_timeout: float | None = None
    secret_env: Sequence[str] = ()
    allow_outside_fixtures: bool = False

    @classmethod
    def of(cls, namespace: Any) -> OptionValues:
        """The values of `namespace` (pytest's `config.option`); an option nobody registered keeps its default."""
        return cls(**{spec.name: getattr(namespace, spec.name, spec.default) for spec in fields(cls)})


@dataclass
class Resolved:
    """What a run's options resolve to, once, before anything is collected or sent."""

    settings: RunSettings
    target: Target | None = None
    """The named target (`--target NAME`), whose declared capabilities skip requests."""
    shard: ShardSpec | None = None
    run_id: str | None = None
    """The budget's run id, when the run sends traffic (the xdist controller hands it to its workers)."""
    fresh_store: Path | None = None
    """The SQLite budget file of a run nobody else can join, to remove when the run ends."""
    rows: list[Row] | None = None
    """`--iteration-data` rows: every request runs once per row (None: once)."""


def resolve(values: OptionValues, rootdir: Path, environ: Mapping[str, str], *, worker: bool = False) -> Resolved:
    """Settings, named target, shard and budget from the option values; ImageContractError names a bad one.

    `worker` is true in a pytest-xdist worker, which joins its controller's budget and never owns its file.
    """
    variables: dict[str, Any] = {}
    if values.env_file:
        variables.update(load_environment(Path(values.env_file)))
    variables.update(parse_assignments(values.var))
    named = resolve_target(values.target, rootdir) if values.target else None
    target = named.base_url if named else environ.get("OPENAI_BASE_URL") or PUBLIC_API_BASE_URL
    settings = RunSettings(
        target=target,
        api_key_env=values.api_key_env or (named.api_key_env if named else "") or DEFAULT_KEY_ENV,
        record_mode=record_mode(values.record_mode),
        live=values.live,
        latency_scale=values.latency_scale,
        replay_pace=values.replay_pace,
        variables=variables,
        environ=dict(environ),
        cassette_dir=Path(values.cassette_dir) if values.cassette_dir else rootdir / "cassettes",
        schemas=SchemaStore(Path(values.schemas_dir)) if values.schemas_dir else SchemaStore.default(rootdir),
        record_command=f"imagecontract run --record-mode once --target {shlex.quote(values.target or target)}"
                       + (f" --cassette-dir {shlex.quote(values.cassette_dir)}" if values.cassette_dir else ""),
        as_of=lifecycle.target_day(values.as_of, named.as_of if named else None, environ),
        request_timeout=values.request_timeout,
        secret_envs=tuple(values.secret_env),
        fixtures_anywhere=values.allow_outside_fixtures,
    )
    if values.request_timeout is not None and not values.request_timeout > 0:
        raise ImageContractError(f"--request-timeout {values.request_timeout:g}: expected seconds above 0, "
                                 f"e.g. --request-timeout 60")
    check_concurrency(values)
    resolved = Resolved(settings, named, parse_shard(values.shard) if values.shard else None)
    resolved.rows = load_rows(Path(values.iteration_data)) if values.iteration_data else None
    if settings.sends_traffic:
        _open_budget(resolved, values, rootdir, environ, worker)
    return resolved


def record_mode(value: str | None) -> RecordMode:
    """`--record-mode`, which pytest-recording may own: its `rewrite` is not one of ours."""
    try:
        return RecordMode(value or RecordMode.NONE.value)
    except ValueError:
        known = ", ".join(mode.value for mode in MODES)
        raise ImageContractError(f"--record-mode {value}: imagecontract records with one of {known} "
                                 f"({value} is pytest-recording's, for its own @pytest.mark.vcr tests)") from None


def check_concurrency(values: OptionValues) -> None:
    """`--concurrency` sends from threads: only live (vcrpy patches httpx process-wide, one cassette at a time)."""
    if values.concurrency is None:
        return
    if values.concurrency < 1:
        raise ImageContractError(f"--concurrency {values.concurrency}: expected a number of requests in flight, 1 or more")
    if not values.live:
        raise ImageContractError("--concurrency needs --live: cassettes are recorded and replayed one at a time "
                                 "(vcrpy patches httpx for the whole process); use -n N (pytest-xdist) to record concurrently")
    if values.numprocesses:
        raise ImageContractError("--concurrency and -n both run requests concurrently: choose one")


def _open_budget(resolved: Resolved, values: OptionValues, rootdir: Path, environ: Mapping[str, str], worker: bool) -> None:
    """The run's shared budget, its store checked now: an unreachable store stops the run before anything is sent.

    A SQLite store made for a run with a fresh id is removed when the run ends (nobody else can join it).
    """
    given = image_budget.given_run_id(values.run_id, environ)
    resolved.run_id = given or image_budget.run_id(None, environ)
    url = values.budget_url or f"sqlite:///{default_path(rootdir, resolved.run_id)}"
    if given is None and values.budget_url is None and not worker:
        resolved.fresh_store = default_path(rootdir, resolved.run_id)
    store = open_store(url, image_budget.store_key(resolved.run_id, resolved.settings.target))
    try:
        store.check()
    except BudgetStoreError as exc:
        raise ImageContractError(f"{exc}; nothing was sent (start the store, or fix --budget-url)") from None
    resolved.settings.image_budget = image_budget.ImageBudget(
        store=store, rate_limit=values.rate_limit, max_images=values.max_images,
        window=image_budget.window_seconds(environ),
    )


def unserved(settings: RunSettings, named: Target | None, collection: Collection, spec: RequestSpec) -> str | None:
    """Why the target's day does not serve a request that would reach it (`lifecycle`), or None."""
    if not settings.sends(settings.cassette_path(collection, spec)):
        return None
    return lifecycle.chain_skip_reason(collection.requests, spec, str(collection.path), collection.as_of,
                                       settings.as_of or rules.today(), named.serves if named else (),
                                       named.name if named else settings.target)


def estimated_images(settings: RunSettings, requests: Iterable[tuple[Collection, RequestSpec]],
                     named: Target | None = None) -> int:
    """How many images the requests that will reach the target may generate (the cost guard's estimate)."""
    estimated = 0
    for collection, spec in requests:
        if "live_only" in spec.tags and not settings.live:
            continue
        if not settings.sends(settings.cassette_path(collection, spec)) or unserved(settings, named, collection, spec):
            continue
        estimated += image_budget.request_images(spec, layered(settings.variables, collection.variables, settings.environ))
    return estimated
