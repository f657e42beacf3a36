"""GraphiQL served from the assets the package ships, so the page works offline.

The third-party files and their hashes are listed in ``static/graphiql/VERSIONS`` (where each
came from and how to update: ``static/graphiql/README.md``). The page is built from that list
with ``integrity`` attributes and sent with a Content-Security-Policy that allows nothing but
this server, so a page that renders is a page that needed no other host.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
STATIC_PATH = "/graphiql"
"""Where the app mounts ``ASSETS_DIR``."""

# The page is at /graphql, so a relative "graphiql/…" resolves to /graphiql/… — and keeps
# working when the app is mounted under a prefix (a reverse proxy's root path).
_RELATIVE_PREFIX = STATIC_PATH.lstrip("/")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # GraphiQL's CSS embeds its fonts and icons as data: URIs; the favicon is one too.
        "img-src 'self' data:",
        "font-src 'self' data:",
        # HTTP and graphql-transport-ws to this same origin ('self' covers ws(s): in CSP 3).
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


@dataclass(frozen=True)
class Asset:
    """One third-party file the page loads."""

    path: str
    """Relative to ``ASSETS_DIR``."""
    package: str
    """``name@version`` on the npm registry."""
    source: str
    """The file's path inside that npm package."""
    integrity: str
    """``sha384-…`` (Subresource Integrity)."""


def read_versions(path: Path = ASSETS_DIR / "VERSIONS") -> list[Asset]:
    """The assets in load order, from ``VERSIONS`` (``#`` lines are comments)."""
    assets = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        file, package, source, integrity = line.split()
        assets.append(Asset(file, package, source, integrity))
    return assets


def _tag(asset: Asset) -> str:
    href = html.escape(f"{_RELATIVE_PREFIX}/{asset.path}", quote=True)
    integrity = html.escape(asset.integrity, quote=True)
    if asset.path.endswith(".css"):
        return f'<link rel="stylesheet" href="{href}" integrity="{integrity}">'
    return f'<script src="{href}" integrity="{integrity}"></script>'


@functools.cache
def graphiql_html() -> str:
    """The GraphiQL page (built once per process)."""
    assets = read_versions()
    styles = "\n    ".join(_tag(a) for a in assets if a.path.endswith(".css"))
    scripts = "\n    ".join(_tag(a) for a in assets if not a.path.endswith(".css"))
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>GraphiQL · time tracking API</title>
    <link rel="icon" href="data:,">
    {styles}
    <link rel="stylesheet" href="{_RELATIVE_PREFIX}/page.css">
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    {scripts}
    <script src="{_RELATIVE_PREFIX}/start.js"></script>
  </body>
</html>
"""


def graphiql_response() -> HTMLResponse:
    """The page with its Content-Security-Policy."""
    return HTMLResponse(
        graphiql_html(),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def static_files() -> StaticFiles:
    """The ASGI app serving ``ASSETS_DIR`` (mounted at ``STATIC_PATH``)."""
    return StaticFiles(directory=ASSETS_DIR)
