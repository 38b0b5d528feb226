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
    parse_size,
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
        model = effective_model(params, endpoint, [part.field for part in request.files])
        return cls(endpoint, model, model_rules(model), params)

    @property
    def n(self) -> int:
        """Images asked for; form fields arrive as strings."""
        try:
            return int(self.params.get("n", DEFAULT_N))
        except (TypeError, ValueError):
            return DEFAULT_N

    @property
    def sizes(self) -> tuple[str, ...] | None:
        """The sizes an answer may have: the one asked for (or the default), any of the model's for `auto`.

        None when the model is unknown and no size was asked for."""
        size = self.params.get("size") or (self.rules.default_size if self.rules else None)
        if size is None:
            return None
        if size == "auto" and self.rules is not None:
            return tuple(known for known in self.rules.sizes if parse_size(known))
        return (str(size),)

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
