"""Worked fit: the mass splitting that puts the pseudo-Dirac thermal target through a point.

Question: for pseudo-Dirac (inelastic) DM with alpha_D = 0.1 and m_A = 3 m_chi, which
fractional splitting delta = (m_chi2 - m_chi1) / m_chi1 makes the thermal target pass
through a given point (m_chi, Y_BC2) of the BC2 plot (Y_BC2 = eps^2 alpha_D (m_chi/m_A)^4,
seed 000)? A larger splitting Boltzmann-suppresses the co-annihilation partner chi2
(~exp(-delta x_f), seed 001 Sec. 2.1), so a larger epsilon, hence a larger Y, is needed.

Method: Newton iterations on delta for r(delta) = ln Y_target(delta) - ln Y_point (nearly
linear: the partner's weight is ~exp(-delta x_f)), with the derivative dr/d delta from
``jax.jacfwd`` of
``relic.target.thermal_target_unchecked``, i.e. implicit differentiation through the root find
(optimistix ImplicitAdjoint; the solves inside are forward-mode). The target point is made
from a known splitting (``TRUE_DELTA``) so that the fit can be checked; the start is
``START_DELTA``.

Output: the iterations on stdout and ``examples/fit_pseudo_dirac.png``: the thermal-target
lines Y_BC2(m_chi) for the start and the fitted splitting, and the target point.

Run: ``python examples/fit_pseudo_dirac.py`` (a few minutes on 2 CPU cores, mostly
compilation).
"""

from __future__ import annotations

import pathlib
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import qedm_jax
from qedm_jax.models import BC2, y_bc2
from qedm_jax.relic import target as target_mod

ALPHA_D = 0.1
RATIO = 3.0  # m_A / m_chi
M_POINT_GEV = 0.1  # mass of the target point
TRUE_DELTA = 0.15  # the splitting used to make the target point
START_DELTA = 0.04
MAX_NEWTON = 8
DELTA_TOL = 1e-5  # stop when the Newton step in delta is below this
LINE_MASSES_GEV = np.geomspace(5e-3, 1.0, 24)
FIGURE = pathlib.Path(__file__).resolve().parent / "fit_pseudo_dirac.png"


def make_model(m_chi, delta):
    """Pseudo-Dirac BC2 point (keywords; epsilon is replaced by the root)."""
    return BC2(m_chi=m_chi, m_A=RATIO * m_chi, alpha_D=ALPHA_D, epsilon=1e-4, delta=delta,
               species="pseudo-dirac")


@eqx.filter_jit
def ln_y_target(delta, m_chi):
    """ln Y_BC2 on the thermal target at m_chi for splitting delta, and its status."""
    model = make_model(m_chi, delta)
    epsilon, _, status = target_mod.thermal_target_unchecked(model)
    return jnp.log(y_bc2(epsilon, ALPHA_D, m_chi, RATIO * m_chi)), status


@eqx.filter_jit
def residual_and_slope(delta, m_chi, ln_y_point):
    """(r, dr / d delta) with the slope from forward-mode implicit differentiation."""
    def r(x):
        return ln_y_target(x, m_chi)[0] - ln_y_point

    return r(delta), jax.jacfwd(r)(delta)


def target_line(delta):
    """Y_BC2 along the thermal target for LINE_MASSES_GEV (NaN where a mass did not converge)."""
    line = qedm_jax.thermal_target(lambda m: make_model(m, delta), LINE_MASSES_GEV)
    y = np.asarray(y_bc2(line.epsilon, ALPHA_D, line.m_chi, RATIO * line.m_chi))
    return np.where(np.asarray(line.status) == 0, y, np.nan)


def main() -> None:
    m_chi = jnp.asarray(M_POINT_GEV)
    ln_y_point, status = ln_y_target(jnp.asarray(TRUE_DELTA), m_chi)
    assert int(status) == 0, "the target point's root find failed"
    print(f"target point: m_chi = {M_POINT_GEV} GeV, Y_BC2 = {float(jnp.exp(ln_y_point)):.4e} "
          f"(made with delta = {TRUE_DELTA})")

    delta = jnp.asarray(START_DELTA)
    tic = time.perf_counter()
    for iteration in range(MAX_NEWTON):
        r, slope = residual_and_slope(delta, m_chi, ln_y_point)
        step = -r / slope
        print(f"  iteration {iteration}: delta = {float(delta):.6f}, "
              f"ln(Y/Y_point) = {float(r):+.3e}, d ln Y / d delta = {float(slope):.4f}")
        delta = jnp.clip(delta + step, 0.5 * delta, 0.5 * (delta + RATIO - 2.0))  # stay in (0, m_A/m_chi - 2)
        if abs(float(step)) < DELTA_TOL:
            break
    fitted = float(delta)
    print(f"fitted delta = {fitted:.5f} (true {TRUE_DELTA}; relative error {abs(fitted / TRUE_DELTA - 1):.1e}); "
          f"{time.perf_counter() - tic:.1f} s including compilation")

    start_line, fitted_line = target_line(START_DELTA), target_line(fitted)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 4.5))
    ax.loglog(LINE_MASSES_GEV, start_line, "--", color="0.5", label=rf"thermal target, $\Delta/m = {START_DELTA}$ (start)")
    ax.loglog(LINE_MASSES_GEV, fitted_line, "-", color="C0", label=rf"thermal target, $\Delta/m = {fitted:.4f}$ (fit)")
    ax.plot([M_POINT_GEV], [float(jnp.exp(ln_y_point))], "o", color="C3", label="target point")
    ax.set_xlabel(r"$m_\chi$ [GeV]")
    ax.set_ylabel(r"$Y = \epsilon^2 \alpha_D (m_\chi / m_{A'})^4$")
    ax.set_title(rf"pseudo-Dirac, $\alpha_D = {ALPHA_D}$, $m_{{A'}} = {RATIO:g}\,m_\chi$ (qedm_jax)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=120)
    print(f"wrote {FIGURE}")


if __name__ == "__main__":
    main()
