"""Run the emulator as a stand-alone server (development, demos, manual testing)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from .app import create_emulator_app
from .messages import Flavor
from .server import client_url
from .state import EmulatorState


def run_emulator(  # noqa: PLR0917 - the CLI wiring calls it positionally, flag for flag
    flavor: Flavor,
    host: str,
    port: int,
    api_key: str,
    whitelist: list[str] | None,
    seed_debtors: int,
    seed_products: bool,
) -> None:
    """Serve an emulated WeFact/HostFact administration until interrupted."""
    state = EmulatorState(flavor=flavor, api_key=api_key, whitelist=whitelist)
    if seed_products:
        state.seed_products()
    if seed_debtors:
        state.seed_debtors(seed_debtors)
    kind = "WeFact API URL" if flavor == "wefact" else "HostFact installation URL"
    sys.stdout.write(f"Emulated {kind}: {client_url(state, f'http://{host}:{port}')}\n")
    sys.stdout.flush()
    uvicorn.run(create_emulator_app(state), host=host, port=port, log_level="info")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m integrations.emulator", description=__doc__)
    parser.add_argument("--flavor", choices=["wefact", "hostfact"], default="wefact")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--whitelist", help="comma-separated client IPs allowed (default: all)")
    parser.add_argument("--seed-debtors", type=int, default=0, metavar="N")
    parser.add_argument("--seed-products", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    whitelist = (
        [ip.strip() for ip in args.whitelist.split(",") if ip.strip()] if args.whitelist else None
    )
    run_emulator(
        args.flavor,
        args.host,
        args.port,
        args.api_key,
        whitelist,
        args.seed_debtors,
        args.seed_products,
    )
