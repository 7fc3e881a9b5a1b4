"""grids.scan: failures as data, chunking, sharding, resume, one compilation, file format."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import qedm_jax  # noqa: F401
from qedm_jax import grids
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2

from .tolerances import VMAP_LOOP_RTOL

EPSILON = np.geomspace(1e-6, 1e-4, 4)
M_CHI = np.array([0.01, 0.1, 1.0])  # GeV
REPO = pathlib.Path(__file__).resolve().parents[1]


def make_dirac(epsilon, m_chi):
    """Thermalized BC2 Dirac point, m_A = 3 m_chi, alpha_D = 0.1 (module level: one compile)."""
    return BC2(m_chi=m_chi, m_A=3.0 * m_chi, alpha_D=0.1, epsilon=epsilon, species="dirac")


def run(**kwargs):
    return grids.scan(make_dirac, **{"progress": False, "epsilon": EPSILON, "m_chi": M_CHI, **kwargs})


def assert_same_values(result, reference):
    np.testing.assert_array_equal(result.status, reference.status)
    np.testing.assert_allclose(result.omega_h2, reference.omega_h2, rtol=VMAP_LOOP_RTOL)
    np.testing.assert_array_equal(result.t_hs_over_t_end, reference.t_hs_over_t_end)


@pytest.fixture(scope="module")
def reference():
    """The 12-point grid in one chunk."""
    return run(chunk=12)


def test_grid_shape_values_and_metadata(reference):
    assert reference.shape == (4, 3)
    assert reference.mode == "grid" and reference.model_name == "bc2-dirac"
    assert np.all(reference.ok)
    np.testing.assert_array_equal(reference.t_hs_over_t_end, 1.0)  # thermalized
    assert np.all(np.diff(reference.omega_h2, axis=0) < 0)  # Omega ~ 1/epsilon^2
    one = solve_mod.solve(make_dirac(EPSILON[2], M_CHI[1]))
    np.testing.assert_allclose(reference.omega_h2[2, 1], float(one.omega_h2), rtol=VMAP_LOOP_RTOL)


def test_chunked_equals_unchunked_with_one_compilation(reference):
    """chunk=5: three chunks (the last padded), one compilation, also for new values."""
    devices = tuple(jax.devices())
    runner, _ = grids._chunk_runner(make_dirac, solve_mod.SolverConfig(), ("epsilon", "m_chi"), devices, 1)
    chunked = run(chunk=5)
    assert_same_values(chunked, reference)
    compiled = runner._cache_size()
    other = run(chunk=5, epsilon=EPSILON * 1.5)  # other parameter values, same shapes
    assert np.all(other.ok) and np.all(other.omega_h2 < chunked.omega_h2)
    assert runner._cache_size() == compiled


def test_points_mode_equals_grid(reference):
    e, m = np.meshgrid(EPSILON, M_CHI, indexing="ij")
    listed = grids.scan(make_dirac, chunk=12, progress=False, points={"epsilon": e.ravel(), "m_chi": m.ravel()})
    assert listed.mode == "points" and listed.shape == (12,)
    np.testing.assert_array_equal(listed.omega_h2, reference.omega_h2.ravel())  # same compiled chunk


def test_failed_points_keep_status_and_others_are_unaffected(reference):
    """A max_steps between the step counts of the points makes some fail (STATUS_MAX_STEPS,
    NaN); the others must equal the full-budget grid."""
    steps = np.unique(reference.num_steps)
    gaps = np.diff(steps)
    i = int(np.argmax(gaps))
    max_steps = int(steps[i] + gaps[i] // 2)
    assert gaps[i] >= 2, "need a gap in the step counts to place max_steps"
    limited = run(chunk=12, config=solve_mod.SolverConfig(max_steps=max_steps))
    should_fail = reference.num_steps > max_steps
    assert should_fail.any() and (~should_fail).any()
    np.testing.assert_array_equal(limited.status[should_fail], solve_mod.STATUS_MAX_STEPS)
    assert np.all(np.isnan(limited.omega_h2[should_fail]))
    np.testing.assert_array_equal(limited.status[~should_fail], solve_mod.STATUS_OK)
    np.testing.assert_allclose(limited.omega_h2[~should_fail], reference.omega_h2[~should_fail], rtol=VMAP_LOOP_RTOL)


def test_resume_after_interruption_equals_uninterrupted(tmp_path, capsys):
    out = tmp_path / "grid.npz"
    first = run(chunk=5, out=out)
    chunk_dir = tmp_path / "grid.npz.chunks"
    assert sorted(p.name for p in chunk_dir.iterdir()) == ["chunk_0.npz", "chunk_1.npz", "chunk_2.npz"]
    (chunk_dir / "chunk_1.npz").unlink()  # the run was "interrupted" before chunk 1 was saved
    out.unlink()
    resumed = run(chunk=5, out=out, resume=True, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert sum("loaded" in line for line in lines) == 2 and len(lines) == 3
    for name in ("omega_h2", "status", "num_steps", "t_hs_over_t_end"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(first, name))
    # chunk files of another grid are not reused
    run(chunk=5, out=out, resume=True, progress=True, epsilon=EPSILON * 1.5)
    assert not any("loaded" in line for line in capsys.readouterr().err.splitlines())


def test_save_load_round_trip(reference, tmp_path):
    path = tmp_path / "scan.npz"
    grids.save_scan(reference, path)
    loaded = grids.load_scan(path)
    for name in ("omega_h2", "t_hs_over_t_end", "status", "num_steps"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(reference, name))
    assert list(loaded.axes) == ["epsilon", "m_chi"]
    np.testing.assert_array_equal(loaded.axes["epsilon"], EPSILON)
    assert loaded.config == reference.config and loaded.model_name == "bc2-dirac" and loaded.mode == "grid"
    with np.load(path, allow_pickle=False) as raw:  # plain numpy can read it, no pickles
        meta = json.loads(str(raw["meta"]))
    assert meta["versions"]["jax"] == jax.__version__ and "0" in meta["status_messages"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epsilon": np.array([1e-5, np.nan]), "m_chi": M_CHI}, "axis 'epsilon'"),
        ({"epsilon": np.ones((2, 2)) * 1e-5, "m_chi": M_CHI}, "axis 'epsilon'"),
        ({"epsilon": np.array([]), "m_chi": M_CHI}, "axis 'epsilon'"),
        ({"epsilon": np.array([1e-5, 2.0]), "m_chi": M_CHI}, "epsilon=2"),
        ({"epsilon": EPSILON, "m_chi": np.array([-1.0])}, "m_chi=-1"),
        ({"points": {"epsilon": EPSILON, "m_chi": M_CHI}}, "same length"),
        ({"points": {"epsilon": EPSILON}, "m_chi": M_CHI}, "not both"),
        ({"epsilon": EPSILON, "m_chi": M_CHI, "chunk": 0}, "chunk"),
        ({"epsilon": EPSILON, "m_chi": M_CHI, "resume": True}, "resume"),
        ({}, "at least one axis"),
    ],
)
def test_bad_input_raises_before_tracing(kwargs, match):
    with pytest.raises(ValueError, match=match):
        grids.scan(make_dirac, progress=False, **kwargs)


def test_unphysical_point_names_its_axes():
    def make(epsilon, ratio):
        return BC2(m_chi=0.1, m_A=ratio * 0.1, alpha_D=0.1, epsilon=epsilon, species="dirac")

    with pytest.raises(ValueError, match=r"ratio=1\.5.*m_A must be"):
        grids.scan(make, progress=False, epsilon=EPSILON, ratio=np.array([3.0, 1.5]))


_SHARDED_SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import jax
    jax.config.update("jax_platforms", "cpu")
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import qedm_jax
    from qedm_jax import grids
    from tests.test_grids import make_dirac, EPSILON, M_CHI
    assert jax.device_count() == 2, jax.devices()
    result = grids.scan(make_dirac, chunk=5, progress=False, epsilon=EPSILON, m_chi=M_CHI)
    _, sharding = grids._chunk_runner(make_dirac, qedm_jax.SolverConfig(), ("epsilon", "m_chi"),
                                      tuple(jax.devices()), 1)
    assert len(sharding.device_set) == 2
    grids.save_scan(result, sys.argv[2])
    """
)


def test_sharded_over_two_host_devices_equals_one_device(reference, tmp_path):
    """Two forced host devices (XLA_FLAGS set before jax is imported, in a subprocess):
    chunk 5 -> 6 (a multiple of 2), each chunk split over the two devices."""
    path = tmp_path / "sharded.npz"
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    completed = subprocess.run([sys.executable, "-c", _SHARDED_SCRIPT, str(REPO), str(path)], env=env,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert_same_values(grids.load_scan(path), reference)


def test_points_over_max_steps_get_status_1_and_the_others_their_values(reference):
    """With config.max_steps below some points' step counts, exactly those points end with
    STATUS_MAX_STEPS (one pass, no retry), and the others keep their converged values."""
    limit = int(np.median(reference.num_steps))
    stopped = run(chunk=12, config=solve_mod.SolverConfig(max_steps=limit))
    # a point's step count moves with its batch (by <= 2 steps between chunks of 1, 5 and 12
    # here, 2026-12-08; the 59-70 steps of these points are too alike for a relative band), so
    # points within 3 steps of the limit may go either way
    clear = np.abs(reference.num_steps - limit) > 3
    assert clear.sum() >= 4
    np.testing.assert_array_equal((stopped.status == solve_mod.STATUS_MAX_STEPS)[clear], (reference.num_steps > limit)[clear])
    under = clear & (reference.num_steps < limit)
    assert np.any(under) and np.all(stopped.ok[under])
    np.testing.assert_allclose(stopped.omega_h2[under], reference.omega_h2[under], rtol=VMAP_LOOP_RTOL)
