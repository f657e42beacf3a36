"""Starting the server the way users do: ``make run PORT=…``, a busy port, odd options."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graphql_api.listening import PortInUse, bound_port, graphql_url, listen
from graphql_api.settings import SettingsError
from tests.conftest import TEST_SECRET_KEY

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port some other program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def serve(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphql_api.cli", "serve", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_busy_port_ends_with_one_plain_line(busy_port: int, tmp_path: Path) -> None:
    # The embedded default: the port is checked before PostgreSQL would even start.
    result = serve(["--port", str(busy_port)], {"DATA_DIR": str(tmp_path), "DATABASE_URL": ""})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        f"graphql-api: port {busy_port} on 127.0.0.1 is already in use (another graphql-api, "
        f"or another program). Pick another port: make run PORT={busy_port + 1}, or "
        f"graphql-api serve --port {busy_port + 1}."
    )
    assert not (tmp_path / "pgdata").exists()


def test_the_demo_reports_a_busy_port_the_same_way(busy_port: int, database_url: str) -> None:
    result = serve(
        ["--demo", "--port", str(busy_port)], {"DATABASE_URL": database_url, "SECRET_KEY": "k"}
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"port {busy_port} on 127.0.0.1 is already in use" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port: 70000 is not a port number (1–65535)"),
        (["--host", "192.0.2.1"], "--host: 192.0.2.1 is not an address of this machine"),
        (["--workers", "0"], "--workers: must be at least 1"),
        (["--demo", "--workers", "2"], "--demo runs in one process"),
    ],
)
def test_bad_options_say_what_to_change(args: list[str], message: str, database_url: str) -> None:
    result = serve(["--port", "0", *args], {"DATABASE_URL": database_url, "SECRET_KEY": "k"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


def test_listen_reports_the_port_in_use_and_keeps_tcp_nodelay_possible(busy_port: int) -> None:
    with pytest.raises(PortInUse, match=rf"make run PORT={busy_port + 1}, or"):
        listen("127.0.0.1", busy_port)
    sock = listen("127.0.0.1", 0)
    try:
        assert bound_port(sock) > 0
        # asyncio sets TCP_NODELAY on accepted sockets only when proto is IPPROTO_TCP.
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
    assert issubclass(PortInUse, SettingsError)


def test_the_printed_address_is_one_a_browser_opens() -> None:
    assert graphql_url("127.0.0.1", 8001) == "http://127.0.0.1:8001/graphql"
    assert graphql_url("::1", 8001) == "http://[::1]:8001/graphql"


def test_an_unknown_host_name_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # No real lookup: a DNS query would leave the machine.
    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(SettingsError, match=r"--host: cannot listen on 'api\.example', it is not"):
        listen("api.example", 8000)


def test_make_run_takes_port_and_host(database_url: str, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "RUN_WORKER_IN_PROCESS": "false",
    }
    log = (tmp_path / "make.log").open("wb")
    # Its own session: the test stops make and the server it started, nothing else.
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        ready = None
        while ready is None and time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, (tmp_path / "make.log").read_text()[-2000:]
        assert ready.json() == {"status": "ok", "database": "ok"}
        assert (
            f"GraphQL API on http://127.0.0.1:{port}/graphql" in (tmp_path / "make.log").read_text()
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
