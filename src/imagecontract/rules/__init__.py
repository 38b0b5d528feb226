"""The Images API's documented rules, as dated data.

This module is the single place a model, its lifecycle, a limit, a size rule,
a parameter, a latency figure or a default lives. The sandbox validates
requests against it, the contract checks judge responses against it, and
`imagecontract drift` compares it with the official spec and SDK, so none of
them can disagree.

Every fact names its source (`SOURCES`): the official OpenAPI spec
(`openai/openai-openapi`, info.version 2.3.0; HEAD f85dbe2 of 2026-08-21, and
498c71d of 2025-04-29 for the seed era), the official Python SDK (`openai`
3.57.0, newer than that spec) and the seed documents. Where the spec and the
SDK disagree the table follows the SDK and lists the disagreement in
`DISAGREEMENTS`; where neither says, the table's choice is listed in
`ASSUMPTIONS`. "The API as of a date" is a query over the tables: `api_on(day)`.

The tables are split by subject: `sources` (where facts come from, the days that matter), `models`,
`params` (endpoints, parameters and `api_on`), `figures` (the sandbox's figures and the helpers); every name is
imported here, so `rules.X` reads as one table.
"""

from __future__ import annotations

from imagecontract.rules.figures import (  # noqa: F401
    DEFAULT_MODEL,
    DEFAULT_N,
    DEFAULT_OUTPUT_FORMAT,
    DEFAULT_RATE_LIMIT_IMAGES_PER_MINUTE,
    GPT_IMAGE_AUTO_QUALITY,
    GPT_IMAGE_AUTO_SIZE,
    GPT_IMAGE_DEFAULT_MODEL,
    GPT_IMAGE_ONLY_PARAMS,
    GPT_ONLY_PARAMS,
    INPUT_IMAGE_TOKENS,
    MASK_EXACT_FAMILIES,
    MIN_INPUT_IMAGE_TOKENS,
    OUTPUT_TOKENS,
    QUALITY_TOKEN_FACTOR,
    RATE_LIMIT_WINDOW_SECONDS,
    SEED_LATENCY_SECONDS,
    SIZE_LATENCY_FACTOR,
    TEXT_CHARS_PER_TOKEN,
    URL_LIFETIME_SECONDS,
    effective_model,
    latency_profile,
    model_accepts,
    names,
    output_tokens,
    resolved_quality,
    resolved_size,
    retirement_reason,
)
from imagecontract.rules.models import (  # noqa: F401
    _DALL_E_2,
    _DALL_E_3,
    _GPT_2_5,
    _GPT_2_6,
    ANIMATED_AND_VECTOR,
    ARBITRARY,
    ASSUMPTIONS,
    DALL_E_2_FAMILY,
    DALL_E_3_FAMILY,
    DALL_E_LIFECYCLE,
    DISAGREEMENTS,
    GPT_2_5_QUALITIES,
    GPT_BACKGROUNDS,
    GPT_IMAGE_1_LIFECYCLE,
    GPT_IMAGE_2_5_LIFECYCLE,
    GPT_IMAGE_2_6_LIFECYCLE,
    GPT_IMAGE_2_LIFECYCLE,
    GPT_IMAGE_FAMILY,
    GPT_INPUT_FORMATS,
    GPT_OUTPUT_FORMATS,
    GPT_QUALITIES,
    MODEL_ROWS,
    MODELS,
    SPEC_2026_05_LIFECYCLE,
    Lifecycle,
    ModelRules,
    _gpt_image,
    _released,
    model_rules,
)
from imagecontract.rules.params import (  # noqa: F401
    ALL,
    DEFAULT_MODELS,
    EDITS_JSON,
    ENDPOINT_LIFECYCLES,
    FILE_FIELDS,
    FORMAT_MAX_N,
    FORMAT_ONLY_PARAMS,
    FORMAT_REFUSES,
    GIF_DEFAULT_FRAME_MS,
    GIF_DEFAULT_FRAMES,
    GIF_FRAME_MS_STEP,
    GIF_FRAMES,
    GIF_MAX_FRAME_MS,
    MASK_FORMATS,
    MAX_IMAGE_URL_CHARS,
    MAX_MASK_BYTES,
    MAX_PARTIAL_IMAGES,
    PARAM_CHOICES,
    PARAM_RANGES,
    PARAM_SUPPORT,
    PARAM_TYPES,
    PARAMS,
    RESPONSE_FIELDS,
    RESPONSE_FORMATS,
    SVG_EFFORTS,
    TRANSPARENT_FORMATS,
    ApiView,
    Param,
    _param,
    all_param_names,
    api_on,
)
from imagecontract.rules.sizes import (  # noqa: F401
    GPT_IMAGE_2_SIZES,
    MAX_RESOLUTION,
    STANDARD_GPT_SIZES,
    SizeRule,
    parse_size,
)
from imagecontract.rules.sources import (  # noqa: F401
    AFTER_SPEC,
    DALL_E_RETIRED,
    ENDPOINTS,
    EPOCH,
    GPT_IMAGE_1_RETIRED,
    GPT_IMAGE_2_5_DAY,
    GPT_IMAGE_2_DAY,
    MB,
    SDK,
    SEED_ERA,
    SEED_GUIDE,
    SEED_POST,
    SOURCES,
    SPEC,
    SPEC_2023,
    SPEC_2025,
    SPEC_2026_05,
    SPEC_2026_05_DAY,
    parse_day,
    today,
)
