"""`python -m fuzzing [TARGET ...] [-n N] [--seed S] [--replay I]`: see docs/fuzzing.md."""

import sys

from fuzzing.runner import main

sys.exit(main())
