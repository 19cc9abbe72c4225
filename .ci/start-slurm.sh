#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, from Debian's packages, for
# test/slurm-job.spec.ts: munged, slurmctld and slurmd, all on loopback.
#
#   .ci/start-slurm.sh          install (if missing), configure, start, wait until the node is idle
#   .ci/start-slurm.sh stop     stop the daemons this script started (by the pids it recorded)
#
# No systemd and no cgroups are needed: processes are tracked through /proc
# (proctrack/linuxproc), tasks are not confined (task/none) and no
# accounting is gathered. That is what a CI container without a cgroup
# namespace of its own allows; a real cluster uses cgroups.
set -euo pipefail

state=/run/ganglion-slurm
conf=/etc/slurm/slurm.conf
node="$(hostname -s)"

stop() {
  for daemon in slurmd slurmctld munged; do
    if [[ -f "$state/$daemon.pid" ]]; then
      pid="$(cat "$state/$daemon.pid")"
      if kill -0 "$pid" 2>/dev/null; then kill "$pid" && echo "stopped $daemon ($pid)"; fi
      rm -f "$state/$daemon.pid"
    fi
  done
}

if [[ "${1:-}" == stop ]]; then
  stop
  exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

mkdir -p "$state" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  mungekey --create --keyfile /etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 0600 /etc/munge/munge.key
fi

cpus="$(nproc)"
memory_mb="$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)"
cat >"$conf" <<EOF
# Written by .ci/start-slurm.sh: one node, loopback only, no cgroups.
ClusterName=ganglion-ci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
KillWait=10
# Oversubscribed on purpose: a 2-core CI machine runs a 2-task job.
NodeName=$node NodeAddr=127.0.0.1 CPUs=$((cpus < 2 ? 2 : cpus)) RealMemory=$memory_mb State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=60 State=UP OverSubscribe=YES
EOF

running() { [[ -f "$state/$1.pid" ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

if ! running munged; then
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  for _ in $(seq 50); do [[ -S /run/munge/munge.socket.2 ]] && break; sleep 0.1; done
  cp /run/munge/munged.pid "$state/munged.pid"
fi
munge -n | unmunge >/dev/null || { echo "munge does not work: see /var/log/munge/munged.log" >&2; exit 1; }

# -c: forget state left by an earlier cluster (old jobs, a DOWN node).
if ! running slurmctld; then slurmctld -c; fi
if ! running slurmd; then slurmd; fi

# Ready when the node accepts jobs (bounded: 30 s).
for _ in $(seq 60); do
  node_state="$(sinfo --noheader --nodes="$node" --format=%t 2>/dev/null || true)"
  case "$node_state" in
    idle* | mix* | alloc*) break ;;
    down* | drain*) scontrol update nodename="$node" state=resume 2>/dev/null || true ;;
  esac
  sleep 0.5
done
if [[ ! "$node_state" =~ ^(idle|mix|alloc) ]]; then
  echo "Slurm did not come up: node $node is '${node_state:-unknown}'. Logs: /var/log/slurm/slurmctld.log, /var/log/slurm/slurmd.log" >&2
  exit 1
fi
echo "slurm $(sinfo --version | awk '{ print $2 }'): node $node $node_state, $(sinfo --noheader --format='%c CPUs, partition %P')"
