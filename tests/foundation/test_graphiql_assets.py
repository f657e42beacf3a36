"""GraphiQL's page and assets come from the package: pinned files, their hashes, their licences.

The browser check (tests/browser/test_graphiql.py) proves the page works offline; these
tests keep the shipped files and the page consistent without a browser.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.graphiql import ASSETS_DIR, CONTENT_SECURITY_POLICY, read_versions

REPO = Path(__file__).resolve().parents[2]


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_every_listed_asset_is_shipped_with_its_hash_and_licence() -> None:
    assets = read_versions()
    assert {a.package.rsplit("@", 1)[0] for a in assets} == {
        "react",
        "react-dom",
        "graphiql",
        "@graphiql/plugin-explorer",
    }
    for asset in assets:
        path = ASSETS_DIR / asset.path
        assert sri(path.read_bytes()) == asset.integrity, asset.path
        # The folder is named after the pinned version, and the licence sits next to it.
        version = asset.package.rsplit("@", 1)[1]
        assert path.parent.name.endswith(version), asset.path
        assert "MIT License" in (path.parent / "LICENSE").read_text()


def test_assets_are_package_data() -> None:
    """An installed (non-editable) package must carry the folder, not only a checkout."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["graphql_api"]
    package_root = REPO / "graphql_api"
    shipped = {p for pattern in patterns for p in package_root.glob(pattern) if p.is_file()}
    on_disk = {p for p in ASSETS_DIR.rglob("*") if p.is_file()}
    assert on_disk, "no assets found"
    assert on_disk <= shipped


async def test_page_loads_only_shipped_assets_under_a_strict_policy(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    page = response.text
    assert "unpkg.com" not in page
    assert not re.search(r"<script>", page), "inline scripts would break under the CSP"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert external == []
    for asset in read_versions():
        assert f'"graphiql/{asset.path}" integrity="{asset.integrity}"' in page
    # Each referenced file is served, byte for byte what the package holds.
    for source in sources:
        if source.startswith("data:"):
            continue
        served = await http.get("/" + source)
        assert served.status_code == 200, source
        assert served.content == (ASSETS_DIR / source.removeprefix("graphiql/")).read_bytes()


@pytest.mark.parametrize("path", ["/graphql", "/graphiql/start.js"])
async def test_no_graphiql_when_switched_off(state: AppState, path: str) -> None:
    state.settings.graphiql = False
    app = build_app(state, close_state_on_shutdown=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get(path, headers={"Accept": "text/html"})
    assert "GraphiQL" not in response.text
    assert response.status_code == 404
