#!/bin/bash
# Starts the system services the tests use (cupsd, ...), runs the given command, stops them.
# Each scripts/services/<name>.sh defines <name>_start and <name>_stop; a service that was
# already running is left alone. Exports what the tests need to find them (e.g. KIOSK_TEST_PRINTER).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# One run at a time on a machine: the services are shared, and the run that finishes first
# would stop them under the other (seen when several people ran `make test` at once).
if command -v flock >/dev/null 2>&1; then
    exec 9>/tmp/kiosk-test-services.lock
    if ! flock -n 9; then
        echo "with-test-services: another test run holds the services; waiting for it..." >&2
        flock 9
    fi
fi
export KIOSK_TEST_STATE="${KIOSK_TEST_STATE:-$(mktemp -d /tmp/kiosk-test-services.XXXXXX)}"
started=()
cleanup() {
    for ((i=${#started[@]}-1; i>=0; i--)); do "${started[i]}_stop" || true; done
}
trap cleanup EXIT INT TERM
for f in "$here"/services/*.sh; do
    [ -e "$f" ] || continue
    # shellcheck source=/dev/null
    . "$f"
    name="$(basename "$f" .sh)"
    if "${name}_start"; then
        started+=("$name")
    else
        echo "with-test-services: could not start $name" >&2
        exit 1
    fi
done
"$@"
rc=$?
if [ "$rc" = 5 ]; then echo "pytest ran no tests: failing" >&2; rc=1; fi
exit "$rc"
