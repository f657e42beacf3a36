"""The Unbilled tests' builders and fixtures, reused for the status sync."""

from tests.invoicing import conftest as invoicing_fixtures
from tests.invoicing.conftest import jobs  # noqa: F401 - fixtures
from tests.unbilled.conftest import uworld  # noqa: F401 - fixture

#: The app state with quick retries and a fresh provider runtime (a fixture).
state = invoicing_fixtures.state
