"""The FastAPI application: one read-only catalog, security headers, and errors without stack traces."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer import __version__
from indexer.catalog import Catalog
from indexer.config import Settings
from indexer.geo.gazetteer import GazetteerUnavailable
from indexer.history.removal import notice
from indexer.index.base import IndexUnavailable
from indexer.index.engines import EngineError
from web import present
from web.cache import ResponseCache
from web.jsonresp import JSONResponse
from web.offload import Offload
from web.params import BadParameter

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A patient's search (condition, age) must not reach the registries through the Referer header.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}


class DropEmptyFormFields:
    """An HTML form sends its empty fields (`age=`): on the pages they mean "not given", as if absent."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/api/") and scope.get("query_string"):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if v.strip()]
            if len(kept) != len(pairs):
                scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await self.app(scope, receive, send)


class HeadAsGet:
    """HEAD answered as GET without the body (RFC 9110 9.3.2): uptime checks and link checkers use it,
    and FastAPI's routes take only the methods they name."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class SecurityHeaders:
    """SECURITY_HEADERS on every answer. Plain ASGI: Starlette's @app.middleware("http") runs each
    request in a task with memory streams, 0.2 ms of CPU a request on this machine."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


class NotFound(LookupError):
    """An unknown trial or watch: 404 with what to do."""


class Ambiguous(Exception):
    """An id that several trials give (a grant number): 300 with the trials, to choose from."""

    def __init__(self, given: str, trials: list[str]):
        super().__init__(f"{given!r} is an id of {len(trials)} trials: choose one")
        self.trials = trials


# What a parameter with a pattern accepts, said in words.
_ALLOWED = {
    "sex": "use F, M, female or male (any case)",
    "since": "use a date YYYY-MM-DD, a month YYYY-MM or a year YYYY",
    "sort": "use relevance, distance or updated",
}


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html (select_autoescape)
    t.env.autoescape = True  # every template, whatever its name
    t.env.globals.update(
        status_words=present.status_words,
        is_open=present.is_open,
        phase_words=present.phase_words,
        date_words=present.date_words,
        ago=present.ago,
        age_words=present.age_words,
        sex_words=present.SEX_WORDS,
        stale_warning=present.stale_warning,
        removal_notice=notice,
        sites_line=present.sites_line,
        value_text=present.value_text,
        web_link=present.web_link,
        geo=True,  # the place box: the library searches by place (indexer.geo)
        version=__version__,
    )
    return t


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error(
    request: Request, status: int, message: str, detail: object = None, trials: list[str] | None = None
) -> Response:
    if _wants_json(request):
        body: dict[str, object] = {"error": message}
        if detail is not None:
            body["detail"] = detail
        if trials is not None:
            body["trials"] = trials
        return JSONResponse(body, status_code=status)
    t: Jinja2Templates = request.app.state.templates
    context = {"status": status, "message": message, "trials": trials or []}
    return t.TemplateResponse(request, "error.html", context, status_code=status)


def create_app(settings: Settings, catalog: Catalog | None = None) -> FastAPI:
    """The app over one data directory (and engine); `catalog` is for tests that already hold one."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.offload.close()
        if catalog is None:
            app.state.catalog.close()

    app = FastAPI(
        title="Trialscout",
        version=__version__,
        description="Clinical trials harvested from the registries: search, one trial, similar trials, "
        "patient matching, history and changes. Read-only. JSON uses the record's field names.",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: /openapi.json is served instead
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    app.state.catalog = catalog or Catalog(settings)
    app.state.offload = Offload(settings)
    app.state.templates = templates()
    app.state.stats_cache = {}

    @app.exception_handler(BadParameter)
    async def bad_parameter(request: Request, exc: BadParameter) -> Response:
        return _error(request, 422, str(exc), [{"param": exc.param, "message": exc.message}])

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors():
            if e.get("type") == "json_invalid":  # its loc is ("body", offset): name the body, not "0"
                problems.append({"param": "body", "message": 'not valid JSON; send an object such as {"text": "..."}'})
                continue
            loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body")]
            param = ".".join(loc) or "body"
            # A pattern is no message: "String should match pattern '^\s*([Ff]|...'" says what was wrong to no one.
            message = _ALLOWED.get(param) if e.get("type") == "string_pattern_mismatch" else None
            problems.append({"param": param, "message": message or str(e.get("msg", "invalid"))})
        message = "; ".join(f"{p['param']}: {p['message']}" for p in problems) or "invalid request"
        return _error(request, 422, message, problems)

    @app.exception_handler(Ambiguous)
    async def ambiguous(request: Request, exc: Ambiguous) -> Response:
        return _error(request, 300, str(exc), trials=exc.trials)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(EngineError)
    async def engine_error(request: Request, exc: EngineError) -> Response:
        log.error("search engine error on %s: %s", request.url.path, exc)
        return _error(request, 503, "the search engine did not answer; try again shortly")

    @app.exception_handler(IndexUnavailable)
    async def index_unavailable(request: Request, exc: IndexUnavailable) -> Response:
        log.error("search index unavailable on %s: %s; run `trials reindex`", request.url.path, exc)
        return _error(request, 503, "the search index is being rebuilt or is missing; try again shortly")

    @app.exception_handler(GazetteerUnavailable)
    async def no_places(request: Request, exc: GazetteerUnavailable) -> Response:
        # The operator's fix (a writable TRIALS_GAZETTEER_DIR) goes to the log; the user can search without a place.
        log.error("places cannot be looked up on %s: %s", request.url.path, exc)
        return _error(request, 503, "places cannot be looked up on this server just now; search without a place")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Logged with its traceback for the operator; the user gets a message, never the trace.
        log.exception("error serving %s", request.url.path)
        return _error(request, 500, "something went wrong on our side; the error was logged")

    from web import api, pages  # the routers need NotFound from this module

    app.add_middleware(SecurityHeaders)  # inside the cache: a kept answer has them already
    app.add_middleware(DropEmptyFormFields)
    # Outermost: a kept answer skips the rest (its security headers were added when it was made).
    app.add_middleware(ResponseCache, catalog=app.state.catalog, max_bytes=settings.web_cache_mb << 20)
    app.add_middleware(HeadAsGet)  # outside the cache: a HEAD is the GET's answer, kept or made, without its body
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app
