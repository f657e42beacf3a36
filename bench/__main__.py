"""``python -m bench [--quick]``."""

from bench.runner import main

raise SystemExit(main())
