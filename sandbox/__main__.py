"""`python -m sandbox`: the same as the `kiosk-sandbox` command."""

from sandbox.cli import main

raise SystemExit(main())
