#!/usr/bin/env bash
# Installs the Debian packages ots-node and ots-ctl and runs nodes from the installed files the
# way systemd runs the unit (docs/operations.md, "Production install"):
#   1. the packages go into a Debian 12 root; their maintainer scripts create the user ots,
#      /etc/ots and /var/lib/ots (0700);
#   2. `ots-ctl pki init --data-root /var/lib/ots` writes AZ's and KZ's configurations into
#      /etc/ots; the maintainer scripts run again and change nothing there;
#   3. ots-node@az and ots-node@kz start as the unit says: its ExecStart line with %i, as user
#      ots, umask 0077, the StateDirectory made, NOTIFY_SOCKET set; each must say READY=1;
#   4. AZ's operator submits a return, and KZ's node holds it, replicated and cosigned;
#   5. /readyz of AZ's admin listener answers ready; the unit's ExecReload (SIGHUP) makes AZ say
#      RELOADING=1 and READY=1 again, having read its trust bundle file again; SIGTERM makes
#      each say STOPPING=1 and exit 0.
# What it cannot show without systemd as PID 1: the unit's sandbox (ProtectSystem=, the system
# call filter, ...) in force; tests/deploy/systemd_unit_test.sh analyses it offline.
#
#   deploy/install-test.sh --full DEB...   into a clean Debian 12 root made by debootstrap from
#                                          Debian's archive, `apt-get install` resolving the
#                                          dependencies the packages declare (a few minutes)
#   deploy/install-test.sh --fast DEB...   into this machine's own root seen through overlays in
#                                          a mount namespace of its own (nothing outside it
#                                          changes): the files and maintainer scripts of the
#                                          packages, with the libraries already here (seconds;
#                                          what make test runs)
# Runs as root; the nodes run in a network namespace of their own. OTS_KEEP_WORK=1 keeps the
# work folder. Exit 0 and "PASS" when every step holds.
set -euo pipefail
mode=${1:-}
shift || true
if [ "$mode" != --full ] && [ "$mode" != --fast ] || [ $# -eq 0 ]; then
  echo "usage: install-test.sh --full|--fast DEB..." >&2
  exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || {
  echo "install-test: must run as root (chroot, namespaces)" >&2
  exit 2
}
debs=()
for d in "$@"; do
  debs+=("$(cd "$(dirname "$d")" && pwd)/$(basename "$d")")
done
work=$(mktemp -d /tmp/ots-install-test.XXXXXX)
cleanup() {
  local rc=$?
  [ -z "${notify_pid:-}" ] || kill "$notify_pid" 2>/dev/null || true
  if [ -n "${OTS_KEEP_WORK:-}" ] || [ "$rc" -ne 0 ]; then
    echo "install-test: work folder kept: $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A return for AZ to submit (the sample data of the demo).
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ >/dev/null
return_file=$work/returns/AZ_2020.csv

if [ "$mode" = --full ]; then
  root=$work/root
  echo "--- a clean Debian 12 root with the packages installed (deploy/debian-root.sh)"
  bash "$src/deploy/debian-root.sh" "$root" "${debs[@]}" || fail "deploy/debian-root.sh failed"
fi

# What runs inside: in the chroot (--full) or in the overlay namespace (--fast). Its first
# argument is the return file, as seen from inside.
cp "$return_file" "$work/az-return.csv"
cat >"$work/inside.sh" <<'INSIDE'
set -euo pipefail
return_file=$1
out=$2  # where the logs go
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
wait_for() {
  local what=$1 limit=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.1
  done
}
echo "--- what the maintainer scripts made"
getent passwd ots >/dev/null || fail "no user ots"
[ "$(stat -c '%U %a' /var/lib/ots)" = "ots 700" ] || fail "/var/lib/ots is not ots's, mode 0700"
[ "$(stat -c '%U %G %a' /etc/ots)" = "root ots 750" ] || fail "/etc/ots is not root:ots 0750"
[ -x /usr/sbin/ots-node ] && [ -x /usr/bin/ots-ctl ] || fail "the programs are not installed"
unit=/lib/systemd/system/ots-node@.service
[ -f "$unit" ] || fail "no unit $unit"

echo "--- pki init into /etc/ots"
ots-ctl pki init --out /etc/ots --states AZ,KZ --data-root /var/lib/ots --admin-base-port 9400 \
  >"$out/pki.out" 2>&1 || { cat "$out/pki.out" >&2; fail "pki init failed"; }
grep -qx 'data_dir: "/var/lib/ots/az"' /etc/ots/az/node.textproto || fail "AZ's data_dir is not /var/lib/ots/az"
chown -R ots:ots /etc/ots/az /etc/ots/kz
echo "--- the maintainer scripts again change no configuration"
before=$(find /etc/ots /var/lib/ots -printf '%p %U %G %m %s %T@\n' | sort)
/var/lib/dpkg/info/ots-node.postinst configure 0.3.0-1
after=$(find /etc/ots /var/lib/ots -printf '%p %U %G %m %s %T@\n' | sort)
[ "$before" = "$after" ] || fail "postinst configure changed /etc/ots or /var/lib/ots"

# The unit's lines, %i replaced.
unit_line() { sed -n "s/^$1=//p" "$unit" | sed "s/%i/$2/g"; }
pids=()
for cc in az kz; do
  echo "--- ots-node@$cc as the unit runs it: $(unit_line ExecStart "$cc")"
  state=/var/lib/$(unit_line StateDirectory "$cc")
  install -d -o "$(unit_line User "$cc")" -g "$(unit_line Group "$cc")" \
    -m "$(unit_line StateDirectoryMode "$cc")" "$state"
  rm -f "/run/notify-$cc.log"
  # shellcheck disable=SC2046 # the ExecStart line is split as systemd splits it (no quotes in it)
  NOTIFY_SOCKET=/run/notify-$cc.sock setpriv --reuid ots --regid ots --init-groups \
    sh -c "umask $(unit_line UMask "$cc"); exec \"\$@\"" sh $(unit_line ExecStart "$cc") \
    </dev/null >>"$out/$cc.log" 2>&1 &
  pids+=($!)
done
for cc in az kz; do
  wait_for "READY=1 from ots-node@$cc" 30 grep -qs '^READY=1$' "/run/notify-$cc.log"
done
# What the node made in its state folder is its user's alone (User=, UMask= of the unit).
[ -n "$(find /var/lib/ots/az -type f)" ] || fail "ots-node@az wrote nothing in /var/lib/ots/az"
[ -z "$(find /var/lib/ots/az ! -user ots)" ] || fail "files in /var/lib/ots/az are not ots's"
[ -z "$(find /var/lib/ots/az -perm /077)" ] || fail "files in /var/lib/ots/az are open to others"

echo "--- AZ submits; KZ replicates"
ots-ctl submit --config /etc/ots/az/operator.textproto "$return_file" >"$out/submit.out" 2>&1 ||
  { cat "$out/submit.out" >&2; fail "the submission to AZ failed"; }
kz_holds() {
  ots-ctl status --config /etc/ots/kz/auditor.textproto >"$out/kz.status" 2>&1 &&
    grep -q '^origin AZ   log size 1, .*cosigned by .*KZ' "$out/kz.status"
}
wait_for "KZ to hold AZ's return, cosigned" 60 kz_holds

echo "--- /readyz, reload, stop"
readyz() {
  exec 3<>/dev/tcp/127.0.0.1/9401 || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n' >&3
  local answer
  answer=$(cat <&3)
  exec 3<&-
  [[ $answer == "HTTP/1.1 200 OK"*ready* ]]
}
wait_for "AZ's /readyz" 10 readyz
reload=$(unit_line ExecReload az)
[ "$reload" = '/bin/kill -HUP $MAINPID' ] || fail "unexpected ExecReload: $reload"
MAINPID=${pids[0]}
eval "$reload"
wait_for "RELOADING=1 then READY=1 from ots-node@az" 10 \
  sh -c "grep -A3 '^RELOADING=1$' /run/notify-az.log | grep -q '^READY=1$'"
# The reload read the bundle file again (the same version: nothing to apply), and did not fail.
wait_for "AZ's log to say it read the bundle file again" 10 \
  grep -q 'reload: .* holds trust bundle version 1; this node holds version 1: nothing to apply' \
  "$out/az.log"
grep -q 'the latest reload failed' /run/notify-az.log && fail "AZ says its reload failed"
kill -TERM "${pids[@]}"
for i in 0 1; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  [ "$rc" -eq 0 ] || fail "ots-node exited $rc on SIGTERM"
done
grep -q '^STOPPING=1$' /run/notify-az.log || fail "AZ did not say STOPPING=1"
echo "PASS (inside)"
INSIDE

# notify_listen DIR CC...: a listener of systemd's notification protocol for each CC: a datagram
# socket DIR/notify-CC.sock whose messages go, one field a line, to DIR/notify-CC.log.
notify_listen() {
  python3 - "$@" <<'PY' &
import os, select, socket, sys
d, codes = sys.argv[1], sys.argv[2:]
socks = {}
for cc in codes:
    path = os.path.join(d, f"notify-{cc}.sock")
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)  # the node runs as ots
    socks[s] = os.path.join(d, f"notify-{cc}.log")
while True:
    for s in select.select(list(socks), [], [])[0]:
        msg = s.recv(4096).decode(errors="replace")
        with open(socks[s], "a") as f:
            f.write(msg.rstrip("\n") + "\n")
PY
  notify_pid=$!
}

if [ "$mode" = --full ]; then
  mkdir -p "$root/run"
  cp "$work/inside.sh" "$work/az-return.csv" "$root/tmp/"
  notify_listen "$root/run" az kz
  unshare --net --mount --fork bash -euo pipefail -c '
    root=$1
    ip link set lo up
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    chroot "$root" bash /tmp/inside.sh /tmp/az-return.csv /tmp
  ' _ "$root"
else
  # The packages' files over /usr (and /lib, for the unit), /etc and /var writable overlays:
  # inside the namespace this machine looks as if the packages were installed; outside nothing
  # changes.
  command -v adduser >/dev/null || fail "adduser is missing (the postinst of ots-node uses it)"
  mkdir -p "$work/pkg" "$work/ctl" "$work/notify"
  chmod 755 "$work/notify"  # the nodes, as ots, reach their notification sockets there
  for deb in "${debs[@]}"; do
    dpkg-deb -x "$deb" "$work/pkg"
    dpkg-deb -e "$deb" "$work/ctl/$(dpkg-deb -f "$deb" Package)"
  done
  notify_listen "$work/notify" az kz
  unshare --net --mount --fork bash -euo pipefail -c '
    work=$1 src=$2
    ip link set lo up
    mount --make-rprivate /
    for dir in etc var; do
      mkdir -p "$work/$dir-up" "$work/$dir-work"
      mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$work/$dir-up,workdir=$work/$dir-work" "/$dir"
    done
    mount -t overlay overlay -o "lowerdir=$work/pkg/usr:/usr" /usr
    # /lib is /usr/lib on Debian 12 (merged /usr); the unit comes with the overlay above.
    mkdir -p /var/lib/dpkg/info
    cp "$work/ctl/ots-node/postinst" /var/lib/dpkg/info/ots-node.postinst
    if [ -d "$work/pkg/lib/systemd/system" ]; then
      mount -t overlay overlay \
        -o "lowerdir=$work/pkg/lib/systemd/system:/usr/lib/systemd/system" /usr/lib/systemd/system
    fi
    mount --bind "$work/notify" /run
    /var/lib/dpkg/info/ots-node.postinst configure
    bash "$work/inside.sh" "$work/az-return.csv" "$work"
  ' _ "$work" "$src"
fi
echo "PASS"
