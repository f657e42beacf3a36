"""File uploads over GraphQL (the GraphQL multipart request spec), safe against CSRF.

A ``multipart/form-data`` POST is a "simple" request: a page on any site may make a browser
send one without asking (no CORS preflight). strawberry therefore ships multipart uploads
switched off (CVE-2024-47082) and leaves the protection to the server. We switch them on and
require a header no simple request can carry — ``GraphQL-Require-Preflight`` (or Apollo's
``Apollo-Require-Preflight`` / ``X-Apollo-Operation-Name``, which Apollo's upload clients
send) — so the browser must preflight, and CORS_ORIGINS decides. (Our tokens travel in
``Authorization``, itself preflighted; the header keeps that true whatever else changes.)
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

PREFLIGHT_HEADERS = ("GraphQL-Require-Preflight", "Apollo-Require-Preflight",
                     "X-Apollo-Operation-Name")
"""Any of these (with any non-empty value) on a multipart request."""

MISSING_PREFLIGHT = (
    "A multipart (file upload) request needs the header 'GraphQL-Require-Preflight: 1' "
    "(or 'Apollo-Require-Preflight: true'): it makes browsers ask first, which protects you "
    "from cross-site request forgery."
)


def is_multipart(headers: Headers) -> bool:
    """True for a ``multipart/form-data`` body."""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return content_type == "multipart/form-data"


class RequirePreflight:
    """ASGI wrapper of the GraphQL app: refuses (HTTP 400) a multipart POST without one of
    ``PREFLIGHT_HEADERS`` before anything of its body is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            headers = Headers(scope=scope)
            if is_multipart(headers) and not any(headers.get(h) for h in PREFLIGHT_HEADERS):
                response = JSONResponse(
                    {"errors": [{"message": MISSING_PREFLIGHT,
                                 "extensions": {"code": "PREFLIGHT_REQUIRED"}}]},
                    status_code=400,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
