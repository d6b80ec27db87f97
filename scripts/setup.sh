#!/usr/bin/env bash
# Installs the Debian 12 packages osteosim needs to build, test and plot.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

packages=(
  gcc make cmake pkg-config
  libgsl-dev libhdf5-dev hdf5-tools zlib1g-dev libcmocka-dev librandom123-dev libyaml-dev
  # Optional: faster deflate of the cohort snapshots (zlib without it).
  libdeflate-dev
  # Optional: output.codec lz4 (liblz4) and its readers' HDF5 LZ4 filter
  # plugin (h5py, R, h5dump; tests/integration/output_async.sh).
  liblz4-dev hdf5-filter-plugin
  python3 python3-h5py python3-numpy python3-matplotlib python3-yaml
  # Readers of the outputs (scripts/osteosim_read.py, scripts/osteosim.R)
  # and the tests that run every Python and R block of docs/reading-outputs.md.
  python3-pandas r-base-core r-cran-hdf5r
  # MPI runs (docs/hpc.md): Open MPI and the HDF5 built against it.
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
