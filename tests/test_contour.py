"""Relic contour, regimes, epsilon_min and thermalization floor (seed 003 Sec. 2.3, Figs. 2-3).

The physics tests share ONE compiled two-temperature solve (``relic.contour.contour_config()``,
``SecludedDirac`` at m_chi = 10 GeV, m_ZD = 1 GeV) on one coarse 6 x 11 (alpha_D, epsilon)
grid, ~40 s compile + ~15 s run on 2 CPU cores. The definitions (crossings, slopes, regimes,
floor) are also checked on analytic Omega grids, which need no solve.

Reference numbers from finer grids and root finds of the same solver (exploration):
epsilon_min ~ 3e-10 at alpha_D ~ 1-3e-5 with T_hs/T ~ 7.5e-3 at decoupling; alpha_D(epsilon)
on the freeze-out branch overshoots to ~3.98e-4 at epsilon ~ 3e-6 (leak-in), then settles on a
plateau of 3.57-3.59e-4 for epsilon = 1e-4 .. 1e-2 (3.3% below the one-temperature value,
tests/test_two_temperature.py); chi chibar -> f fbar lowers it above epsilon ~ 1e-2.
"""

from __future__ import annotations

import dataclasses
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import qedm_jax  # noqa: E402,F401
from qedm_jax import plotting  # noqa: E402
from qedm_jax.relic import contour as contour_mod  # noqa: E402
from qedm_jax.relic import floor as floor_mod  # noqa: E402
from qedm_jax import solve as solve_mod  # noqa: E402
from qedm_jax.models.secluded import SecludedDirac  # noqa: E402


#: alpha_D eps^2 on the deep freeze-in branch of the coarse grid: exact eps^2 alpha_D scaling (1%,
#: tests/test_two_temperature.py) plus log-log interpolation across slightly depleted neighbours (~2%
#: at alpha_D ~ 1e-6); kept here because tests/tolerances.py belongs to another owner
CONTOUR_FREEZE_IN_RTOL = 0.05

M_CHI = 10.0  # GeV
M_ZD = 1.0  # GeV, m_chi = 10 m_ZD (seed 003 Fig. 2)
# freeze-in (small alpha_D) ... epsilon_min (~1e-5) ... leak-in ... plateau (alpha_D ~ 3.58e-4);
# alpha_D >= 1e-3 at epsilon >= 1e-6 is avoided: those thermalized points need > 8192 steps.
# epsilon: one column per decade up to 1e-5, then two per decade so that the plateau (1e-4 .. 1e-2)
# holds three contour points per decade window
ALPHA_D = np.array([1e-7, 1e-6, 1e-5, 1e-4, 3.2e-4, 4.2e-4])
EPSILON = np.concatenate([np.geomspace(1e-10, 1e-6, 5), np.geomspace(1e-5, 10**-2.5, 6)])


def make_model(alpha_d, epsilon):
    """Module-level builder: the same object for every call reuses one compilation."""
    return SecludedDirac(m_chi=M_CHI, m_ZD=M_ZD, alpha_D=alpha_d, epsilon=epsilon)


@pytest.fixture(scope="module")
def grid():
    return contour_mod.omega_grid(make_model, ALPHA_D, EPSILON, chunk=ALPHA_D.size * EPSILON.size)  # one chunk


@pytest.fixture(scope="module")
def relic(grid):
    return contour_mod.relic_contour(grid)


# --- physics on the coarse grid --------------------------------------------------------------------


def test_grid_converges_and_saves_decoupling(grid):
    assert grid.shape == (6, 11) and np.all(grid.ok)
    assert np.all(np.isfinite(grid.omega_h2)) and np.all(grid.omega_h2 > 0.0)
    assert grid.y.shape == (6, 11, contour_mod.CONTOUR_N_SAVE) and grid.x.shape == (contour_mod.CONTOUR_N_SAVE,)
    # the yield is frozen at x_end: decoupling well before it, T_hs colder than or close to T
    assert np.all(grid.x_dec < 0.1 * grid.config.x_end)
    assert np.all((grid.t_hs_over_t_dec > 0.0) & (grid.t_hs_over_t_dec < 1.2))


def test_subgrid_with_the_same_chunk_reuses_the_compilation(grid):
    """A padded 3 x 2 sub-grid with chunk = 66 runs through the same compiled solve and gives the
    same Omega h^2 as the full grid to the solver accuracy (the batch changes the step sequence)."""
    sub = contour_mod.omega_grid(make_model, ALPHA_D[2:5], EPSILON[3:5], chunk=ALPHA_D.size * EPSILON.size)
    # The solver lanes of lanes.solve_queue advance different points side by side, and the stiff
    # Newton stages depend on the batch at rounding level (compiled batch shapes round differently),
    # which the adaptive controller turns into different step sequences: Omega h^2 moves by up to
    # ~1.4e-3 (measured), the accuracy of a two-temperature solve at rtol 1e-5 (against rtol 1e-7
    # on a 16 x 16 grid at 10 GeV: up to 1.4e-3 with a plain vmap, 2.1e-3 with lanes); T_hs/T at
    # decoupling, read off where Y enters the 10% band around Y(x_end) on the 48-point saved
    # trajectory, moves ~10x more (1.2% measured)
    np.testing.assert_allclose(sub.omega_h2, grid.omega_h2[2:5, 3:5], rtol=3e-3)
    np.testing.assert_allclose(sub.t_hs_over_t_dec, grid.t_hs_over_t_dec[2:5, 3:5], rtol=3e-2)
    assert contour_mod._batched_solver(make_model, grid.config, min(contour_mod.DEFAULT_LANES, 66))._cache_size() == 1


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
    eps_min, alpha_at_min = contour_mod.epsilon_min(relic)
    floor = floor_mod.thermalization_floor(relic)
    # epsilon_min: fine grids give ~3e-10 at alpha_D ~ 1-3e-5 (module docstring)
    assert 2e-10 < eps_min < 5e-10 and 3e-6 < alpha_at_min < 5e-5
    # alpha_D^TF: the plateau, 3.57-3.59e-4 from root finds at epsilon = 1e-4 .. 1e-2 (module docstring);
    # the coarse grid's log-log interpolation across 30% alpha_D steps gives 3.56e-4
    assert floor.method == "plateau" and 3.5e-4 < floor.alpha_D_TF < 3.65e-4 and floor.spread < 0.01
    assert floor.plateau_range[0] >= 1e-4 and floor.plateau_range[1] <= 10**-2.5
    # epsilon_TF: alpha_D is 1.7% above the plateau at 3.2e-5 (leak-in overshoot) and inside at 1e-4
    assert eps_min < floor.epsilon_TF and 3e-5 < floor.epsilon_TF < 1e-4
    # T_hs/T at decoupling: ~1e-2 at epsilon_min (seed 003 Sec. 3.1: "about 100 times colder"),
    # order one at the floor. Below 1 there because the hidden sector, coupled to the SM only
    # through chi chibar <-> f fbar (seed 003 Eq. 2.14), decouples before the QCD crossover
    # reheats the SM (x_dec ~ 100, T ~ 0.1 GeV): ~0.6 on the plateau, not 1.
    i_min = int(np.argmin(relic.epsilon))
    r_min = relic.t_hs_over_t_dec[i_min]
    assert 3e-3 < r_min < 3e-2
    assert 0.3 < floor.t_hs_over_t_dec < 1.0
    assert floor.t_hs_over_t_dec / r_min > 20.0
    # the hidden sector gets hotter monotonically along the freeze-out branch up to the leak-in
    # overshoot (production at T heats it: 0.66 at epsilon ~ 1e-5), then T_hs/T settles on the
    # plateau (0.60 +- 1% for epsilon >= 1e-4: decoupled before the SM's QCD-era reheating)
    out = relic.select(relic.freeze_out)
    order = np.argsort(out.epsilon)
    eps_sorted, r_sorted = out.epsilon[order], out.t_hs_over_t_dec[order]
    rising = eps_sorted < 3e-6
    assert np.sum(rising) >= 3 and np.all(np.diff(r_sorted[rising]) > 0.0)
    plateau = eps_sorted >= 1e-4
    assert np.sum(plateau) >= 3
    np.testing.assert_allclose(r_sorted[plateau], np.median(r_sorted[plateau]), rtol=0.03)


def test_mzd_plane_and_plots(tmp_path, grid, relic):
    eps_min, alpha_at_min = contour_mod.epsilon_min(relic)
    floor = floor_mod.thermalization_floor(relic)
    plane = floor_mod.floor_in_mzd_plane([M_CHI], [eps_min], [floor.epsilon_TF], ratio=M_CHI / M_ZD)
    np.testing.assert_allclose(plane.m_ZD, [M_ZD])
    np.testing.assert_allclose(plane.epsilon_TF, [floor.epsilon_TF])
    figures = {
        "contour.png": lambda out: plotting.plot_contour(relic, grid, out=out, eps_min=(eps_min, alpha_at_min),
                                                         floor=floor),
        "alpha_vs_eps.png": lambda out: plotting.plot_alpha_d_vs_epsilon(relic, floor, out=out),
        "floor.png": lambda out: plotting.plot_floor(plane, out=out),
    }
    for name, draw in figures.items():
        out = tmp_path / name
        fig = draw(out)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5_000
        assert fig.axes[0].get_xscale() == "log"


# --- input checks (before anything is traced) ---------------------------------------------------------


def make_model_at(alpha_d, epsilon, m_chi, m_ZD):
    """Builder with the masses as traced keywords (``omega_grid(..., params=...)``)."""
    return SecludedDirac(m_chi=m_chi, m_ZD=m_ZD, alpha_D=alpha_d, epsilon=epsilon)


def test_params_share_one_compilation_across_masses(grid):
    """m_chi and m_ZD passed as params (traced): at 10 GeV the grid equals the closure grid, and a
    20 GeV grid reuses the compilation; its values equal direct solves (solver accuracy)."""
    a, e = ALPHA_D[2:4], EPSILON[3:5]
    ten = contour_mod.omega_grid(make_model_at, a, e, chunk=4, params={"m_chi": M_CHI, "m_ZD": M_ZD})
    np.testing.assert_allclose(ten.omega_h2, grid.omega_h2[2:4, 3:5], rtol=3e-3)
    twenty = contour_mod.omega_grid(make_model_at, a, e, chunk=4, params={"m_chi": 2.0 * M_CHI, "m_ZD": 2.0 * M_ZD})
    assert float(twenty.m_chi) == 2.0 * M_CHI and np.all(twenty.ok)
    assert contour_mod._batched_solver(make_model_at, ten.config, 4)._cache_size() == 1
    one = solve_mod.solve(make_model_at(a[1], e[0], 2.0 * M_CHI, 2.0 * M_ZD), ten.config)
    np.testing.assert_allclose(twenty.omega_h2[1, 0], float(one.omega_h2), rtol=3e-3)
    assert abs(twenty.omega_h2[1, 0] / ten.omega_h2[1, 0] - 1.0) > 0.01  # the mass did change the point
    with pytest.raises(ValueError, match="params"):
        contour_mod.omega_grid(make_model_at, a, e, params={"m_chi": float("nan"), "m_ZD": M_ZD})


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
        contour_mod.omega_grid(make_model, alpha_d, epsilon)


def test_omega_grid_rejects_bad_model_and_config():
    def heavy_dark_photon(alpha_d, epsilon):
        return SecludedDirac(m_chi=M_CHI, m_ZD=2.0 * M_CHI, alpha_D=alpha_d, epsilon=epsilon)

    with pytest.raises(ValueError, match="m_ZD"):
        contour_mod.omega_grid(heavy_dark_photon, [1e-6, 1e-5], [1e-9, 1e-8])
    with pytest.raises(ValueError, match="n_save"):
        contour_mod.omega_grid(make_model, [1e-6, 1e-5], [1e-9, 1e-8], config=contour_mod.contour_config(n_save=0))
    with pytest.raises(ValueError, match="chunk"):
        contour_mod.omega_grid(make_model, [1e-6, 1e-5], [1e-9, 1e-8], chunk=0)


# --- definitions on analytic grids (no solves) -------------------------------------------------------


def _synthetic_grid(alpha_d, epsilon, omega, status=None):
    shape = (alpha_d.size, epsilon.size)
    status = np.zeros(shape, dtype=np.int32) if status is None else status
    omega = np.where(status == 0, omega, np.nan)
    ratio = np.full(shape, 0.5)
    return contour_mod.OmegaGrid(
        alpha_D=alpha_d, epsilon=epsilon, omega_h2=omega, status=status, num_steps=np.zeros(shape, dtype=np.int64),
        x_dec=np.full(shape, 20.0), t_hs_over_t_dec=np.where(status == 0, ratio, np.nan), t_hs_over_t_end=ratio,
        x=np.geomspace(1e-3, 1e4, 4), y=np.ones(shape + (4,)), t_hs_over_t=np.ones(shape + (4,)),
        m_chi=M_CHI, model_name="synthetic", config=contour_mod.contour_config(),
    )


def test_crossings_exact_for_a_power_law_and_holes_for_failed_points():
    """Omega = 0.12 (eps / 1e-9)^2 (alpha_D / 1e-6): every crossing lies on alpha eps^2 = 1e-24
    (log-log interpolation is exact), with slopes (2, 1) and regime freeze-in. A failed point
    (status != 0) removes only the crossings on its edges."""
    alpha_d, epsilon = np.geomspace(1e-8, 1e-4, 9), np.geomspace(1e-11, 1e-7, 7)
    omega = 0.12 * (epsilon[None, :] / 1e-9) ** 2 * (alpha_d[:, None] / 1e-6)
    relic = contour_mod.relic_contour(_synthetic_grid(alpha_d, epsilon, omega))
    assert len(relic) > 8
    np.testing.assert_allclose(relic.alpha_D * relic.epsilon**2, 1e-24, rtol=1e-10)
    np.testing.assert_allclose(relic.dln_omega_dln_eps, 2.0, rtol=1e-10)
    np.testing.assert_allclose(relic.dln_omega_dln_alpha, 1.0, rtol=1e-10)
    assert set(relic.regime.tolist()) == {"freeze-in"}
    assert np.all(np.diff(relic.alpha_D) > 0.0)  # ordered along the line
    # a failed point next to the line: no exception, fewer points, the rest unchanged
    status = np.zeros(omega.shape, dtype=np.int32)
    status[4, 3] = solve_mod.STATUS_MAX_STEPS
    holed = contour_mod.relic_contour(_synthetic_grid(alpha_d, epsilon, omega, status))
    assert 0 < len(holed) < len(relic)
    np.testing.assert_allclose(holed.alpha_D * holed.epsilon**2, 1e-24, rtol=1e-10)


def _floor_grid(ln_a_of_eps, epsilon):
    """Omega = 0.12 (alpha_D / a(eps))^-2: the relic contour is alpha_D = a(eps) (exact at the
    epsilon columns: log-log interpolation of a power law in alpha_D)."""
    alpha_d = np.geomspace(1e-4, 1e-3, 61)  # 3.9% steps
    ln_a = ln_a_of_eps(epsilon)
    omega = 0.12 * (alpha_d[:, None] / np.exp(ln_a)[None, :]) ** -2
    return _synthetic_grid(alpha_d, epsilon, omega)


def _overshoot_plateau_fall(epsilon, a_p=3.6e-4, bump=0.08):
    """ln a(eps): a leak-in rise (k = 0.5) up to eps = 1e-7, an overshoot of +8% at eps = 3e-6, the
    plateau a_p, and the chi chibar -> f fbar fall above eps ~ 2e-2: the shape the secluded model
    gives (thermalization_floor docstring)."""
    u = np.log(epsilon / 3e-6)
    leak_in = -0.5 * np.maximum(0.0, np.log(1e-7 / epsilon))
    return math.log(a_p) + leak_in + bump * np.exp(-0.5 * u**2) - 0.3 * (epsilon / 0.05) ** 4


def test_floor_is_the_plateau_beyond_an_overshoot():
    epsilon = np.geomspace(1e-8, 1e-1, 71)  # 10 per decade
    floor = floor_mod.thermalization_floor(_floor_grid(_overshoot_plateau_fall, epsilon), tolerance=0.01)
    assert floor.method == "plateau" and floor.n_plateau >= 3 and floor.spread < 1e-3
    np.testing.assert_allclose(floor.alpha_D_TF, 3.6e-4, rtol=2e-4)
    assert 3e-5 <= floor.plateau_range[0] < floor.epsilon_plateau < floor.plateau_range[1] <= 2e-2
    # epsilon_TF: the right flank of the overshoot leaves the 1% band walking down from the plateau,
    # 0.08 exp(-u^2/2) = ln(1.01); left of the bump alpha_D is back inside the band, which must not count
    eps_tf_exact = 3e-6 * math.exp(math.sqrt(2.0 * math.log(0.08 / math.log(1.01))))
    np.testing.assert_allclose(floor.epsilon_TF, eps_tf_exact, rtol=0.02)
    # a reference alpha_D^TF 0.5% higher: the band reaches further up the overshoot, epsilon_TF falls
    lower = floor_mod.thermalization_floor(_floor_grid(_overshoot_plateau_fall, epsilon), tolerance=0.01,
                                         alpha_reference=3.6e-4 * 1.005)
    assert lower.method == "reference" and lower.epsilon_TF < floor.epsilon_TF
    # a coarse epsilon axis (2.6 columns per decade: no one-decade window holds three points on
    # the plateau) still finds the plateau, not the leak-in branch
    coarse = floor_mod.thermalization_floor(_floor_grid(_overshoot_plateau_fall, np.geomspace(1e-8, 1e-1, 19)))
    assert coarse.method == "plateau" and coarse.n_plateau >= 3
    np.testing.assert_allclose(coarse.alpha_D_TF, 3.6e-4, rtol=2e-3)
    # a plateau that the grid does not reach: the flattest window, flagged
    short = floor_mod.thermalization_floor(_floor_grid(_overshoot_plateau_fall, epsilon[:31]))  # eps <= 1e-5
    assert short.method == "flattest" and short.spread > 0.01
    with pytest.raises(ValueError, match="tolerance"):
        floor_mod.thermalization_floor(_floor_grid(_overshoot_plateau_fall, epsilon), tolerance=1.5)
    with pytest.raises(ValueError, match="window_decades"):
        floor_mod.thermalization_floor(_floor_grid(_overshoot_plateau_fall, epsilon), window_decades=0.0)


def test_floor_of_a_monotone_approach_and_epsilon_min_refinement():
    """A monotone approach to a plateau (no overshoot): alpha_D^TF is the top decade's median;
    a steady slope k = 0.02 has no plateau flat to 1% in any decade ("flattest")."""
    epsilon = np.geomspace(1e-8, 1e-4, 41)
    floor = floor_mod.thermalization_floor(
        _floor_grid(lambda e: math.log(4e-4) - 0.5 * np.exp(-np.log(e / 1e-8)), epsilon))
    assert floor.method == "plateau"
    np.testing.assert_allclose(floor.alpha_D_TF, 4e-4, rtol=3e-4)  # median at eps ~ 3e-5: 0.5 e^-u = 1.7e-4
    np.testing.assert_allclose(floor.epsilon_TF, 0.5e-8 / -math.log(0.99), rtol=0.03)  # 0.5 e^-u = 0.01
    sloped = floor_mod.thermalization_floor(_floor_grid(lambda e: math.log(4e-4) + 0.02 * np.log(e / 1e-6), epsilon))
    assert sloped.method == "flattest"
    # the flattest window is the shortest one allowed, 0.9 decade: spread ~ 0.02 x 0.9 ln 10
    np.testing.assert_allclose(sloped.spread, 0.02 * 0.9 * math.log(10.0), rtol=0.05)
    # epsilon_min of a V-shaped contour: eps = 1e-9 (alpha/1e-5)^-0.5 left, ^+0.5 right
    alpha_d = np.geomspace(1e-7, 1e-3, 13)
    epsilon = np.geomspace(1e-11, 1e-7, 9)
    a, e = alpha_d[:, None], epsilon[None, :]
    omega = 0.12 * np.where(a < 1e-5, (e / 1e-9) ** 2 * (a / 1e-5), (e / 1e-9) ** 2 / (a / 1e-5))
    relic = contour_mod.relic_contour(_synthetic_grid(alpha_d, epsilon, omega))
    eps_min, alpha_at_min = contour_mod.epsilon_min(relic, refine=False)
    assert eps_min >= 1e-9 and math.isclose(eps_min, 1e-9, rel_tol=1e-10)
    refined = contour_mod.epsilon_min(relic)
    assert refined[0] <= eps_min
    with pytest.raises(ValueError, match="no points"):
        contour_mod.epsilon_min(relic.select(np.zeros(len(relic), dtype=bool)))


def test_decoupling_point_definition():
    x = np.geomspace(1e-3, 1e4, 48)
    # freeze-out-like: Y = Y_inf (1 + 20 / x); within 10% of Y(x_end) from x ~ 200 on
    y_fo = 1e-10 * (1.0 + 20.0 / x)
    # reannihilation-like: overshoot then depletion to the final value
    y_re = 1e-11 * (1.0 + 5.0 * np.exp(-((np.log(x) - np.log(3.0)) ** 2)))
    ratio = np.linspace(0.01, 1.0, 48)
    ys = np.stack([y_fo, y_re, np.full(48, np.nan)])
    x_dec, r_dec = contour_mod.decoupling_point(np.broadcast_to(x, ys.shape), ys, np.broadcast_to(ratio, ys.shape))
    for row, (xd, rd) in enumerate(zip(x_dec[:2], r_dec[:2])):
        within = np.abs(ys[row] / ys[row, -1] - 1.0) <= contour_mod.DECOUPLING_RTOL
        k = int(np.flatnonzero(~within)[-1]) + 1
        assert xd == x[k] and rd == ratio[k]
        assert np.all(within[k:]) and not within[k - 1]
    assert 150.0 < x_dec[0] < 300.0
    assert np.isnan(x_dec[2]) and np.isnan(r_dec[2])
    with pytest.raises(ValueError, match="equal shapes"):
        contour_mod.decoupling_point(x, y_fo[:-1], ratio)


def test_floor_in_mzd_plane_mapping():
    plane = floor_mod.floor_in_mzd_plane([10.0, 1.0], [3e-10, 1e-9], [1.7e-6, 4e-6], ratio=10.0)
    np.testing.assert_allclose(plane.m_ZD, [0.1, 1.0])  # sorted by mass
    np.testing.assert_allclose(plane.epsilon_min, [1e-9, 3e-10])
    hyper = floor_mod.floor_in_mzd_plane([10.0], [3e-10], [1.7e-6], ratio=100.0, hypercharge=True)
    assert hyper.epsilon_TF[0] > 1.7e-6  # eps_Y = eps / cos(theta_W)
    with pytest.raises(ValueError, match="ratio"):
        floor_mod.floor_in_mzd_plane([10.0], [3e-10], [1.7e-6], ratio=0.5)
    with pytest.raises(ValueError, match="equal length"):
        floor_mod.floor_in_mzd_plane([10.0, 1.0], [3e-10], [1.7e-6], ratio=10.0)
    assert dataclasses.is_dataclass(plane)
