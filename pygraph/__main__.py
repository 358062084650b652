"""`python -m pygraph ...` is the `pygraph` command."""

from .cli import main

raise SystemExit(main())
