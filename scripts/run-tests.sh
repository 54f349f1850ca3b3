#!/bin/bash
# The whole suite the way `make test` runs it (inside scripts/with-test-services.sh):
#   scripts/run-tests.sh PYTHON [pytest arguments...]
# In pytest-xdist workers, KIOSK_TEST_WORKERS of them (default 2: CI has two cores). Worksteal:
# each worker starts on its half of the tests in order (a module's fixtures are mostly made
# once) and an idle worker takes over half of what the other has left (a few tests take
# minutes). Tests that share a service of the run take turns on its lock (tests/conftest.py).
# Bytecode is written once, under build/pycache: the environment may forbid it
# (PYTHONDONTWRITEBYTECODE, as CI's does) and a fresh clone has none, and then every Python
# the tests start (sandbox servers, the app offscreen, the CLI) compiled the project again.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:?usage: scripts/run-tests.sh PYTHON [pytest arguments...]}"
shift
export PYTHONPYCACHEPREFIX="$root/build/pycache"
unset PYTHONDONTWRITEBYTECODE
cd "$root" || exit 1
"$python" -m pytest -p no:cacheprovider -n "${KIOSK_TEST_WORKERS:-2}" --dist worksteal \
    --durations=15 "$@"
rc=$?
# Exit 5 is "no tests collected": a run that tested nothing has not passed.
if [ "$rc" = 5 ]; then echo "pytest ran no tests: failing" >&2; rc=1; fi
exit "$rc"
