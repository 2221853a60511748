#!/bin/sh
# Spikeforge's first command on a fresh Debian or Ubuntu machine: installs
# the build dependencies (as root, or through sudo), builds everything, runs
# the flagship example (the Brunel network), printing its summary, and draws
# its spike raster to brunel_raster.png.
set -eu
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi

# Required: compiler and autotools, HDF5, libyaml, Random123, Check, libpng.
# The viewer snnview: SDL2. The Loihi mapper: METIS. For tests: hdf5-tools
# (h5dump), python3-h5py (a second SONATA reader), clang-format (the layout
# check), xvfb and xauth (the viewer's window without a screen), and the cross
# compilers and QEMU that run snncc's images (Cortex-M, RISC-V).
packages="build-essential autoconf automake libtool pkg-config
	libhdf5-dev libyaml-dev librandom123-dev check libpng-dev
	libsdl2-dev libmetis-dev
	hdf5-tools python3-h5py clang-format xvfb xauth
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

if [ -x ./snnview ]; then
	echo "== drawing its spike raster"
	./snnview --png brunel_raster.png brunel_spikes.h5
	echo "raster written to brunel_raster.png"
fi
