#!/usr/bin/env bash
# Installs every system package Zyphyr needs from Debian's archive, then
# fetches the optional npm peers of `zyphyr bench` (scripts/fetch_peers.sh:
# hnswlib 0.8, usearch 2.26; a peer whose fetch fails is skipped with a line
# saying so). Idempotent: does nothing when all are present. Needs root (or
# sudo) for the packages.
set -euo pipefail

fetch_peers() { bash "$(dirname "$0")/fetch_peers.sh" || true; }

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev
  openmpi-bin libopenmpi-dev
  libboost-serialization-dev
  libhdf5-dev zlib1g-dev
  libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev
  libhnswlib-dev libfaiss-dev
  gnuplot-nox python3 python3-h5py python3-numpy
  dataset-fashion-mnist
  slurm-wlm munge
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  fetch_peers
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Installing slurm-wlm and munge must not start their system daemons: the
# tests run a cluster of their own (scripts/local_slurm.sh). A policy-rc.d
# that refuses every start does that; one already there is kept.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  $SUDO sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fetch_peers
