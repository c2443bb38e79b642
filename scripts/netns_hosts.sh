#!/usr/bin/env bash
# "Hosts" on one machine for multi-host MPI runs: network namespaces joined
# by a bridge, each with its own address and host name, and an rsh agent that
# Open MPI's launcher uses instead of ssh. Nothing is added to the machine's
# own network namespace (the links are created straight inside the new
# namespaces), so traffic stays between the namespaces made here.
#
#   scripts/netns_hosts.sh up NAME N     # namespaces NAME-sw, NAME-h0..h(N-1);
#                                        # host i is 10.77.0.(10+i), named NAME-hi
#   scripts/netns_hosts.sh down NAME N
#   scripts/netns_hosts.sh mpirun NAME ARGS...   # mpirun in NAME-h0, ranks on the
#                                        # hosts of a hostfile in ARGS (by address)
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN); `up` exits 3 when namespaces
# cannot be made here.
set -euo pipefail

cmd=${1:?usage: netns_hosts.sh up|down|mpirun NAME ...}
name=${2:?usage: netns_hosts.sh up|down|mpirun NAME ...}
dir=$(cd "$(dirname "$0")" && pwd)

case "$cmd" in
  up)
    n=${3:?usage: netns_hosts.sh up NAME N}
    if ! ip netns add "$name-sw" 2>/dev/null; then
      echo "cannot create network namespaces here (needs root)" >&2
      exit 3
    fi
    ip netns exec "$name-sw" ip link add br0 type bridge
    ip netns exec "$name-sw" ip link set br0 up
    for ((i = 0; i < n; i++)); do
      ip netns add "$name-h$i"
      ip link add v0 netns "$name-h$i" type veth peer name "p$i" netns "$name-sw"
      ip netns exec "$name-sw" ip link set "p$i" master br0
      ip netns exec "$name-sw" ip link set "p$i" up
      ip netns exec "$name-h$i" ip link set lo up
      ip netns exec "$name-h$i" ip addr add "10.77.0.$((10 + i))/24" dev v0
      ip netns exec "$name-h$i" ip link set v0 up
    done
    ;;
  down)
    n=${3:?usage: netns_hosts.sh down NAME N}
    for ((i = 0; i < n; i++)); do ip netns del "$name-h$i" 2>/dev/null || true; done
    ip netns del "$name-sw" 2>/dev/null || true
    ;;
  agent)
    # Open MPI's rsh agent: `agent HOST COMMAND...` runs COMMAND on HOST, here
    # in that host's namespace with its own host name.
    host=$3
    shift 3
    case "$host" in
      10.77.0.*) i=$((${host##*.} - 10)) ;;
      *) echo "unknown host $host" >&2; exit 255 ;;
    esac
    exec ip netns exec "$name-h$i" unshare --uts /bin/sh -c "hostname $name-h$i; $*"
    ;;
  mpirun)
    shift 2
    agent="$dir/netns_hosts.sh agent $name"
    exec ip netns exec "$name-h0" unshare --uts /bin/sh -c "hostname $name-h0; exec \"\$@\"" sh \
      env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
      mpirun --allow-run-as-root --mca plm_rsh_agent "$agent" \
      --mca oob_tcp_if_include 10.77.0.0/24 --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 \
      --bind-to none "$@"
    ;;
  *)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
