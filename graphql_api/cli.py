"""The ``graphql-api`` command: serve, migrate, create-workspace, worker, emulator."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence

from graphql_api.logs import configure_logging
from graphql_api.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("graphql_api.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphql-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the GraphQL API under uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes sharing the port (one PostgreSQL; see README, Production)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="also run the WeFact emulator and a demo workspace, and print a token",
    )

    sub.add_parser("migrate", help="apply database migrations")

    create = sub.add_parser("create-workspace", help="create a workspace and its owner")
    create.add_argument("name")
    create.add_argument("--owner-email", required=True)
    create.add_argument("--password", default=None)

    sub.add_parser(
        "rotate-secrets",
        help="re-encrypt stored WeFact keys with SECRET_KEY (old keys in PREVIOUS_SECRET_KEYS)",
    )

    worker = sub.add_parser("worker", help="run background job workers")
    worker.add_argument("--concurrency", type=int, default=1)

    emulator = sub.add_parser("emulator", help="run the WeFact/HostFact emulator")
    emulator.add_argument("--flavor", choices=["wefact", "hostfact"], default="wefact")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8765)
    emulator.add_argument("--api-key", required=True)
    emulator.add_argument("--whitelist", default=None, help="comma-separated allowed IPs")
    emulator.add_argument("--seed-debtors", type=int, default=0)
    emulator.add_argument("--seed-products", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    if args.command == "emulator":
        configure_logging("INFO")
        from integrations.emulator.cli import run_emulator

        run_emulator(
            flavor=args.flavor,
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            whitelist=[ip.strip() for ip in args.whitelist.split(",")] if args.whitelist else None,
            seed_debtors=args.seed_debtors,
            seed_products=args.seed_products,
        )
        return 0
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"graphql-api: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        return _run_command(settings, args)
    except SettingsError as exc:
        print(f"graphql-api: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C after a graceful shutdown: the embedded database was stopped on the way out.
        return 0


def _run_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run one command that needs settings; its exit code."""
    if args.command == "serve":
        from graphql_api.serve import serve

        serve(settings, host=args.host, port=args.port, demo=args.demo, workers=args.workers)
    elif args.command == "migrate":
        _migrate(settings)
    elif args.command == "rotate-secrets":
        return _rotate_secrets(settings)
    elif args.command == "create-workspace":
        return _create_workspace(settings, args.name, args.owner_email, args.password)
    elif args.command == "worker":
        from graphql_api.serve import run_worker

        run_worker(settings, concurrency=args.concurrency)
    return 0


def _migrate(settings: Settings) -> None:
    from graphql_api.migrate import upgrade
    from graphql_api.runtime import database_url

    with database_url(settings) as url:
        upgrade(url)
    print("database is up to date")


def _rotate_secrets(settings: Settings) -> int:
    from graphql_api.db import create_engine, create_sessionmaker
    from graphql_api.runtime import database_url
    from graphql_api.security import SecretBox
    from graphql_api.services.wefact.secrets import rotate_api_keys

    box = SecretBox(settings.resolved_secret_key(), settings.previous_secret_keys)

    async def run(url: str) -> int:
        engine = create_engine(url, pool_size=1)
        try:
            return await rotate_api_keys(create_sessionmaker(engine), box)
        finally:
            await engine.dispose()

    with database_url(settings) as url:
        try:
            count = asyncio.run(run(url))
        except ValueError as exc:
            print(f"graphql-api: {exc}; add the old key to PREVIOUS_SECRET_KEYS", file=sys.stderr)
            return 1
    print(f"re-encrypted {count} stored API key(s) with the current SECRET_KEY")
    return 0


def _create_workspace(settings: Settings, name: str, email: str, password: str | None) -> int:
    from graphql_api.errors import DomainError
    from graphql_api.migrate import upgrade
    from graphql_api.runtime import database_url

    with database_url(settings) as url:
        if settings.uses_embedded_database:
            upgrade(url)
        try:
            result = asyncio.run(_create_workspace_async(settings, url, name, email, password))
        except DomainError as exc:
            print(f"graphql-api: {exc.message}", file=sys.stderr)
            return 1
    # The last line of stdout is machine-readable: scripts take the token from it.
    print(json.dumps(result))
    return 0


async def _create_workspace_async(
    settings: Settings, url: str, name: str, email: str, password: str | None
) -> dict[str, str]:
    from graphql_api.db import create_engine, create_sessionmaker
    from graphql_api.models import TokenKind
    from graphql_api.services.auth import create_workspace, issue_token

    engine = create_engine(url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            workspace, owner = await create_workspace(session, name, email, password)
            issued = await issue_token(
                session,
                owner,
                kind=TokenKind.API,
                name="created by create-workspace",
                expires_at=None,
            )
            return {"workspace": workspace.name, "email": owner.email, "token": issued.token}
    finally:
        await engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
