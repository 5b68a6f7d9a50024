# The fault harness (docs/reliability.md): real ots-node processes, each in a network namespace
# of its own joined to the test's by a bridge, so that links between nodes can be cut silently
# (iptables DROP, no reset), made lossy (iptables -m statistic) or slow (tbf), while the test's
# clients still reach every node. Sourced after lib.sh by a federation test that called
# fed_setup (so it already runs in namespaces of its own, as root).
#   fault_net CC...       one namespace per node (pki init's folder names: ots, az, kz, ...)
#   fault_launch CC       starts CC's node in its namespace (fed_ready CC waits for it)
#   fault_status CC       `ots-ctl status` of CC's node into $work/status.CC, as fed_status
#   fault_cut A B         drops every packet between A and B, both ways
#   fault_isolate A       cuts A from every other node (the test's clients still reach it)
#   fault_loss A PERCENT  drops PERCENT % of the packets A receives from the other nodes
#   fault_rate A KBIT     limits what A sends to KBIT kbit/s
#   fault_heal            undoes every cut, loss and limit
#   now_ms                milliseconds since the epoch, for measured times
declare -gA fault_ip=() fault_ns=() fault_veth=()

fault_net() {
  command -v iptables >/dev/null || fail "iptables is needed (deploy/install-deps.sh installs it)"
  ip link add otsbr0 type bridge || fail "cannot create a bridge in the test's namespace"
  ip addr add 10.99.0.1/24 dev otsbr0
  ip link set otsbr0 up
  local i=10 cc ns
  for cc in "$@"; do
    ns=ots$$-$cc
    ip netns add "$ns" || fail "cannot create network namespace $ns"
    fault_ns[$cc]=$ns
    fault_ip[$cc]=10.99.0.$i
    fault_veth[$cc]=v$i
    ip link add "v$i" type veth peer name eth0 netns "$ns"
    ip link set "v$i" master otsbr0 up
    ip -n "$ns" addr add "10.99.0.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    i=$((i + 1))
  done
  trap fault_cleanup EXIT
  fault_configs
}

# Node and client configurations that use the namespaces' addresses: CC/node.fault.textproto and
# CC/{operator,auditor}.fault.textproto beside pki init's.
fault_configs() {
  local cc peer code peers
  for cc in "${!fault_ns[@]}"; do
    peers=
    for peer in "${!fault_ns[@]}"; do
      [ "$peer" = "$cc" ] && continue
      code=${peer^^}
      peers+="peer_endpoints { key: \"$code\" value: \"${fault_ip[$peer]}:7400\" } "
    done
    sed "s/^listen_address: .*/listen_address: \"${fault_ip[$cc]}:7400\"/" \
      "$fed/$cc/node.textproto" >"$fed/$cc/node.fault.textproto"
    fed_base[$cc]=$fed/$cc/node.fault.textproto
    fed_sync[$cc]="$peers ${fed_sync[$cc]:-}"
    for role in operator auditor; do
      [ -f "$fed/$cc/$role.textproto" ] || continue
      sed "s/^node_address: .*/node_address: \"${fault_ip[$cc]}:7400\"/" \
        "$fed/$cc/$role.textproto" >"$fed/$cc/$role.fault.textproto"
    done
  done
}

fault_launch() {
  local cc=$1
  fed_prefix=(ip netns exec "${fault_ns[$cc]}" ${fault_wrap[$cc]:-})
  fed_launch "$cc"
  fed_prefix=()
}
declare -gA fault_wrap=()

fault_status() {
  "$ctl" status --config "$fed/$1/auditor.fault.textproto" >"$work/status.$1" 2>&1
}

fault_cut() {
  ip netns exec "${fault_ns[$1]}" iptables -A INPUT -s "${fault_ip[$2]}" -j DROP
  ip netns exec "${fault_ns[$2]}" iptables -A INPUT -s "${fault_ip[$1]}" -j DROP
}
fault_isolate() {
  local peer
  for peer in "${!fault_ns[@]}"; do
    [ "$peer" = "$1" ] || fault_cut "$1" "$peer"
  done
}
fault_loss() {
  ip netns exec "${fault_ns[$1]}" iptables -A INPUT ! -s 10.99.0.1 -m statistic --mode random \
    --probability "0.$(printf %02d "$2")" -j DROP
}
fault_rate() {
  ip netns exec "${fault_ns[$1]}" tc qdisc replace dev eth0 root tbf rate "${2}kbit" burst 16kb \
    latency 400ms
}
fault_heal() {
  local cc
  for cc in "${!fault_ns[@]}"; do
    ip netns exec "${fault_ns[$cc]}" iptables -F INPUT
    ip netns exec "${fault_ns[$cc]}" tc qdisc del dev eth0 root 2>/dev/null || true
  done
}

fault_cleanup() {
  local rc=$? ns
  for ns in "${fault_ns[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  (exit "$rc")
  fed_cleanup
}

now_ms() { date +%s%3N; }
