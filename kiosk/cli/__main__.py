"""`python -m kiosk.cli` runs the kiosk command (the chaos and outbox tests run it this way)."""

import sys

from . import main

sys.exit(main())
