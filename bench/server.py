"""Entry point of a benchmark server process: ``python -m bench.server
graphql|baseline|receiver``.

Servers run in their own processes so the load generator and the bench never share a core's
event loop with the server being measured. Both kinds run under the same uvicorn settings.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import uvicorn

from bench.common import BENCH_SECRET_KEY


def build_app(kind: str, database_url: str) -> Any:
    """Our real app (``build_app``) or the hand-written baseline (each process imports only
    its own server's code)."""
    if kind == "graphql":
        from graphql_api.app import AppState
        from graphql_api.composition import build_app as build_graphql_app
        from graphql_api.settings import Settings

        settings = Settings(
            database_url=database_url,
            secret_key=BENCH_SECRET_KEY,
            allow_private_integration_urls=True,
        )
        return build_graphql_app(AppState.create(settings, database_url))
    if kind == "baseline":
        from bench.baseline import create_baseline_app

        return create_baseline_app(database_url)
    if kind == "receiver":
        from bench.receiver import create_receiver_app

        return create_receiver_app(os.environ["BENCH_WEBHOOK_SECRET"])
    raise SystemExit(f"unknown server kind {kind!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["graphql", "baseline", "receiver"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    database_url = os.environ["BENCH_SERVER_DATABASE_URL"]
    # Access logs off for both: they would measure the log handler, not the endpoint. Errors
    # are not printed either: when wrk ends a timed window it drops connections with requests
    # still queued, and strawberry logs each as a ClientDisconnect traceback. Real failures
    # still count: wrk reports non-2xx answers and the bench compares both answers.
    uvicorn.run(
        build_app(args.kind, database_url),
        host="127.0.0.1",
        port=args.port,
        log_level="critical",
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
