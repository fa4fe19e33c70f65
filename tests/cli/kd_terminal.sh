#!/bin/sh
# SPDX-License-Identifier: MIT
# ntemu kd on a real terminal: the session runs in a detached tmux pane; keys are sent to it
# and the screen is read back. It checks the line editor (a typo fixed with Left, Backspace and
# Home/Delete), the history (Up recalls a command), Ctrl-C (drops the line being typed) and
# Ctrl-D (ends the session, exit status 0).
#   kd_terminal.sh NTEMU SCENARIO_DIR
# Exit 77 (skipped) without tmux.
set -u
ntemu=$1
dir=$2
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipped"; exit 77; }
socket="ntemu-kd-test-$$"
status_file="${TMPDIR:-/tmp}/ntemu-kd-test-$$.status"
tmux_() { tmux -L "$socket" "$@"; }
cleanup() { tmux_ kill-server >/dev/null 2>&1; rm -f "$status_file"; }
trap cleanup EXIT
fail() { echo "FAIL: $1"; echo "--- screen ---"; tmux_ capture-pane -p -t kd 2>/dev/null; exit 1; }

tmux_ -f /dev/null new-session -d -s kd -x 120 -y 60 \
  "cd '$dir' && '$ntemu' kd article.ntemu; echo \$? > '$status_file'; sleep 30" || fail "tmux"

# Waits (up to 20 s) until the screen shows TEXT (fixed string).
wait_for() {
  i=0
  while [ $i -lt 200 ]; do
    if tmux_ capture-pane -p -t kd | grep -F -- "$1" >/dev/null; then return 0; fi
    sleep 0.1
    i=$((i + 1))
  done
  fail "the screen never showed '$1'"
}

wait_for "kd>"
# A typo, fixed in place: "bp edr!ProcessNotifyRoutinX", Left, Backspace... then Enter.
tmux_ send-keys -t kd "bp edr!ProcessNotifyRoutinXe" Left BSpace Enter
wait_for "Breakpoint 0 set: edr!ProcessNotifyRoutine"
tmux_ send-keys -t kd "g" Enter
wait_for "Breakpoint 0 hit"
# "xkb": Home, Delete drops the x.
tmux_ send-keys -t kd "xkb" Home DC Enter
wait_for "01 -------- -------- -------- nt!PspCreateThread"
# Ctrl-C drops a half-typed line; Up, Up recalls "g" (the history is bp, g, kb).
tmux_ send-keys -t kd "garbage" C-c
wait_for "^C"
tmux_ send-keys -t kd Up Up Enter
wait_for "edr!ProcessNotifyRoutine: ParentId 0x8, ProcessId 0x10, Create FALSE"
# Ctrl-D on an empty line: the end of the session.
tmux_ send-keys -t kd C-d
i=0
while [ ! -s "$status_file" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$status_file" ] || fail "the session did not end on Ctrl-D"
[ "$(cat "$status_file")" = "0" ] || fail "exit status $(cat "$status_file"), expected 0"
screen=$(tmux_ capture-pane -p -t kd -S -200)
case $screen in
  *"error:"*) fail "an error on the screen" ;;
esac
echo "ok"
