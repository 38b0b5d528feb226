"""The sandbox's routes; each hands straight to the module doing the work."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from imagecontract.rules import ENDPOINTS
from imagecontract.sandbox.config import SandboxConfig
from imagecontract.sandbox.faults import parse_faults
from imagecontract.sandbox.journal import JOURNAL_PATH, Journal, journal_route
from imagecontract.sandbox.messages import IMAGE_EXPIRED, IMAGE_NOT_FOUND, ApiError
from imagecontract.sandbox.pipeline import Sandbox, answer, error_response
from imagecontract.sandbox.ratelimit import RateLimiter
from imagecontract.sandbox.stats import Stats
from imagecontract.sandbox.store import URL_PREFIX, ImageExpired, ImageStore

STATS_PATH = "/_sandbox/stats"
BLOB_MEDIA_TYPE = "application/xml"


def create_app(config: SandboxConfig) -> Starlette:
    """A fresh app with its own counters, store and limiter; raises FaultError for a bad fault spec."""
    store = ImageStore(clock=config.clock)
    sandbox = Sandbox(
        config=config,
        faults=parse_faults(config.faults),
        stats=Stats(),
        store=store,
        limiter=RateLimiter(config.rate_limit, config.clock) if config.rate_limit else None,
        journal=Journal(resolve=lambda url: _stored(store, url)),
    )

    def endpoint_route(endpoint: str) -> Route:
        async def handle(request: Request) -> Response:
            return await answer(sandbox, request, endpoint)

        return Route(f"/v1/images/{endpoint}", handle, methods=["POST"])

    async def stats(request: Request) -> Response:
        return JSONResponse(sandbox.stats.snapshot())

    async def image_file(request: Request) -> Response:
        try:
            data, content_type = sandbox.store.get(request.path_params["name"])
        except ImageExpired:
            return Response(IMAGE_EXPIRED[1], IMAGE_EXPIRED[0], media_type=BLOB_MEDIA_TYPE)
        except KeyError:
            return Response(IMAGE_NOT_FOUND[1], IMAGE_NOT_FOUND[0], media_type=BLOB_MEDIA_TYPE)
        sandbox.stats.download()
        return Response(data, media_type=content_type)

    async def journal(request: Request) -> Response:
        return await journal_route(sandbox.journal, request)

    async def unknown(request: Request) -> Response:
        sandbox.stats.request(None)
        entry = await sandbox.journal.received(request, None)
        error = ApiError("not_found", method=request.method, path=request.url.path)
        return sandbox.journal.sent(entry, error_response(sandbox, None, error))

    routes = [
        *(endpoint_route(endpoint) for endpoint in ENDPOINTS),
        Route(STATS_PATH, stats, methods=["GET"]),
        Route(JOURNAL_PATH, journal, methods=["GET"]),
        Route(URL_PREFIX + "{name}", image_file, methods=["GET"]),
        Route("/v1/{path:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    return app


def _stored(store: ImageStore, url: str) -> bytes | None:
    """The bytes behind one of this sandbox's image URLs (for the journal), or None."""
    _, found, name = url.partition(URL_PREFIX)
    try:
        return store.get(name)[0] if found else None
    except (KeyError, ImageExpired):
        return None
