"""Why a query is not compiled."""

from __future__ import annotations


class Unsupported(Exception):
    """The query (or a part of it) is not one the compiler covers: the normal path answers."""
