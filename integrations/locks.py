"""Per-installation write locks for HostFact.

HostFact serialises writes behind one global lock and fails a call that waits more than
5 s for it. Serialising our own writes per installation keeps us from tripping over
ourselves. The registry is per event loop because an asyncio.Lock must not be shared
across loops (each pytest test, for instance, runs its own loop).
"""

from __future__ import annotations

import asyncio
import weakref

_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def installation_lock(url: str) -> asyncio.Lock:
    """The lock guarding writes to one installation URL in the running loop."""
    per_loop = _LOCKS.setdefault(asyncio.get_running_loop(), {})
    lock = per_loop.get(url)
    if lock is None:
        lock = per_loop[url] = asyncio.Lock()
    return lock
