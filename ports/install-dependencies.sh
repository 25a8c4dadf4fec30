#!/bin/sh
# Installs what building and testing microprop needs on Debian 12, and nothing when it is
# all there already (so running it again costs a second). Needs root or sudo for apt-get.
set -eu

packages="cmake make g++ libxsimd-dev doctest-dev libbenchmark-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
  g++-aarch64-linux-gnu qemu-user python3 libfann-dev libeigen3-dev python3-matplotlib
  libcli11-dev python3-numpy python3-torch
  clang libclang-rt-14-dev clang-tidy cppcheck"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-dependencies: all packages present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-dependencies: missing:$missing; run this script as root (apt-get needs it)" >&2
    exit 1
fi

echo "install-dependencies: installing$missing"
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing
