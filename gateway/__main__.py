"""`python -m gateway ...` is `bff ...`."""

from .cli import main

raise SystemExit(main())
