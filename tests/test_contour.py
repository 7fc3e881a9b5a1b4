"""Relic contour, regimes, epsilon_min and thermalization floor (seed 003 Sec. 2.3, Figs. 2-3).

The physics tests share ONE compiled two-temperature solve (``contour.contour_config()``,
``SecludedDirac`` at m_chi = 10 GeV, m_ZD = 1 GeV) on one coarse 6 x 6 (alpha_D, epsilon)
grid, ~40 s compile + ~10 s run on 2 CPU cores. The definitions (crossings, slopes, regimes,
floor) are also checked on analytic Omega grids, which need no solve.

Reference numbers from finer grids of the same solver (exploration, this commit's code):
epsilon_min ~ 3e-10 at alpha_D ~ 1-3e-5 with T_hs/T ~ 7.5e-3 at decoupling; alpha_D(epsilon)
on the freeze-out branch peaks at alpha_D ~ 3.98e-4 at epsilon ~ 2.7e-6 (stationary
floor: epsilon_TF = 1.66e-6 for a 1% band, T_hs/T ~ 0.71 at decoupling), then falls ~10% by
epsilon = 1e-4.
"""

from __future__ import annotations

import dataclasses
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import qedm_jax  # noqa: E402,F401
from qedm_jax import contour, plotting  # noqa: E402
from qedm_jax import solve as solve_mod  # noqa: E402
from qedm_jax.models.secluded import SecludedDirac  # noqa: E402

from .tolerances import VMAP_LOOP_RTOL  # noqa: E402

#: alpha_D eps^2 on the deep freeze-in branch of the coarse grid: exact eps^2 alpha_D scaling (1%,
#: tests/test_two_temperature.py) plus log-log interpolation across slightly depleted neighbours (~2%
#: at alpha_D ~ 1e-6); kept here because tests/tolerances.py belongs to another owner
CONTOUR_FREEZE_IN_RTOL = 0.05

M_CHI = 10.0  # GeV
M_ZD = 1.0  # GeV, m_chi = 10 m_ZD (seed 003 Fig. 2)
# freeze-in (small alpha_D) ... epsilon_min (~1e-5) ... leak-in ... plateau (alpha_D ~ 3.8e-4);
# alpha_D >= 1e-3 at epsilon >= 1e-6 is avoided: those thermalized points need > 8192 steps
ALPHA_D = np.array([1e-7, 1e-6, 1e-5, 1e-4, 3.2e-4, 4.2e-4])
EPSILON = np.geomspace(1e-10, 1e-5, 6)


def make_model(alpha_d, epsilon):
    """Module-level builder: the same object for every call reuses one compilation."""
    return SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=alpha_d, epsilon=epsilon)


@pytest.fixture(scope="module")
def grid():
    return contour.omega_grid(make_model, ALPHA_D, EPSILON)


@pytest.fixture(scope="module")
def relic(grid):
    return contour.relic_contour(grid)


# --- physics on the coarse grid --------------------------------------------------------------------


def test_grid_converges_and_saves_decoupling(grid):
    assert grid.shape == (6, 6) and np.all(grid.ok)
    assert np.all(np.isfinite(grid.omega_h2)) and np.all(grid.omega_h2 > 0.0)
    assert grid.y.shape == (6, 6, contour.CONTOUR_N_SAVE) and grid.x.shape == (contour.CONTOUR_N_SAVE,)
    # the yield is frozen at x_end: decoupling well before it, T_hs colder than or close to T
    assert np.all(grid.x_dec < 0.1 * grid.config.x_end)
    assert np.all((grid.t_hs_over_t_dec > 0.0) & (grid.t_hs_over_t_dec < 1.2))


def test_subgrid_with_the_same_chunk_reuses_the_compilation(grid):
    """A padded 3 x 2 sub-grid with chunk = 36 runs through the same compiled solve and gives the
    same Omega h^2 as the full grid (vmap batch composition only changes rounding)."""
    sub = contour.omega_grid(make_model, ALPHA_D[2:5], EPSILON[3:5], chunk=ALPHA_D.size * EPSILON.size)
    # A vmapped Newton iteration runs until every point of the batch has converged, so the
    # batch composition changes the stage values within the Cauchy tolerance (newton_atol =
    # 1e-2): Omega h^2 moves by up to ~3.4e-4 (measured), inside the ~1e-3 accuracy of a
    # two-temperature solve at rtol 1e-5; T_hs/T at decoupling, read off a threshold crossing of
    # the 48-point saved trajectory, by up to ~2e-3
    np.testing.assert_allclose(sub.omega_h2, grid.omega_h2[2:5, 3:5], rtol=3 * VMAP_LOOP_RTOL)
    np.testing.assert_allclose(sub.t_hs_over_t_dec, grid.t_hs_over_t_dec[2:5, 3:5], rtol=10 * VMAP_LOOP_RTOL)
    assert contour._batched_solver(make_model, grid.config)._cache_size() == 1


def test_contour_has_freeze_in_and_freeze_out_parts(relic):
    regimes = set(relic.regime.tolist())
    assert {"freeze-in", "leak-in", "secluded freeze-out"} <= regimes
    assert np.any(relic.freeze_out) and np.any(~relic.freeze_out)
    # ordered from the freeze-in end: the first point has the smallest alpha_D and is freeze-in
    assert relic.regime[0] == "freeze-in" and relic.alpha_D[0] == relic.alpha_D.min()
    # along the ordered contour the freeze-in points come first, then only freeze-out ones
    first_out = int(np.argmax(relic.freeze_out))
    assert not np.any(relic.regime[first_out:] == "freeze-in")


def test_freeze_in_branch_scales_as_alpha_d_epsilon_squared(relic):
    """Deep on the freeze-in branch (local slopes ~ (2, 1)) alpha_D epsilon^2 is constant: the
    contour of Omega ~ epsilon^2 alpha_D (seed 003 Sec. 2.3). Near epsilon_min depletion by
    chi chibar -> Z_D Z_D breaks it (the alpha_D = 1e-5 row crossing is ~19% off)."""
    pure = ((relic.regime == "freeze-in") & (np.abs(relic.dln_omega_dln_eps - 2.0) < 0.15)
            & (np.abs(relic.dln_omega_dln_alpha - 1.0) < 0.15))
    assert np.sum(pure) >= 3
    product = relic.alpha_D[pure] * relic.epsilon[pure] ** 2
    np.testing.assert_allclose(product, np.median(product), rtol=CONTOUR_FREEZE_IN_RTOL)
    # and the freeze-in slope of the contour is d ln alpha_D / d ln epsilon = -2
    np.testing.assert_allclose(relic.slope[pure], -2.0, atol=0.3)


def test_epsilon_min_floor_and_temperatures(relic):
    eps_min, alpha_at_min = contour.epsilon_min(relic)
    floor = contour.thermalization_floor(relic)
    # epsilon_min: fine grids give ~3e-10 at alpha_D ~ 1-3e-5 (module docstring)
    assert 2e-10 < eps_min < 5e-10 and 3e-6 < alpha_at_min < 5e-5
    # alpha_D^TF: 3.6-4.0e-4 on fine grids (maximum 3.98e-4, 3.57e-4 at epsilon = 1e-4)
    assert 3.4e-4 < floor.alpha_D_TF < 4.2e-4
    # epsilon_TF: 1.66e-6 on a fine grid; the coarse epsilon steps (one decade) bias it upwards
    assert eps_min < floor.epsilon_TF and 1e-6 < floor.epsilon_TF <= 1e-5
    # T_hs/T at decoupling: ~1e-2 at epsilon_min (seed 003 Sec. 3.1: "about 100 times colder"),
    # order one at the floor. Below 1 there because the hidden sector, coupled to the SM only
    # through chi chibar <-> f fbar (seed 003 Eq. 2.14), decouples before the QCD crossover
    # reheats the SM (x_dec ~ 100, T ~ 0.1 GeV): ~0.65-0.7, not 1.
    i_min = int(np.argmin(relic.epsilon))
    r_min = relic.t_hs_over_t_dec[i_min]
    assert 3e-3 < r_min < 3e-2
    assert 0.3 < floor.t_hs_over_t_dec < 1.0
    assert floor.t_hs_over_t_dec / r_min > 20.0
    # the hidden sector gets hotter monotonically along the freeze-out branch
    out = relic.select(relic.freeze_out)
    r_sorted = out.t_hs_over_t_dec[np.argsort(out.epsilon)]
    assert np.all(np.diff(r_sorted) > 0.0)


def test_mzd_plane_and_plots(tmp_path, grid, relic):
    eps_min, alpha_at_min = contour.epsilon_min(relic)
    floor = contour.thermalization_floor(relic)
    plane = contour.floor_in_mzd_plane([M_CHI], [eps_min], [floor.epsilon_TF], ratio=M_CHI / M_ZD)
    np.testing.assert_allclose(plane.m_ZD, [M_ZD])
    np.testing.assert_allclose(plane.epsilon_TF, [floor.epsilon_TF])
    figures = {
        "contour.png": lambda out: plotting.plot_contour(relic, grid, out=out, eps_min=(eps_min, alpha_at_min),
                                                         floor=floor),
        "alpha_vs_eps.png": lambda out: plotting.plot_alpha_d_vs_epsilon(relic, floor, out=out),
        "floor.png": lambda out: plotting.plot_floor(plane.m_ZD * plane.ratio, plane.epsilon_min,
                                                     plane.epsilon_TF, plane.ratio, out=out),
    }
    for name, draw in figures.items():
        out = tmp_path / name
        fig = draw(out)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5_000
        assert fig.axes[0].get_xscale() == "log"


# --- input checks (before anything is traced) ---------------------------------------------------------


@pytest.mark.parametrize(
    "alpha_d, epsilon, match",
    [
        ([1e-6, 1e-5], [1e-9, 1.5], "epsilon values"),
        ([1e-6, 1e-5], [1e-9, 0.0], "epsilon values"),
        ([1e-6, -1e-5], [1e-9, 1e-8], "alpha_D values"),
        ([1e-6, np.nan], [1e-9, 1e-8], "alpha_D values"),
        ([1e-5, 1e-6], [1e-9, 1e-8], "strictly increasing"),
        ([1e-6], [1e-9, 1e-8], "at least 2"),
        ([[1e-6, 1e-5]], [1e-9, 1e-8], "at least 2"),
    ],
)
def test_omega_grid_rejects_bad_axes(alpha_d, epsilon, match):
    with pytest.raises(ValueError, match=match):
        contour.omega_grid(make_model, alpha_d, epsilon)


def test_omega_grid_rejects_bad_model_and_config():
    def heavy_dark_photon(alpha_d, epsilon):
        return SecludedDirac(m_chi=M_CHI, m_ZD=2.0 * M_CHI, alpha_D=alpha_d, epsilon=epsilon)

    with pytest.raises(ValueError, match="m_ZD"):
        contour.omega_grid(heavy_dark_photon, [1e-6, 1e-5], [1e-9, 1e-8])
    with pytest.raises(ValueError, match="n_save"):
        contour.omega_grid(make_model, [1e-6, 1e-5], [1e-9, 1e-8], config=contour.contour_config(n_save=0))
    with pytest.raises(ValueError, match="chunk"):
        contour.omega_grid(make_model, [1e-6, 1e-5], [1e-9, 1e-8], chunk=0)


# --- definitions on analytic grids (no solves) -------------------------------------------------------


def _synthetic_grid(alpha_d, epsilon, omega, status=None):
    shape = (alpha_d.size, epsilon.size)
    status = np.zeros(shape, dtype=np.int32) if status is None else status
    omega = np.where(status == 0, omega, np.nan)
    ratio = np.full(shape, 0.5)
    return contour.OmegaGrid(
        alpha_D=alpha_d, epsilon=epsilon, omega_h2=omega, status=status, num_steps=np.zeros(shape, dtype=np.int64),
        x_dec=np.full(shape, 20.0), t_hs_over_t_dec=np.where(status == 0, ratio, np.nan), t_hs_over_t_end=ratio,
        x=np.geomspace(1e-3, 1e4, 4), y=np.ones(shape + (4,)), t_hs_over_t=np.ones(shape + (4,)),
        m_chi=M_CHI, model_name="synthetic", config=contour.contour_config(),
    )


def test_crossings_exact_for_a_power_law_and_holes_for_failed_points():
    """Omega = 0.12 (eps / 1e-9)^2 (alpha_D / 1e-6): every crossing lies on alpha eps^2 = 1e-24
    (log-log interpolation is exact), with slopes (2, 1) and regime freeze-in. A failed point
    (status != 0) removes only the crossings on its edges."""
    alpha_d, epsilon = np.geomspace(1e-8, 1e-4, 9), np.geomspace(1e-11, 1e-7, 7)
    omega = 0.12 * (epsilon[None, :] / 1e-9) ** 2 * (alpha_d[:, None] / 1e-6)
    relic = contour.relic_contour(_synthetic_grid(alpha_d, epsilon, omega))
    assert len(relic) > 8
    np.testing.assert_allclose(relic.alpha_D * relic.epsilon**2, 1e-24, rtol=1e-10)
    np.testing.assert_allclose(relic.dln_omega_dln_eps, 2.0, rtol=1e-10)
    np.testing.assert_allclose(relic.dln_omega_dln_alpha, 1.0, rtol=1e-10)
    assert set(relic.regime.tolist()) == {"freeze-in"}
    assert np.all(np.diff(relic.alpha_D) > 0.0)  # ordered along the line
    # a failed point next to the line: no exception, fewer points, the rest unchanged
    status = np.zeros(omega.shape, dtype=np.int32)
    status[4, 3] = solve_mod.STATUS_MAX_STEPS
    holed = contour.relic_contour(_synthetic_grid(alpha_d, epsilon, omega, status))
    assert 0 < len(holed) < len(relic)
    np.testing.assert_allclose(holed.alpha_D * holed.epsilon**2, 1e-24, rtol=1e-10)


def _peaked_grid(a_tf=4e-4, eps0=3e-6, curvature=0.02, n_eps=61):
    """Omega = 0.12 (alpha_D / a(eps))^-2 with ln a(eps) = ln a_tf - curvature (ln eps/eps0)^2 for
    eps < eps0 and a softer fall beyond: a maximum of alpha_D(eps) at eps0, as in the solver."""
    alpha_d = np.geomspace(1e-4, 1e-3, 25)
    epsilon = np.geomspace(1e-8, 1e-4, n_eps)
    u = np.log(epsilon / eps0)
    ln_a = math.log(a_tf) - curvature * u**2 * np.where(u < 0.0, 1.0, 0.3)
    omega = 0.12 * (alpha_d[:, None] / np.exp(ln_a)[None, :]) ** -2
    return _synthetic_grid(alpha_d, epsilon, omega), ln_a, epsilon


def test_floor_on_an_analytic_maximum():
    grid, ln_a, epsilon = _peaked_grid()
    floor = contour.thermalization_floor(grid, tolerance=0.01)
    assert floor.method == "stationary"
    np.testing.assert_allclose(floor.alpha_D_TF, 4e-4, rtol=1e-4)
    # the curvature jumps at the maximum, so the 3-point parabola puts it a fraction of a column off
    np.testing.assert_allclose(floor.epsilon_plateau, 3e-6, rtol=0.1)
    # exact: curvature u^2 = -ln(0.99) below eps0; linear interpolation of |alpha/a_tf - 1|
    # between columns 0.15 apart in ln eps is good to ~1% in epsilon
    eps_tf_exact = 3e-6 * math.exp(-math.sqrt(-math.log(0.99) / 0.02))
    np.testing.assert_allclose(floor.epsilon_TF, eps_tf_exact, rtol=0.02)
    # beyond the maximum alpha_D falls: the drift is reported
    expected_drift = 1.0 - math.exp(-0.02 * 0.3 * math.log(1e-4 / 3e-6) ** 2)
    np.testing.assert_allclose(floor.drift, expected_drift, rtol=0.02)
    # an external reference value (e.g. the thermalized alpha_D) moves epsilon_TF down
    lower = contour.thermalization_floor(grid, tolerance=0.01, alpha_reference=3.6e-4)
    assert lower.method == "reference" and lower.epsilon_TF < floor.epsilon_TF
    with pytest.raises(ValueError, match="tolerance"):
        contour.thermalization_floor(grid, tolerance=1.5)


def test_floor_median_for_a_monotone_plateau_and_epsilon_min_refinement():
    """A monotone approach to a plateau (no maximum): alpha_D^TF is the median of the flat points."""
    alpha_d = np.geomspace(1e-4, 1e-3, 25)
    epsilon = np.geomspace(1e-8, 1e-4, 41)
    ln_a = math.log(4e-4) - 0.5 * np.exp(-np.log(epsilon / 1e-8))  # rises to 4e-4
    omega = 0.12 * (alpha_d[:, None] / np.exp(ln_a)[None, :]) ** -2
    floor = contour.thermalization_floor(_synthetic_grid(alpha_d, epsilon, omega))
    assert floor.method == "median"
    # the median flat point (k < 0.05 from eps = 1e-7 on) sits at eps ~ 3e-6, still 0.15% below
    np.testing.assert_allclose(floor.alpha_D_TF, 4e-4 * math.exp(-0.5 / 316.0), rtol=1e-3)
    assert 1e-7 < floor.epsilon_TF < 1e-6  # 0.5 exp(-u) = 0.01 at eps = 5e-7
    # epsilon_min of a V-shaped contour: eps = 1e-9 (alpha/1e-5)^-0.5 left, ^+0.5 right
    alpha_d = np.geomspace(1e-7, 1e-3, 13)
    epsilon = np.geomspace(1e-11, 1e-7, 9)
    a, e = alpha_d[:, None], epsilon[None, :]
    omega = 0.12 * np.where(a < 1e-5, (e / 1e-9) ** 2 * (a / 1e-5), (e / 1e-9) ** 2 / (a / 1e-5))
    relic = contour.relic_contour(_synthetic_grid(alpha_d, epsilon, omega))
    eps_min, alpha_at_min = contour.epsilon_min(relic, refine=False)
    assert eps_min >= 1e-9 and math.isclose(eps_min, 1e-9, rel_tol=1e-10)
    refined = contour.epsilon_min(relic)
    assert refined[0] <= eps_min
    with pytest.raises(ValueError, match="no points"):
        contour.epsilon_min(relic.select(np.zeros(len(relic), dtype=bool)))


def test_decoupling_point_definition():
    x = np.geomspace(1e-3, 1e4, 48)
    # freeze-out-like: Y = Y_inf (1 + 20 / x); within 10% of Y(x_end) from x ~ 200 on
    y_fo = 1e-10 * (1.0 + 20.0 / x)
    # reannihilation-like: overshoot then depletion to the final value
    y_re = 1e-11 * (1.0 + 5.0 * np.exp(-((np.log(x) - np.log(3.0)) ** 2)))
    ratio = np.linspace(0.01, 1.0, 48)
    ys = np.stack([y_fo, y_re, np.full(48, np.nan)])
    x_dec, r_dec = contour.decoupling_point(np.broadcast_to(x, ys.shape), ys, np.broadcast_to(ratio, ys.shape))
    for row, (xd, rd) in enumerate(zip(x_dec[:2], r_dec[:2])):
        within = np.abs(ys[row] / ys[row, -1] - 1.0) <= contour.DECOUPLING_RTOL
        k = int(np.flatnonzero(~within)[-1]) + 1
        assert xd == x[k] and rd == ratio[k]
        assert np.all(within[k:]) and not within[k - 1]
    assert 150.0 < x_dec[0] < 300.0
    assert np.isnan(x_dec[2]) and np.isnan(r_dec[2])
    with pytest.raises(ValueError, match="equal shapes"):
        contour.decoupling_point(x, y_fo[:-1], ratio)


def test_floor_in_mzd_plane_mapping():
    plane = contour.floor_in_mzd_plane([10.0, 1.0], [3e-10, 1e-9], [1.7e-6, 4e-6], ratio=10.0)
    np.testing.assert_allclose(plane.m_ZD, [0.1, 1.0])  # sorted by mass
    np.testing.assert_allclose(plane.epsilon_min, [1e-9, 3e-10])
    hyper = contour.floor_in_mzd_plane([10.0], [3e-10], [1.7e-6], ratio=100.0, hypercharge=True)
    assert hyper.epsilon_TF[0] > 1.7e-6  # eps_Y = eps / cos(theta_W)
    with pytest.raises(ValueError, match="ratio"):
        contour.floor_in_mzd_plane([10.0], [3e-10], [1.7e-6], ratio=0.5)
    with pytest.raises(ValueError, match="equal length"):
        contour.floor_in_mzd_plane([10.0, 1.0], [3e-10], [1.7e-6], ratio=10.0)
    assert dataclasses.is_dataclass(plane)
