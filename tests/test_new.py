"""``eujsim new``: the commented scenario template validates, runs, covers the schema and is never written over."""

from __future__ import annotations

import re

import pytest
import yaml

from simulator import load_scenario
from simulator.inputs.scenario import EffectSpec, ScenarioSpec, ShockSpec
from simulator.inputs.scenario_template import INLINE_KIND, LIBRARY_KIND, scenario_template

from .conftest import cli_error, eujsim


def test_new_writes_a_template_that_validates_and_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = eujsim("new", "my_crisis")
    assert (status, err) == (0, ""), err
    file = tmp_path / "my_crisis.yaml"
    assert "my_crisis.yaml" in out and file.is_file()

    status, out, err = eujsim("validate", file)
    assert status == 0, err
    assert out.startswith("OK ") and "my_crisis" in out

    scenario = load_scenario(file)
    assert scenario.name == "my_crisis"
    assert [s.kind for s in scenario.shocks] == [LIBRARY_KIND, INLINE_KIND]
    assert scenario.parameters  # the example override is live, not commented out

    status, out, err = eujsim("run", file, "--replicates", 2, "--no-plots", "--out", tmp_path / "run")
    assert status == 0, err
    assert err == ""  # the example override lies inside its documented range: no warning
    assert (tmp_path / "run" / "timeseries.csv").is_file()


def test_new_refuses_to_overwrite_and_force_replaces(tmp_path):
    file = tmp_path / "scenario.yaml"
    file.write_text("my own work\n", encoding="utf-8")
    message = cli_error("new", "my_crisis", "--out", file)
    assert "already exists" in message and "--force" in message
    assert file.read_text(encoding="utf-8") == "my own work\n"

    status, _, err = eujsim("new", "my_crisis", "--out", file, "--force")
    assert status == 0, err
    assert load_scenario(file).name == "my_crisis"


def test_new_refuses_a_folder_and_a_bad_name(tmp_path):
    assert "is a folder" in cli_error("new", "x", "--out", tmp_path)
    assert "not a scenario name" in cli_error("new", "=sum", "--out", tmp_path / "x.yaml")
    assert not (tmp_path / "x.yaml").exists()


def test_template_mentions_every_schema_key_with_a_comment():
    text = scenario_template("demo")
    data = yaml.safe_load(text)
    assert set(data) == set(ScenarioSpec.model_fields)  # every top-level key is set, not only mentioned
    inline = next(shock for shock in data["shocks"] if shock["kind"] == INLINE_KIND)
    assert set(inline) == set(ShockSpec.model_fields)
    assert all(set(effect) == set(EffectSpec.model_fields) for effect in inline["effects"])
    for key in [*ScenarioSpec.model_fields, *ShockSpec.model_fields, *EffectSpec.model_fields]:
        assert re.search(rf"#.*\b{key}:", text), f"no comment explains {key}"
    assert "default" in text and "eujsim params" in text and "cite" in text.lower()


def test_template_names_the_schema_defaults():
    text = scenario_template("demo")
    for key in ("horizon", "seed", "replicates"):
        default = ScenarioSpec.model_fields[key].default
        assert re.search(rf"# {key}: .*\(default: {default}\)", text), key


@pytest.mark.parametrize("name", ["日本と欧州", "crisis: 2027 (worst case)"])
def test_template_keeps_any_good_name(name):
    assert yaml.safe_load(scenario_template(name))["name"] == name
