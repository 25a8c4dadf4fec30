"""Running the programs the tool needs: cmake, the cross binutils, qemu-system-arm."""
import subprocess
import sys


def tool(name):
    return f"arm-none-eabi-{name}"


def run(command, **kwargs):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n"
                 f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def qemu(machine, icount=False):
    command = ["qemu-system-arm", "-M", machine, "-display", "none", "-monitor", "none",
               "-serial", "null", "-semihosting-config", "enable=on,target=native"]
    return command + (["-icount", "shift=0"] if icount else [])
