#!/usr/bin/env bash
# A one-node Slurm cluster on localhost, for testing the jobs in slurm/ as
# users submit them: munge, slurmctld and slurmd with every file (key,
# sockets, state, spool, logs, pids) in one folder, no systemd, nothing
# installed outside that folder.
#
#   scripts/local_slurm.sh up DIR [CPUS]   start it (CPUS the node declares;
#                                          default 4, more than the cores is fine)
#   scripts/local_slurm.sh down DIR        cancel every job, stop the daemons
#                                          by their pid files
#   scripts/local_slurm.sh env DIR         print the line to eval for clients:
#                                          export SLURM_CONF=DIR/slurm.conf
#
# `up` prints the same line when the cluster is ready (slurmctld answers
# `scontrol ping` and the node is idle), or fails showing the daemons' logs.
# It needs the Debian packages slurm-wlm and munge (scripts/setup.sh installs
# them) and runs the daemons as the calling user. Facts behind the
# configuration: docs/slurm.md.
set -euo pipefail

die() {
  echo "local_slurm.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/local_slurm.sh up|down|env DIR [CPUS]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
conf="$dir/slurm.conf"

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.1
  done
  echo "local_slurm.sh: $what" >&2
}

show_logs() {
  local f
  for f in "$dir"/log/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f (last 20 lines)" >&2
    tail -n 20 "$f" >&2
  done
}

# alive PIDFILE: the process named in PIDFILE runs and is not a zombie.
alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/status" ] || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
}

stop_daemon() {
  local pidfile=$1 pid
  alive "$pidfile" || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while alive "$pidfile"; do
    if [ $SECONDS -ge $deadline ]; then
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
}

node_idle() {
  local state
  state=$(SLURM_CONF="$conf" sinfo -h -n localhost -o %T 2>/dev/null) || return 1
  [ "$state" = idle ]
}

up() {
  local cpus=${1:-4}
  for tool in munged mungekey slurmctld slurmd scontrol sinfo; do
    command -v "$tool" >/dev/null || die "$tool not found: install slurm-wlm and munge (bash scripts/setup.sh)"
  done
  if alive "$dir/run/slurmctld.pid" || alive "$dir/run/slurmd.pid" || alive "$dir/run/munged.pid"; then
    die "a cluster already runs from $dir (scripts/local_slurm.sh down $dir first)"
  fi
  local user mem_mb
  user=$(id -un)
  mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  mkdir -p "$dir/munge" "$dir/run" "$dir/log" "$dir/state" "$dir/spool/slurmd"
  chmod 755 "$dir" "$dir/munge" # munged refuses a socket folder others cannot reach
  if [ ! -f "$dir/munge/munge.key" ]; then
    mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
    chmod 600 "$dir/munge/munge.key"
  fi
  cat >"$conf" <<EOF
# One-node test cluster written by scripts/local_slurm.sh.
ClusterName=zyphyr-local
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed" \
    || { show_logs; die "munged did not start"; }
  slurmctld -f "$conf" || { show_logs; die "slurmctld did not start"; }
  wait_for 30 "slurmctld answers" env SLURM_CONF="$conf" scontrol ping \
    || { show_logs; down; die "slurmctld did not answer scontrol ping within 30 s"; }
  slurmd -f "$conf" -N localhost || { show_logs; down; die "slurmd did not start"; }
  wait_for 30 "node localhost is idle" node_idle \
    || { show_logs; down; die "node localhost did not become idle within 30 s"; }
  echo "export SLURM_CONF=$conf"
}

down() {
  if [ -f "$conf" ] && alive "$dir/run/slurmctld.pid"; then
    SLURM_CONF="$conf" scancel --quiet --user="$(id -un)" 2>/dev/null || true
  fi
  stop_daemon "$dir/run/slurmd.pid"
  stop_daemon "$dir/run/slurmctld.pid"
  stop_daemon "$dir/run/munged.pid"
}

case $cmd in
  up) up "${3:-4}" ;;
  down) down ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) usage ;;
esac
