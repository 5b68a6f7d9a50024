#!/usr/bin/env bash
# An OCI image of ots-node made from the project's Debian packages on a Debian 12 root made from
# Debian's archive (debootstrap), with no base image pulled (docs/operations.md, "Container"):
#   deploy/container/build-image.sh NODE_DEB CTL_DEB [IMAGE]     (IMAGE: localhost/ots-node:VERSION)
# The image runs one node: mount the member's folder of `pki init --data-root /var/lib/ots` at
# /etc/ots/<cc> (with /etc/ots/ca and /etc/ots/federation), a volume at /var/lib/ots, and give
# the member as the command, e.g.
#   podman run -d --name ots-az -p 7401:7401 -v /srv/ots/etc:/etc/ots:ro \
#     -v ots-az-data:/var/lib/ots localhost/ots-node:0.3.0 az
# It runs as user ots with the unit's command line; its log (stderr) is JSON lines.
set -euo pipefail
node_deb=${1:?usage: build-image.sh NODE_DEB CTL_DEB [IMAGE]}
ctl_deb=${2:?usage: build-image.sh NODE_DEB CTL_DEB [IMAGE]}
version=$(dpkg-deb -f "$node_deb" Version)
image=${3:-localhost/ots-node:${version%-*}}
[ "$(id -u)" -eq 0 ] || { echo "build-image: run as root (debootstrap, chroot)" >&2; exit 2; }
command -v podman >/dev/null || { echo "build-image: podman is missing (Debian package podman)" >&2; exit 2; }
work=$(mktemp -d /tmp/ots-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

bash "$(dirname "$0")/../debian-root.sh" "$root" "$node_deb" "$ctl_deb"
rm -rf "$root/var/lib/apt/lists"/* "$root/etc/resolv.conf"
# The entry point: the unit's ExecStart for the member given, as the unit's user and umask.
cat >"$root/usr/local/bin/ots-node-entry" <<'ENTRY'
#!/bin/sh
# ots-node-entry CC: runs ots-node@CC's command line (/lib/systemd/system/ots-node@.service).
set -e
cc=${1:?usage: ots-node-entry CC (the member whose folder is /etc/ots/CC)}
umask 0077
mkdir -p "/var/lib/ots/$cc"
exec /usr/sbin/ots-node --config "/etc/ots/$cc/node.textproto" --log-format json
ENTRY
chmod 755 "$root/usr/local/bin/ots-node-entry"

echo "build-image: podman import as $image" >&2
tar -C "$root" -c . | podman import \
  --change 'USER ots' \
  --change 'WORKDIR /var/lib/ots' \
  --change 'VOLUME ["/var/lib/ots"]' \
  --change 'ENTRYPOINT ["/usr/local/bin/ots-node-entry"]' \
  --change 'STOPSIGNAL SIGTERM' \
  --message "ots-node ${version} from its Debian packages" - "$image" >/dev/null
echo "$image"
