"""``benchmarks/gpu_suite.py --small``: the device suite's code paths at toy sizes on the CPU, so
that the script a device session runs cannot rot (issue 12).

* Every section runs without error and writes its record to the JSON.
* Physics of the toy results: the thermalized scan and the target line converge at every point;
  on the freeze-out branch d ln Omega / d ln epsilon ~ -2 (Omega ~ 1 / <sigma v> ~ epsilon^-2, up
  to the slow ln epsilon dependence of x_f), and along the thermal target sigma v ~ epsilon^2
  alpha_D is fixed, so d ln epsilon / d ln alpha_D = -1/2 (up to the same x_f dependence).
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"
#: d ln Omega / d ln epsilon = -2 + 2 / x_f (x_f ~ 15-20) and d ln eps / d ln alpha_D = -1/2 (1 - 1/x_f)
FREEZE_OUT_SLOPE_ATOL = 0.25


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    sys.path.insert(0, str(BENCHMARKS))  # gpu_suite imports benchmarks/_common by name
    try:
        spec = importlib.util.spec_from_file_location("gpu_suite", BENCHMARKS / "gpu_suite.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        folder = tmp_path_factory.mktemp("gpu_suite")
        code = module.main(["--small", "--out", str(folder)])
    finally:
        sys.path.remove(str(BENCHMARKS))
    (path,) = folder.glob("gpu_suite_small_*.json")
    return code, json.loads(path.read_text()), module


def test_every_section_runs_and_is_recorded(suite):
    code, record, module = suite
    assert code == 0, {name: s.get("error") for name, s in record["sections"].items()}
    assert set(record["sections"]) == set(module.SECTIONS)
    assert record["size"] == "small" and record["versions"]["jax"]
    for name, section in record["sections"].items():
        assert "error" not in section, (name, section.get("traceback"))
        assert section["run_s"] > 0 and section["wall_s"] >= section["run_s"]


def test_toy_results_have_the_physics(suite):
    _, record, _ = suite
    sections = record["sections"]
    grid = sections["two_temperature_grid"]
    assert grid["n_points"] == grid["shape"][0] * grid["shape"][1]
    assert grid["status_counts"].get("0", 0) >= 0.9 * grid["n_points"]
    assert sections["thermalized_scan"]["status_counts"] == {"0": sections["thermalized_scan"]["n_points"]}
    line = sections["target_line"]
    assert line["status_counts"] == {"0": line["n_masses"]} and line["gradient"]["finite"]
    assert line["gradient"]["dln_eps_dln_alpha_median"] == pytest.approx(-0.5, abs=FREEZE_OUT_SLOPE_ATOL)
    gradients = sections["omega_gradients"]
    assert gradients["finite"]
    assert gradients["dln_omega_dln_epsilon_median"] == pytest.approx(-2.0, abs=FREEZE_OUT_SLOPE_ATOL)
