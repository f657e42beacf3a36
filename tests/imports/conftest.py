"""Fixtures of the customer import tests: the job runner of tests/jobs."""

from tests.jobs.conftest import jobs

__all__ = ["jobs"]
