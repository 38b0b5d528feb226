"""The project's own errors: each says where (file, path, URL) and what to do.

Anything the suite reports to a user without a traceback derives from
`ImageContractError`; the pytest plugin renders these as one clear line.
The budget's stops (`BudgetStop`, `RunStopped`) are control flow between the
processes of a run, not a user's mistake, so they stand beside that tree.
"""

from __future__ import annotations

import difflib
from typing import Callable, Iterable


def did_you_mean(word: str, choices: Iterable[str], show: Callable[[str], str] = repr) -> str:
    """` (did you mean 'x'?)` naming the closest of `choices` (difflib's), or nothing when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {show(close[0])}?)" if close else ""


class ImageContractError(Exception):
    """Base of every error the suite explains to its user."""


class LocatedError(ImageContractError):
    """An error at a place in a file: `file` is the path, `location` a JSON-path-like
    place inside it (`requests[2].expect.images.size`), `message` what was expected."""

    def __init__(self, file: str, location: str, message: str) -> None:
        self.file = file
        self.location = location
        self.message = message
        where = f"{file}: {location}" if location else file
        super().__init__(f"{where}: {message}")


class CollectionError(LocatedError):
    """A collection, environment or targets file is invalid."""


class TemplateError(ImageContractError):
    """A `{{variable}}` could not be resolved."""


class FixtureError(ImageContractError):
    """A file or generated image for an upload is missing or invalid."""


class SchemaError(ImageContractError):
    """A response schema under `schemas/` is missing, invalid, or has a broken `$ref`."""


class CassetteError(ImageContractError):
    """A cassette is missing, damaged, or does not match the request."""


class CassetteMissing(CassetteError):
    """No recording exists for a request in replay-only mode."""


class RequestChanged(CassetteError):
    """The request differs from the one recorded."""


class CassetteCorrupt(CassetteError, LocatedError):
    """A cassette or one of its side files cannot be read back as recorded
    (location e.g. `interactions[0].response.body.blob`)."""


class TransportError(ImageContractError):
    """The target could not be reached or answered unreadably (connect, TLS, DNS, timeout)."""


class UnknownTarget(ImageContractError):
    """`--target` names no target of the targets file, or is a URL that cannot be used."""


class UnknownCheck(ImageContractError):
    """A check name that is not registered (in a selection, a skip list or a collection)."""


class FaultError(ImageContractError, ValueError):
    """A `--fault` value names no fault or carries a bad argument."""


class ScanError(ImageContractError):
    """A path to scan does not exist, or a secret is too short to look for."""


class MergeInputError(ImageContractError):
    """An input that is not a shard summary of the same run: names the file and the fix."""


class BudgetStop(Exception):
    """This process must send nothing more: the run's budget is spent or its store is gone."""


class BudgetExhausted(BudgetStop):
    """`--max-images` has been spent by this run (in any process)."""


class BudgetStoreError(BudgetStop):
    """The budget store could not be reached or stopped answering; the message names it."""


class RunStopped(Exception):
    """Another process of the run stopped it (billing hard limit, no quota, budget spent); the reason is theirs."""
