"""Import customers from WeFact/HostFact debtors (matched on customer number = DebtorCode).

- ``start_import(services, session, workspace_id, user_id)``: queue a run (the mutation).
- ``import_customers``: the ``CUSTOMER_IMPORT`` run handler (see ``job`` for the algorithm).
- ``fill_customer_details``: the ``CUSTOMER_DETAILS`` run handler that reads the full
  records afterwards, at low priority (see ``details``).
- ``start_nightly_imports``: the periodic job for workspaces with auto-import switched on.
"""

from graphql_api.services.customer_import.details import fill_customer_details
from graphql_api.services.customer_import.job import import_customers
from graphql_api.services.customer_import.start import start_import, start_nightly_imports

__all__ = ["fill_customer_details", "import_customers", "start_import", "start_nightly_imports"]
