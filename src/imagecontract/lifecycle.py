"""Which requests a target can still serve, judged by the day of its API.

Two days matter for a request. The *collection's* day (`as_of:` in the collection, else the target's) says what
the request means: a request without `model` means dall-e-2 in the seed era and gpt-image-1.5 on today's edits.
The *target's* day (`--as-of`, else `$IMAGECONTRACT_AS_OF`, else the named target's `as_of`, else today) says what
the target serves: a request for a model retired (or not yet released) on that day is skipped with its reason
instead of failing for the suite's reasons, unless the target declares in `targets.yaml` that it still `serves` it.

Only requests that would reach the target are judged: a replayed cassette is what was recorded, whatever its day.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from imagecontract import rules
from imagecontract.errors import ImageContractError

AS_OF_ENV = "IMAGECONTRACT_AS_OF"


def add_option(group: Any) -> None:
    """`--as-of` on the run's option group."""
    group.addoption("--as-of", default=None, metavar="YYYY-MM-DD|today",
                    help=f"the day of the API the target serves (default: ${AS_OF_ENV}, else the named target's "
                         "as_of, else today): requests for models retired or not yet released on it are skipped")


def parse_day(text: str, where: str) -> date:
    """A day from the command line, the environment or a file; one located error otherwise."""
    try:
        return rules.parse_day(text)
    except ValueError as exc:
        raise ImageContractError(f"{where}: {exc}") from None


def target_day(option: str | None, named_as_of: date | None, environ: Mapping[str, str] | None = None) -> date:
    """The day of the API the run's target serves."""
    environ = os.environ if environ is None else environ
    if option:
        return parse_day(option, "--as-of")
    if environ.get(AS_OF_ENV):
        return parse_day(environ[AS_OF_ENV], f"${AS_OF_ENV}")
    return named_as_of or rules.today()


def meaning_day(collection_as_of: date | None, target: date) -> date:
    """The day a request's defaults are read as of: its collection's, else the target's."""
    return collection_as_of or target


def request_model(spec: Any, day: date) -> str:
    """The model a request asks for (explicitly or by the day's default); "" when none or templated."""
    model = spec.model_as_of(day)
    return "" if "{{" in model else model


def skip_reason(spec: Any, collection_as_of: date | None, day: date, serves: Iterable[str] = (),
                target_name: str = "the target") -> str | None:
    """Why a request cannot be sent to a target serving the API as of `day`, or None.

    A request that expects a retirement (`expect.retired: NAME`) is the opposite case: it is skipped when NAME is
    not retired on `day`, or when the target declares it still serves NAME."""
    endpoint = spec.endpoint
    if endpoint is None:
        return None
    served = frozenset(serves)
    retired_expected = spec.expect.get("retired")
    if retired_expected:
        return _retirement_expected(str(retired_expected), endpoint, day, served, target_name)
    endpoint_life = rules.ENDPOINT_LIFECYCLES[endpoint]
    if endpoint_life.status(day) == "retired" and endpoint not in served:
        return rules.retirement_reason(f"/v1/images/{endpoint}", endpoint_life)
    meant = meaning_day(collection_as_of, day)
    model = request_model(spec, meant)
    known = rules.MODELS.get(model)
    status = known.lifecycle.status(day) if known is not None and model not in served else "available"
    if status == "retired":
        return rules.retirement_reason(model, known.lifecycle)
    if status == "unreleased":
        return f"{model} not released as of {day.isoformat()} (first documented {known.lifecycle.released.isoformat()})"
    there = request_model(spec, day)
    if there != model:
        return (f"without a model this request means {model or 'none (one must be named)'} as of {meant.isoformat()}, "
                f"but {there or 'none (one must be named)'} as of {day.isoformat()}")
    return None


def _retirement_expected(name: str, endpoint: str, day: date, served: frozenset[str], target_name: str) -> str | None:
    lifecycle = rules.MODELS[name].lifecycle if name in rules.MODELS else rules.ENDPOINT_LIFECYCLES.get(
        name.rsplit("/", 1)[-1], rules.ENDPOINT_LIFECYCLES[endpoint])
    if name in served or name.rsplit("/", 1)[-1] in served:
        return f"{target_name} declares it still serves {name}"
    if lifecycle.status(day) != "retired":
        when = lifecycle.retired.isoformat() if lifecycle.retired else "never"
        return f"{name} is not retired as of {day.isoformat()} (retired on {when})"
    return None


def chain_skip_reason(requests: Sequence[Any], spec: Any, collection_path: str, collection_as_of: date | None,
                      day: date, serves: Iterable[str] = (), target_name: str = "the target") -> str | None:
    """`skip_reason` for a request and its chain: a chain of requests (saved images and values) runs whole or
    not at all, so re-recording part of one never leaves cassettes that disagree with each other."""
    served = tuple(serves)
    own = skip_reason(spec, collection_as_of, day, served, target_name)
    if own is not None:
        return own
    for other in _chain_of(requests, spec, collection_path):
        reason = None if other is spec else skip_reason(other, collection_as_of, day, served, target_name)
        if reason is not None:
            return f"part of a chain whose request {other.name!r} is skipped: {reason}"
    return None


_CHAINS: dict[tuple[int, str], tuple[Sequence[Any], dict[int, list[Any]]]] = {}
"""Per collection (its requests, by identity): each request's chain. Worked out for every item, the chains made
a run quadratic in its requests (4 s of a 300-request live run)."""


def _chain_of(requests: Sequence[Any], spec: Any, collection_path: str) -> list[Any]:
    """The requests of `spec`'s chain, in order (empty when `spec` is not among `requests`)."""
    from imagecontract.distributed.shard import Unit, chain_groups

    cached = _CHAINS.get((id(requests), collection_path))
    if cached is None or cached[0] is not requests:
        groups = chain_groups([Unit(other.name, collection_path, other) for other in requests])
        chains = {id(unit.spec): [member.spec for member in group] for group in groups for unit in group}
        cached = _CHAINS[(id(requests), collection_path)] = (requests, chains)
    return cached[1].get(id(spec), [])
