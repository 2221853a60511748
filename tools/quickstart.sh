#!/bin/sh
# Spikeforge's first command on a fresh Debian or Ubuntu machine: installs
# the build dependencies (as root, or through sudo), builds everything and
# runs the flagship example (the Brunel network), printing its summary.
set -eu
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi

# Required: compiler and autotools, HDF5, libyaml, Random123, Check.
# For tests: hdf5-tools (h5dump) and python3-h5py (a second SONATA reader);
# the cross compilers and QEMU that run snncc's images (Cortex-M, RISC-V).
packages="build-essential autoconf automake libtool pkg-config
	libhdf5-dev libyaml-dev librandom123-dev check
	hdf5-tools python3-h5py
	gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
	gcc-riscv64-unknown-elf qemu-system-arm qemu-system-misc"

echo "== installing Debian packages"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $packages

echo "== building"
./autogen.sh
werror=""
if [ "${CI:-}" = true ]; then
	werror="--enable-werror"
fi
./configure $werror
make -j"$(nproc)"

echo "== running examples/brunel.yaml"
./snnsim run examples/brunel.yaml
