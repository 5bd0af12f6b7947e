"""Old module paths, from before the package was split into layers, as aliases of their new homes.

Notebooks and scripts written against ``simulator.sweep``, ``simulator.results`` or
``from simulator.analysis import analyze`` keep working: importing an old path imports the
module at its new path and registers that very module object under the old name too, so
both names share one module (a monkeypatch through either is seen through both). New code
imports the new paths; nothing in the package itself uses the aliases.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

LAYERS = {
    "base": ("errors", "names", "calendar", "yamlio", "schema_errors", "resources", "progress"),
    "storage": ("locks", "ownership", "output"),
    "inputs": ("calibration", "shocklib", "scenario"),
    "core": (
        "structure",
        "state",
        "parameters",
        "randomness",
        "context",
        "shocks",
        "agents",
        "model",
        "recorder",
        "mechanisms",
    ),
    "presentation": ("plots", "labels", "compare_plots", "explain_plots"),
    "runs": ("results", "runner", "run_folder", "manifest", "metrics", "run_size"),
    "sweeps": (
        "experiment",
        "designs",
        "chunks",
        "executors",
        "sweep",
        "sweep_data",
        "sweep_size",
        "interop",
        "sensitivity",
        "factor_means",
        "analysis",
        "sweep_plots",
    ),
    "evaluation": ("compare", "explain", "validation"),
    "reports": ("report", "validation_report"),
}
"""Each layer package and the flat modules that moved into it."""

OLD_PATHS = {f"simulator.{name}": f"simulator.{layer}.{name}" for layer, names in LAYERS.items() for name in names}
"""Old module path -> new module path."""


class _AliasLoader(importlib.abc.Loader):
    """Loads an old path by importing the new one and handing back that same module."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.own: tuple[object, object] | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.own = (module.__spec__, module.__loader__)
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system has just given the module the alias's __spec__ and __loader__; give it
        # back its own, so that pickling, reloading and worker processes see the real path.
        if self.own is not None:
            module.__spec__, module.__loader__ = self.own  # type: ignore[assignment]


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds old paths (and only those) on the meta path."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith("simulator."):
            return None  # the finder comes first, so every import of the process passes here
        new = OLD_PATHS.get(fullname) or _nested(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(new))


def _nested(fullname: str) -> str | None:
    """New path of a module below a moved package (``simulator.mechanisms.threat``)."""
    package, dot, rest = fullname.partition(".")[2].partition(".")
    new = OLD_PATHS.get(f"simulator.{package}")
    return f"{new}.{rest}" if new and dot else None


def install_aliases() -> None:
    """Put the alias finder first on the import system's meta path (once per interpreter).

    First, because a module below a moved package (``simulator.mechanisms.threat``) would
    otherwise be found by the ordinary path finder in the package's folder and loaded a second
    time under the old name. The finder answers for old paths only, which no file has any more.
    """
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
