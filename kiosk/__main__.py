"""`python -m kiosk` runs the kiosk command."""

import sys

from .cli import main

sys.exit(main())
