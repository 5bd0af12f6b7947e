"""The package's layout: public names, old module paths, and commands that start without heavy imports.

The layer contract itself (no module imports a layer above its own, no import cycles) is
checked by ``lint-imports`` in ``make test`` (see ``.importlinter``).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import simulator
from simulator.moved import OLD_PATHS

from .conftest import ROOT

HEAVY = ("mesa", "pandas", "scipy", "SALib", "matplotlib", "pyarrow", "dask", "networkx", "numba")
"""Libraries a quick command must not import: each costs a tenth of a second or more."""


@pytest.mark.parametrize("name", simulator.__all__)
def test_every_public_name_resolves_to_its_definition(name):
    value = getattr(simulator, name)
    assert value is getattr(importlib.import_module(simulator.PUBLIC[name]), name)


@pytest.mark.parametrize(("old", "new"), sorted(OLD_PATHS.items()))
def test_an_old_module_path_is_the_new_module_itself(old, new):
    module = importlib.import_module(old)
    assert module is importlib.import_module(new), "one module under two names, so a monkeypatch reaches both"
    assert module.__name__ == new and module.__spec__.name == new, "pickles and worker processes see the real path"


def test_documented_old_imports_still_work():
    from simulator.analysis import analyze
    from simulator.mechanisms.threat import direct_threat
    from simulator.sweep import open_sweep, run_sweep

    assert analyze.__module__ == "simulator.sweeps.analysis"
    assert open_sweep.__module__ == run_sweep.__module__ == "simulator.sweeps.sweep"
    assert direct_threat.__module__ == "simulator.core.mechanisms.threat"
    assert importlib.import_module("simulator.mechanisms.threat") is importlib.import_module(
        "simulator.core.mechanisms.threat"
    ), "a module below a moved package is not loaded a second time"


def test_an_unknown_module_path_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("simulator.no_such_module")


def heavy_imports(code: str) -> list[str]:
    """Heavy libraries in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    return [m for m in json.loads(out.stdout.strip().splitlines()[-1]) if m in HEAVY]


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["run", "--help"], ["validate", "scenarios/baseline.yaml"], ["params"], ["shocks"], ["validate"]],
    ids=["help", "run-help", "validate", "params", "shocks", "usage-error"],
)
def test_quick_commands_import_no_heavy_library(argv):
    """`eujsim --help` took 3.5 s when importing the package loaded Mesa, pandas, SciPy and matplotlib."""
    code = f"import sys\nfrom simulator.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    assert heavy_imports(code) == []


def test_importing_the_package_loads_nothing_heavy():
    assert heavy_imports("import simulator") == []
