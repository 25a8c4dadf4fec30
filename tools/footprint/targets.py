"""The Cortex-M targets of the registry, ports/targets.json: the cores this tool measures."""
import json

from . import ROOT


def _targets():
    return json.loads((ROOT / "ports/targets.json").read_text())["targets"]


def cortex_m_cores():
    """The cores ("m3", "m4", ...) of the targets on the cortex-m board, in the registry's order."""
    return [t["name"].removeprefix("cortex-") for t in _targets() if t.get("board") == "cortex-m"]


def target(core):
    """The registry entry of a core: "m4" is target cortex-m4."""
    return next(t for t in _targets() if t["name"] == f"cortex-{core}")
