"""The Unbilled tests' builders and fixtures, reused for the status sync."""

from tests.invoicing.conftest import jobs, quick_retries  # noqa: F401 - fixtures
from tests.unbilled.conftest import uworld  # noqa: F401 - fixture
