"""Which database a command uses: DATABASE_URL, or the embedded server in DATA_DIR."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graphql_api.embedded import EmbeddedPostgres
from graphql_api.settings import Settings


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """Yield a URL to use; an embedded server is started for the block and stopped after."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    server = EmbeddedPostgres(settings.data_dir)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
