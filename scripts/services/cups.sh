# shellcheck shell=bash
# cupsd with a cups-pdf queue for the printing tests; sourced by scripts/with-test-services.sh.
#
# cups_start: starts `cupsd -f` unless a scheduler already answers (then it is left alone),
# adds the queue "kiosk-test" on the cups-pdf backend writing into $KIOSK_TEST_STATE, and
# exports KIOSK_TEST_PRINTER and KIOSK_TEST_PDF_DIR. When that is impossible (not root, no
# cups-pdf, ...) it says why on stderr, exports KIOSK_TEST_PRINTER_PROBLEM and returns 0, so
# the printing tests fail with that message instead of the whole run failing obscurely.
# cups_stop: removes the queue and its config, stops the cupsd this script started.
#
# The queue uses cups-pdf's per-instance config (/etc/cups/cups-pdf-<instance>.conf, chosen
# by the device URI cups-pdf:/<instance>), so the machine's /etc/cups/cups-pdf.conf and any
# existing PDF printer stay untouched.

# Unique per run: parallel runs (developers, helpers) must not delete each other's queue.
_cups_queue="kiosk-test-$$"
_cups_instance="$_cups_queue"
_cups_conf_file="/etc/cups/cups-pdf-$_cups_queue.conf"
_cups_started_pid=

_cups_problem() {
    echo "cups.sh: $*" >&2
    export KIOSK_TEST_PRINTER_PROBLEM="$*"
    unset KIOSK_TEST_PRINTER KIOSK_TEST_PDF_DIR
    return 0
}

_cups_scheduler_up() {
    lpstat -r 2>/dev/null | grep -q "is running"
}

_cups_find_ppd() {
    local p
    for p in /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd \
             /usr/share/ppd/cups-pdf/CUPS-PDF.ppd; do
        [ -r "$p" ] && { echo "$p"; return 0; }
    done
    find /usr/share/ppd /usr/share/cups/model -iname 'cups-pdf*.ppd*' 2>/dev/null | head -n 1
}

cups_start() {
    local state="${KIOSK_TEST_STATE:?KIOSK_TEST_STATE must be set}" cmd
    local out="$state/cups-pdf" ppd i
    unset KIOSK_TEST_PRINTER_PROBLEM
    for cmd in cupsd lpadmin lpstat; do
        command -v "$cmd" >/dev/null 2>&1 || {
            _cups_problem "$cmd not found: install the Debian packages cups and printer-driver-cups-pdf (make deps)"
            return 0; }
    done
    [ -e /usr/lib/cups/backend/cups-pdf ] || {
        _cups_problem "cups-pdf backend missing: apt-get install printer-driver-cups-pdf (make deps)"
        return 0; }
    ppd="$(_cups_find_ppd)"
    [ -n "$ppd" ] || { _cups_problem "no cups-pdf PPD found under /usr/share/ppd"; return 0; }
    if [ "$(id -u)" != 0 ]; then
        _cups_problem "printing tests need root to add the queue $_cups_queue and write $_cups_conf_file; run: sudo make test"
        return 0
    fi

    # cups-pdf runs as the job's user; every user must be able to reach and write the folder.
    mkdir -p "$out" && chmod 1777 "$out" && chmod a+x "$state"
    cat >"$_cups_conf_file" <<CONF
# Written by gov-kiosk scripts/services/cups.sh for the test queue $_cups_queue; removed on stop.
Out $out
AnonDirName $out
AnonUMask 0000
UserUMask 0000
Grp lp
Label 2
Log $state/cups-pdf-log
LogType 3
CONF
    mkdir -p "$state/cups-pdf-log"

    if ! _cups_scheduler_up; then
        mkdir -p /run/cups /var/spool/cups/tmp /var/log/cups /var/cache/cups
        cupsd -f >"$state/cupsd.log" 2>&1 &
        _cups_started_pid=$!
        for i in $(seq 1 100); do
            _cups_scheduler_up && break
            if ! kill -0 "$_cups_started_pid" 2>/dev/null; then
                _cups_problem "cupsd exited at start; see $state/cupsd.log and /var/log/cups/error_log"
                _cups_started_pid=
                return 0
            fi
            sleep 0.1
        done
        _cups_scheduler_up || { _cups_problem "cupsd did not answer within 10 s"; return 0; }
    fi

    # cups-pdf turns PDF into PostScript and back. Only the pdftocairo renderer keeps the text
    # layer of the slip's embedded CJK font through that trip (poppler's pdftops and
    # ghostscript's ps2write drop it), and the tests read the printed text with pdftotext.
    if ! lpadmin -p "$_cups_queue" -E -v "cups-pdf:/$_cups_instance" -P "$ppd" \
            -o printer-error-policy=abort-job -o printer-is-shared=false \
            -o pdftops-renderer-default=pdftocairo 2>"$state/lpadmin.err"; then
        _cups_problem "lpadmin could not create $_cups_queue: $(cat "$state/lpadmin.err")"
        return 0
    fi
    cupsenable "$_cups_queue" 2>/dev/null || true
    cupsaccept "$_cups_queue" 2>/dev/null || true
    export KIOSK_TEST_PRINTER="$_cups_queue"
    export KIOSK_TEST_PDF_DIR="$out"
    return 0
}

cups_stop() {
    local i
    if command -v lpadmin >/dev/null 2>&1 && lpstat -p "$_cups_queue" >/dev/null 2>&1; then
        cancel -a "$_cups_queue" 2>/dev/null || true
        lpadmin -x "$_cups_queue" 2>/dev/null || true
    fi
    [ "$(id -u)" = 0 ] && rm -f "$_cups_conf_file"
    if [ -n "$_cups_started_pid" ]; then
        kill "$_cups_started_pid" 2>/dev/null || true
        for i in $(seq 1 50); do kill -0 "$_cups_started_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$_cups_started_pid" 2>/dev/null || true
        _cups_started_pid=
    fi
    return 0
}
