# shellcheck shell=bash
# A private pcscd with the vsmartcard virtual reader (vpcd) for the PC/SC tests; sourced by
# scripts/with-test-services.sh (also runnable: `pcscd.sh restart` restarts the test pcscd).
#
# pcscd_start: starts `pcscd -f` in its own mount namespace, with /run/pcscd bind-mounted from
# $KIOSK_TEST_STATE/pcscd/run and its reader config in .../pcscd/conf: vpcd listens on a port
# that is free on this machine. So the tests never touch a pcscd, a reader or a vpcd port that
# belongs to the machine (or to another test run at the same time). Exports
# PCSCLITE_CSOCK_NAME (pcsc-lite clients, pyscard included, then talk to this pcscd),
# KIOSK_TEST_VPCD_PORT (where the tests' card emulator connects) and KIOSK_TEST_PCSCD_DIR.
# When that is impossible it says why on stderr, exports KIOSK_TEST_PCSC_PROBLEM and returns 0,
# so the PC/SC tests fail with that message instead of the whole run failing obscurely.
# pcscd_stop: stops that pcscd (whichever pid the last start or restart wrote).
#
# vpcd's port is checked in /proc/net/tcp, never with a TCP connect: vpcd takes any
# connection for a card being inserted.

_pcscd_dir=

_pcscd_problem() {
    echo "pcscd.sh: $*" >&2
    export KIOSK_TEST_PCSC_PROBLEM="$*"
    unset KIOSK_TEST_VPCD_PORT KIOSK_TEST_PCSCD_DIR PCSCLITE_CSOCK_NAME
    return 0
}

# Exit status 0 when something listens on TCP port $1 (column 4 is the state; 0A is LISTEN).
_pcscd_listening() {
    awk -v p=":$(printf '%04X' "$1")" 'toupper($2) ~ p"$" && $4 == "0A" { f=1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# vpcd opens two readers, on the port and the one after it: both must be free.
_pcscd_free_port() {
    local port
    for port in $(seq 35971 2 36099); do
        _pcscd_listening "$port" || _pcscd_listening "$((port + 1))" || { echo "$port"; return 0; }
    done
    return 1
}

# Starts pcscd in $1 (a directory with conf/ and run/); port from $1/port; pid into $1/pid.
_pcscd_launch() {
    local dir="$1" port i pid
    port="$(cat "$dir/port")"
    rm -f "$dir/run/pcscd.comm" "$dir/run/pcscd.pid"
    unshare -m sh -c 'mount --bind "$1/run" /run/pcscd && exec /usr/sbin/pcscd -f -c "$1/conf"' \
        sh "$dir" >>"$dir/pcscd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/pid"
    for i in $(seq 1 100); do
        [ -S "$dir/run/pcscd.comm" ] && _pcscd_listening "$port" && return 0
        kill -0 "$pid" 2>/dev/null || { echo "pcscd exited at start; see $dir/pcscd.log"; return 1; }
        sleep 0.1
    done
    echo "pcscd did not come up with vpcd on port $port within 10 s; see $dir/pcscd.log"
    return 1
}

pcscd_start() {
    local state="${KIOSK_TEST_STATE:?KIOSK_TEST_STATE must be set}" port why
    unset KIOSK_TEST_PCSC_PROBLEM
    [ -x /usr/sbin/pcscd ] || { _pcscd_problem "pcscd not found: apt-get install pcscd (make deps)"; return 0; }
    ls /usr/lib/pcsc/drivers/serial/libifdvpcd.so* >/dev/null 2>&1 || {
        _pcscd_problem "vpcd driver missing: apt-get install vsmartcard-vpcd (make deps)"; return 0; }
    [ "$(id -u)" = 0 ] || {
        _pcscd_problem "the PC/SC tests start a private pcscd in a mount namespace, which needs root; run: sudo make test"
        return 0; }
    mkdir -p /run/pcscd
    port="$(_pcscd_free_port)" || { _pcscd_problem "no free TCP port for vpcd"; return 0; }
    _pcscd_dir="$state/pcscd"
    mkdir -p "$_pcscd_dir/conf" "$_pcscd_dir/run"
    echo "$port" >"$_pcscd_dir/port"
    cat >"$_pcscd_dir/conf/vpcd" <<CONF
# Written by gov-kiosk scripts/services/pcscd.sh: vpcd for the PC/SC tests.
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$port
LIBPATH      $(ls /usr/lib/pcsc/drivers/serial/libifdvpcd.so | head -n 1)
CHANNELID    $port
CONF
    why="$(_pcscd_launch "$_pcscd_dir")" || { _pcscd_stop_dir "$_pcscd_dir"; _pcscd_problem "$why"; return 0; }
    export PCSCLITE_CSOCK_NAME="$_pcscd_dir/run/pcscd.comm"
    export KIOSK_TEST_VPCD_PORT="$port"
    export KIOSK_TEST_PCSCD_DIR="$_pcscd_dir"
    return 0
}

_pcscd_stop_dir() {
    local pid i
    [ -r "$1/pid" ] || return 0
    pid="$(cat "$1/pid")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$1/pid"
}

pcscd_stop() {
    [ -n "$_pcscd_dir" ] && _pcscd_stop_dir "$_pcscd_dir"
    _pcscd_dir=
    return 0
}

# `pcscd.sh restart`: what a test runs to restart the test pcscd (reader gone, then back).
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = restart ]; then
    dir="${KIOSK_TEST_PCSCD_DIR:?KIOSK_TEST_PCSCD_DIR must be set (start via with-test-services.sh)}"
    _pcscd_stop_dir "$dir"
    sleep "${2:-0}"
    _pcscd_launch "$dir" >&2 || exit 1
fi
