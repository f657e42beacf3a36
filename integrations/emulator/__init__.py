"""An in-memory WeFact / HostFact emulator for tests and development.

state = EmulatorState("wefact", api_key="secret")
state.seed_products()
async with serve_emulator(state) as url:
    client = WeFactClient(http, "secret", url)
"""

from .app import create_emulator_app
from .faults import FAULT_KINDS, FaultKind, FaultPlan
from .server import client_url, serve_emulator
from .state import EmulatorState

__all__ = [
    "FAULT_KINDS",
    "EmulatorState",
    "FaultKind",
    "FaultPlan",
    "client_url",
    "create_emulator_app",
    "serve_emulator",
]
