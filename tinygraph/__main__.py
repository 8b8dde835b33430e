"""`python -m tinygraph devices`: the OpenCL platforms and devices, and which one a
session would use (honouring $TINYGRAPH_DEVICE)."""
import os
import sys

USAGE = "usage: python -m tinygraph devices"


def devices():
    from .runtime.opencl.device import OpenCLUnavailableError, cache_dir, list_devices
    choice = os.environ.get("TINYGRAPH_DEVICE") or "default (a GPU if present, else the CPU)"
    print(f"TINYGRAPH_DEVICE: {choice}")
    try:
        rows = list_devices()
    except OpenCLUnavailableError as e:
        print(f"OpenCL: unavailable: {e}")
        return 1
    print(f"{'':2}{'index':6}{'type':6}{'units':>6}{'memory':>10}  device (platform)")
    for r in rows:
        mark = "*" if r["chosen"] else " "
        print(f"{mark} {r['index']:6}{r['type']:6}{r['compute_units']:>6}"
              f"{r['memory_mb']:>7} MB  {r['device']} ({r['platform']})")
    if os.environ.get("TINYGRAPH_DEVICE") == "numpy":
        print("* sessions use the numpy reference backend (TINYGRAPH_DEVICE=numpy)")
    else:
        print("* marks the device sessions use")
    print(f"kernel cache: {os.environ.get('POCL_CACHE_DIR') or cache_dir()}")
    return 0


def main(argv):
    if argv[1:] == ["devices"]:
        return devices()
    print(USAGE)
    return 0 if len(argv) == 1 else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
