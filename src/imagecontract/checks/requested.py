"""What a request asked for, with the API's defaults filled in from the rules table.

Checks compare what came back with this view, so a default (size, format,
response format, n) is worked out in one place and always from `rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imagecontract.exchange import Exchange
from imagecontract.rules import (
    DEFAULT_N,
    DEFAULT_OUTPUT_FORMAT,
    RESPONSE_FORMATS,
    ModelRules,
    effective_model,
    model_rules,
)


@dataclass(frozen=True)
class Requested:
    """One request's parameters read as the API reads them."""

    endpoint: str | None
    model: str
    rules: ModelRules | None
    params: dict[str, Any]

    @classmethod
    def of(cls, exchange: Exchange) -> Requested:
        request = exchange.request
        params, endpoint = request.params, request.endpoint
        model = effective_model(params, endpoint, [part.field for part in request.files], as_of=exchange.as_of)
        return cls(endpoint, model, model_rules(model, exchange.as_of) or model_rules(model), params)

    @property
    def n(self) -> int:
        """Images asked for; form fields arrive as strings."""
        try:
            return int(self.params.get("n", DEFAULT_N))
        except (TypeError, ValueError):
            return DEFAULT_N

    @property
    def size(self) -> str | None:
        """The size asked for, else the model's default; None when neither is known."""
        return self.params.get("size") or (self.rules.default_size if self.rules else None)

    def accepts_size(self, size: str) -> bool | None:
        """Whether an answer at `size` is right: the size asked for, or for `auto` one the model's rules allow
        for it. None when it cannot be judged (an unknown model asked for `auto`, or nothing known)."""
        asked = self.size
        if asked is None:
            return None
        if asked == "auto":
            return self.rules.auto_answers(size) if self.rules is not None else None
        return size == str(asked)

    @property
    def size_wanted(self) -> str:
        """The accepted sizes in words, for a failure reason."""
        asked = self.size
        if asked != "auto" or self.rules is None:
            return str(asked)
        if self.rules.auto_sizes:
            return " or ".join(self.rules.auto_sizes)
        return f"a size {self.model} allows for auto"

    @property
    def sizes(self) -> tuple[str, ...] | None:
        """The listed sizes an answer may have (the one asked for, or the model's for `auto`); None when the
        model is unknown and no concrete size was asked, or when `auto` may be any size a rule allows."""
        asked = self.size
        if asked is None or (asked == "auto" and (self.rules is None or not self.rules.auto_sizes)):
            return None
        return self.rules.auto_sizes if asked == "auto" and self.rules is not None else (str(asked),)

    @property
    def output_format(self) -> str | None:
        """The file format images must have: the one asked for when the model makes it, else png."""
        asked = self.params.get("output_format")
        if self.rules is None:
            return asked
        return asked if asked in self.rules.output_formats else DEFAULT_OUTPUT_FORMAT

    @property
    def response_format(self) -> tuple[str, str] | None:
        """(`b64_json` or `url`, why): what each image object must carry; None when unknowable."""
        asked = self.params.get("response_format")
        if self.rules is None:
            return (asked, "asked for") if asked in RESPONSE_FORMATS else None
        if not self.rules.accepts_response_format:
            return self.rules.default_response_format, f"the only format {self.model} returns"
        if asked in RESPONSE_FORMATS:
            return asked, "asked for"
        return self.rules.default_response_format, f"the default of {self.model}"
