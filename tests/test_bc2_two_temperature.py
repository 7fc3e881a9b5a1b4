"""BC2 (invisible A', chi alone in the hidden sector) in the two-temperature machinery:
freeze-in scaling, the single maximum of Omega(epsilon), line ordering, the freeze-out root
against the thermal target, and input errors (the public API ``qedm_jax.scan``,
``qedm_jax.freeze_in``, ``qedm_jax.floor`` with ``model="bc2"``, and
``qedm_jax.relic.target.freeze_out_root``).

Cost: compiles of the two-temperature solve (Dirac, x0 = 1e-2) for the Omega(epsilon) scan, for
the floor and the freeze-out root (one family object: one compile), for the freeze-in line (rtol
1e-7), one of the kinetic-equilibrium solve, one of the thermalized thermal target; ~100 solves
in all.
"""

import math

import jax.numpy as jnp
import numpy as np
import pytest

import qedm_jax
from qedm_jax import solve as solve_mod
from qedm_jax.models import BC2, y_bc2
from qedm_jax.relic import target as target_mod

from .tolerances import FREEZE_IN_SCALING_RTOL, TARGET_OMEGA_RTOL

SPECIES = "dirac"
ALPHA_D = 0.5
RATIO = 3.0
MASSES = np.array([0.1, 1.0])  # GeV: m_A = 0.3 GeV (below the rho) and 3 GeV (perturbative R)
M_SCAN = 0.1  # GeV, the Omega(epsilon) scan
EPS_SCAN = 10.0 ** np.arange(-13.0, -2.99, 0.5)  # 1e-13 ... 1e-3, two points per decade
#: one family object for the freeze-in line, the floor and the freeze-out root (the solves of one
#: family object and config share a compilation)
FAMILY = qedm_jax.make_family("bc2", species=SPECIES, ratio=RATIO)

#: two-temperature root with kinetic equilibrium imposed vs the thermalized thermal target (issue 3: 1%)
ROOT_VS_TARGET_RTOL = 0.01
#: plain two-temperature root above the target: chi decouples kinetically at chemical freeze-out
#: (no elastic scattering in the system), <sigma v>(T_hs) of the s-wave Dirac pair falls slightly;
#: measured +1.2% (1 GeV) to +2.4% (0.1 GeV) in epsilon, budget 4%
KINETIC_DECOUPLING_SHIFT_MAX = 0.04
#: Omega ~ epsilon^-2 on the freeze-out branch, up to the slow ln(epsilon) dependence of x_f
FREEZE_OUT_SLOPE_RANGE = (-2.3, -1.7)


@pytest.fixture(scope="module")
def target():
    make = lambda m: BC2(m_chi=m, m_A=RATIO * m, alpha_D=ALPHA_D, epsilon=1e-3, species=SPECIES)
    line = target_mod.thermal_target(make, jnp.asarray(MASSES))
    assert np.all(np.asarray(line.status) == 0), line.status
    return np.asarray(line.epsilon)


@pytest.fixture(scope="module")
def scan():
    result = qedm_jax.scan(model="bc2", species=SPECIES, ratio=RATIO, two_temperature=True, epsilon=EPS_SCAN,
                           alpha_D=ALPHA_D, m_chi=M_SCAN)
    assert result.shape == (EPS_SCAN.size, 1, 1)
    omega, status, t_ratio = (np.asarray(v)[:, 0, 0] for v in (result.omega_h2, result.status, result.t_hs_over_t_end))
    assert np.all(status == 0), status
    return omega, t_ratio


@pytest.fixture(scope="module")
def freeze_in():
    return qedm_jax.freeze_in(MASSES, model=FAMILY, alpha_D=ALPHA_D)


@pytest.fixture(scope="module")
def floor():
    return qedm_jax.floor(MASSES, model=FAMILY, alpha_D=ALPHA_D)


def test_root_with_kinetic_equilibrium_equals_thermal_target(target):
    """With T_hs = T imposed (fast elastic scattering), the two-temperature freeze-out root is
    the thermalized thermal target of ``relic.target.thermal_target`` (measured: within 2e-4)."""
    epsilon, omega, status = target_mod.freeze_out_root(FAMILY, MASSES, ALPHA_D, kinetic_equilibrium=True)
    assert np.all(status == 0), status
    np.testing.assert_allclose(omega, 0.12, rtol=TARGET_OMEGA_RTOL)
    np.testing.assert_allclose(epsilon, target, rtol=ROOT_VS_TARGET_RTOL)
    np.testing.assert_allclose(y_bc2(epsilon, ALPHA_D, MASSES, RATIO * MASSES),
                               y_bc2(target, ALPHA_D, MASSES, RATIO * MASSES), rtol=2 * ROOT_VS_TARGET_RTOL)


def test_plain_two_temperature_root_lies_slightly_above_target(target):
    """Without elastic scattering chi decouples kinetically at freeze-out, T_hs < T lowers the
    late annihilation: the root is above the target, by a few per cent for s-wave Dirac."""
    epsilon, omega, status = target_mod.freeze_out_root(FAMILY, MASSES, ALPHA_D)
    assert np.all(status == 0), status
    np.testing.assert_allclose(omega, 0.12, rtol=TARGET_OMEGA_RTOL)
    shift = epsilon / target - 1.0
    assert np.all((shift > 0.0) & (shift < KINETIC_DECOUPLING_SHIFT_MAX)), shift


def test_freeze_in_branch_scales_as_epsilon_squared(scan):
    """Omega / epsilon^2 constant (1%) over 1e-13 ... 1e-10 (three decades)."""
    omega, _ = scan
    branch = EPS_SCAN <= 1.01e-10
    assert branch.sum() == 7
    normalised = omega[branch] / EPS_SCAN[branch] ** 2
    np.testing.assert_allclose(normalised, normalised[0], rtol=FREEZE_IN_SCALING_RTOL)


def test_single_maximum_between_the_branches(scan, floor):
    """ln Omega rises, then falls, exactly once; the freeze-out branch goes like epsilon^-2;
    the floor (argmax) lies at the largest scanned value, and Omega there is not below it."""
    omega, _ = scan
    d_ln_omega = np.diff(np.log(omega))
    sign_changes = np.count_nonzero(np.diff(np.sign(d_ln_omega)))
    assert sign_changes == 1, d_ln_omega
    slopes = d_ln_omega / np.diff(np.log(EPS_SCAN))
    assert np.all((slopes[-3:] > FREEZE_OUT_SLOPE_RANGE[0]) & (slopes[-3:] < FREEZE_OUT_SLOPE_RANGE[1])), slopes
    k = int(np.argmax(omega))
    i = int(np.flatnonzero(MASSES == M_SCAN)[0])
    assert floor["status"][i] == 0
    assert EPS_SCAN[k - 1] < floor["epsilon_TF"][i] < EPS_SCAN[k + 1]
    assert floor["omega_h2"][i] >= omega[k] * (1.0 - 1e-5)


def test_hidden_sector_temperature_tracks_kinetic_decoupling(scan):
    """Chi alone is non-relativistic at x_end = 1e4, so T_hs ~ 1/a^2 after kinetic decoupling
    at x_kd and T_hs/T(x_end) ~ x_kd / x_end << 1 on both branches: x_kd ~ 1 on the freeze-in
    branch (chi never re-equilibrates), ~ x_f/2 ~ 10 on the freeze-out branch (measured at
    m_chi = 0.1 GeV: 0.95 and 8.7-11)."""
    _, t_ratio = scan
    x_kd = t_ratio * 1.0e4
    assert np.all(t_ratio < 2e-3)
    assert np.all((x_kd[EPS_SCAN <= 1e-10] > 0.3) & (x_kd[EPS_SCAN <= 1e-10] < 3.0)), x_kd
    assert np.all((x_kd[EPS_SCAN >= 1e-4] > 4.0) & (x_kd[EPS_SCAN >= 1e-4] < 30.0)), x_kd


def test_freeze_in_below_floor_below_target(freeze_in, floor, target):
    """epsilon_FI < epsilon_TF < epsilon_target at every mass, and Y_BC2 in the same order."""
    assert np.all(freeze_in["status"] == 0) and np.all(floor["status"] == 0)
    np.testing.assert_allclose(freeze_in["omega_h2"], 0.12, rtol=TARGET_OMEGA_RTOL)
    assert np.all(freeze_in["epsilon"] < floor["epsilon_TF"]) and np.all(floor["epsilon_TF"] < target)
    y_target = np.asarray(y_bc2(target, ALPHA_D, MASSES, RATIO * MASSES))
    assert np.all(freeze_in["Y_BC2"] < floor["Y_TF"]) and np.all(floor["Y_TF"] < y_target)
    np.testing.assert_allclose(floor["Y_TF"], y_bc2(floor["epsilon_TF"], ALPHA_D, MASSES, RATIO * MASSES), rtol=1e-12)
    # the floor is where freeze-in saturates: Omega there far above 0.12
    assert np.all(floor["omega_h2"] > 1e3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: qedm_jax.freeze_in([0.1], model="bc2", species="wimp"), "species"),
        (lambda: qedm_jax.freeze_in([0.1, -1.0], model="bc2", species="dirac"), "m_chi"),
        (lambda: qedm_jax.freeze_in([0.0], model="bc2", species="dirac"), "m_chi"),
        (lambda: qedm_jax.floor([0.1], model="bc2", species="dirac", ratio=2.0), "ratio"),
        (lambda: qedm_jax.floor([0.1], model="bc2", species="pseudo-dirac", ratio=2.05, delta=0.1), "ratio"),
        (lambda: qedm_jax.floor([0.1], model="bc2", species="dirac", alpha_D=0.0), "alpha_D"),
        (lambda: qedm_jax.floor([0.1], model="bc2", species="pseudo-dirac", delta=-0.1), "delta"),
        (lambda: qedm_jax.scan(model="bc2", species="dirac", two_temperature=True, m_chi=0.1, epsilon=[1e-8, 1.5]),
         "epsilon"),
        # the scan takes several masses now: a bad one instead of two
        (lambda: qedm_jax.scan(model="bc2", species="dirac", two_temperature=True, m_chi=[0.1, -0.2], epsilon=[1e-8]),
         "m_chi"),
        (lambda: qedm_jax.freeze_in([0.1], model="bc2", species="dirac", omega_h2=0.0), "omega_h2"),
        (lambda: target_mod.freeze_out_root(qedm_jax.make_family("bc2", species="dirac"), [math.nan], 0.5), "m_chi"),
        # the public freeze-in takes the start x0 instead of a SolverConfig
        (lambda: qedm_jax.freeze_in([0.1], model="bc2", species="dirac", x0=1.5), "x0"),
        (lambda: solve_mod.two_temperature_config(x0=1.0e-2, thermalized=True), "thermalized"),
        (lambda: qedm_jax.scan(model="bc2", species="dirac", two_temperature=True, m_chi=0.1, epsilon=[1e-8],
                               chunk=0), "chunk"),
    ],
)
def test_bad_inputs_raise_before_tracing(call, match):
    with pytest.raises(ValueError, match=match):
        call()
