"""`graphql-api serve --demo`: a newcomer sees the whole flow without a WeFact account."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time

import httpx

from graphql_api.app import AppState


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_serves_data_and_an_activated_wefact(database_url: str, state: AppState) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "demo-test",
        "LOG_FORMAT": "text",  # as on a terminal
    }
    env.pop("XDG_RUNTIME_DIR", None)
    # Logs and prints on one stream, in the order a terminal shows them.
    process = subprocess.Popen(
        [sys.executable, "-m", "graphql_api.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        header = None
        before: list[str] = []
        deadline = time.monotonic() + 90
        while header is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith('{"Authorization"'):
                header = json.loads(line)
            else:
                before.append(line)
        assert header is not None, "the demo never printed its token:\n" + "".join(before)
        # The token is the last thing printed: nothing follows until a request comes.
        ready, _, _ = select.select([process.stdout], [], [], 2.0)
        assert ready == [], "printed after the token: " + process.stdout.readline()
        assert not [line for line in before if line.startswith("{")], "JSON lines on a terminal"
        assert len(before) < 15, "".join(before)
        query = """{ me { email workspace { name } }
                     wefactSettings { active subscription defaultProductCode }
                     wefactProducts { code }
                     timeEntries(first: 5) { totalCount } }"""
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": query}, headers=header, timeout=30
        )
        data = response.json()["data"]
        assert data["me"] == {"email": "demo@example.com", "workspace": {"name": "Demo Company"}}
        assert data["wefactSettings"] == {
            "active": True,
            "subscription": "WEFACT",
            "defaultProductCode": "P0001",
        }
        assert len(data["wefactProducts"]) == 4
        assert data["timeEntries"]["totalCount"] > 10
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0
