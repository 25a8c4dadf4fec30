#!/bin/sh
# ctest's emulator for the Cortex-M images: qemu-run.sh MACHINE IMAGE [ARGS...]
# The arguments reach main() through the semihosting command line (-append); the image's
# exit status (semihosting SYS_EXIT) becomes this script's.
set -eu
machine=$1
image=$2
shift 2
exec qemu-system-arm -M "$machine" -display none -monitor none -serial null \
    -semihosting-config enable=on,target=native -kernel "$image" -append "$*"
