"""`python -m tinygraph` (or the `tinygraph` console script): `replay` runs the book's and
the tutorial's programs; `devices` lists the OpenCL platforms and devices, which one a
session would use (honouring $TINYGRAPH_DEVICE), and the kernel cache folders; `viz`
writes the graph a script builds (tinygraph/viz/cli.py)."""
import os
import sys

USAGE = """usage: python -m tinygraph <command>

commands:
  replay    run the programs of Geron's chapter 14 and of the TF1 RNN tutorial, then
            tabulate them (`tinygraph replay --help` for the options)
  devices   list the OpenCL devices; * marks the one sessions use ($TINYGRAPH_DEVICE:
            numpy, opencl, gpu, cpu, or P:D indices from this list), + the one their
            plans of large matrix products use
  viz       run a graph-building script up to its first Session.run and write its graph:
            `tinygraph viz SCRIPT.py -o graph.html` (or .dot; `tinygraph viz --help`)"""


def devices():
    # Importing device.py first sets POCL_CACHE_DIR before PoCL initialises.
    from .runtime.opencl import device as dev
    setting = os.environ.get("TINYGRAPH_DEVICE")
    print(f"TINYGRAPH_DEVICE: {setting or '(unset: a GPU if there is one, else the CPU)'}")
    problem = None
    if setting and setting.strip().lower() != "numpy":
        try:
            dev.select_device()
        except (ValueError, dev.OpenCLUnavailableError) as e:
            problem = str(e)   # e.g. "gpu" without a GPU: the table helps to pick one
    try:
        rows = dev.list_devices()
    except dev.OpenCLUnavailableError as e:
        print(f"OpenCL: unavailable: {e}")
        return 1
    header = ("", "P:D", "type", "units", "memory", "max wg", "device (platform)")
    mark = {(True, False): "*", (False, True): "+"}
    table = [header] + [(mark.get((r["chosen"], r["wide"]), ""), r["spec"], r["type"],
                         str(r["compute_units"]), f"{r['global_mem_bytes'] / 2**30:.1f} GB",
                         str(r["max_work_group_size"]), f"{r['device']} ({r['platform']})")
                        for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
    if problem:
        print(f"no device is chosen: {problem}")
    elif setting and setting.strip().lower() == "numpy":
        print("sessions use the numpy reference backend (TINYGRAPH_DEVICE=numpy)")
    else:
        print("sessions use the device marked *" + (
            ", and + for plans of large matrix products" if any(r["wide"] for r in rows)
            else ""))
    user_pocl = os.environ["POCL_CACHE_DIR"] != str(dev.cache_dir() / "pocl")
    print(f"cache folder: {dev.cache_dir()}")
    print(f"  PoCL kernel cache: {os.environ['POCL_CACHE_DIR']}"
          + ("  (your POCL_CACHE_DIR)" if user_pocl else ""))
    print(f"  PoCL program binaries: {dev.binary_cache_dir()}  (programs built twice)")
    print(f"  pyopencl binary cache: {dev.pyopencl_cache_dir()}  (drivers without a cache)")
    return 0


def main(argv):
    args = argv[1:]
    if args[:1] == ["replay"]:
        from .replay.runner import main as replay
        return replay(args[1:])
    if args == ["devices"]:
        return devices()
    if args[:1] == ["viz"]:
        from .viz.cli import main as viz
        return viz(args[1:])
    print(USAGE)
    return 0 if not args or args[0] in ("-h", "--help", "help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))


def entry():
    """The `tinygraph` console script."""
    sys.exit(main(sys.argv))
