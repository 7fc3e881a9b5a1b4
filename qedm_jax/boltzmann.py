"""The two-temperature Boltzmann system and its thermalized (T_hs = T) limit.

Physical state ``(r, w)`` with ``r = ln(T_hs / T)`` and ``w = ln Y``, ``Y = n / s`` the total
DM yield; time ``tau = ln x``, ``x = m_chi / T``. Seed 003 Eqs. 2.14-2.16 (DESIGN.md):

    d rho_HS/dt + 3 H (rho_HS + P_HS) = C_rho,     d n/dt + 3 H n = C_n,
    rho_HS = rho_bath(T_hs) + n B(T_hs),           P_HS = rho_bath/3 + n T_hs,
    C_n   = Gamma_n(T) - (n/n_eq(T_hs))^2 Gamma_n(T_hs) + Gamma_hs(T_hs) (1 - (n/n_eq(T_hs))^2),
    C_rho = Gamma_E(T) - (n/n_eq(T_hs))^2 Gamma_E(T_hs),

with the rate densities of ``qedm_jax.thermal`` (production at the SM temperature T by
detailed balance, depletion at T_hs with the actual n). Eliminating dn/dt from the energy
equation (the printed Eq. 2.17 of the seed is garbled; this is the derivation):

    d ln T_hs / dt = [C_rho - B C_n - 4 H rho_bath - 3 H n T_hs] / [4 rho_bath + n T_hs dB/dT_hs]

and with d tau/dt = H / (1 + (1/3) d ln g_star_s / d ln T) (entropy conservation):

    dw/dtau = (1 + delta) C_n / (H s Y),     dr/dtau = (1 + delta) d ln T_hs/dt / H + 1.

**The expm1 form** (issue 12, "a formulation without catastrophic cancellation"): with the
departure from equilibrium at the hidden-sector temperature,

    d = ln(Y / Y_eq(T_hs)) = w + ln s(T) - ln n_eq(T_hs),

every depletion bracket is a rate times expm1 of one small number, never the difference of two
large ones:

    C_n / (s Y) = s Y [sigma_v(T_hs) expm1(a_n) + sigma_v_hs(T_hs) expm1(-2 d)],
    (C_rho - B C_n) / (s T) = s Y^2 / T [sigma_v_E(T_hs) expm1(a_E) - B sigma_v(T_hs) expm1(a_n)
                                          - B sigma_v_hs(T_hs) expm1(-2 d)],
    a_n = ln sigma_v(T) - ln sigma_v(T_hs) + 2 (ln n_eq(T) - ln n_eq(T_hs)) - 2 d   (a_E with sigma_v_E).

Before, production and depletion were two exponentials of sums of ~30-sized logs, subtracted
afterwards. Measured (m_chi = 10 GeV, secluded, alpha_D = 1e-2, where the hidden-sector channel
chi chibar <-> Z_D Z_D has Gamma/H ~ 1e12): at fixed states both forms have the same noise floor
(~1e-3 in dw/dtau: the rate times the rounding of ln Y itself, which no formulation in the state
(r, ln Y) removes), but at rtol 1e-8 the difference form hit 100,000 steps at 3 of 11 stiff points
and the expm1 form converges at all (1,100-6,800 steps; ``tests/test_boltzmann.py``). The state
stays the physical (r, w): a state d itself (tried) is exact in the tightly coupled limit but
makes the integrator follow ln Y_eq(T_hs) ~ -m_chi/T_hs through freeze-out and freeze-in, where
truncation errors of that steep function went straight into ln Y (errors of 2-5e-3 in
Omega h^2 and up to 15x the steps on freeze-in points). The departure d is instead the
coordinate of the implicit stages' chord iteration (``DepartureCoordinates`` below, used by the
default two-temperature integrator ``esdirk.Kvaerno5Chord``) while chi is near equilibrium with
the hidden sector: there it makes the frozen Jacobian of a step a good one.

In the thermalized mode ``dr/dtau = 0`` (r = 0) and dw/dtau reduces to the standard
one-temperature freeze-out dY/dx = -(1 + delta) s sigma_v_eff (Y^2 - Y_eq^2) / (H x). Every term
is evaluated from logarithms so that nothing under- or overflows for cold hidden sectors
(m / T_hs ~ 1e5) or tiny yields.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from . import sm, thermal
from .esdirk import NewtonCoordinates
from .models.base import AbstractModel

__all__ = ["DepartureCoordinates", "SystemOptions", "ln_rates_at", "rates_at", "vector_field"]

_LN_MAX = 700.0  # exponents are clipped here: a trial Newton iterate may not overflow to inf


def _exp(argument):
    """exp with the argument clipped to +-700 (finite for any trial state of the solver)."""
    return jnp.exp(jnp.clip(argument, -_LN_MAX, _LN_MAX))


class SystemOptions(eqx.Module):
    """Static switches of the Boltzmann system.

    Attributes:
        thermalized: force T_hs = T (the one-temperature freeze-out).
        depletion: include the depletion terms (n/n_eq(T_hs))^2 Gamma(T_hs) and the hidden
            sector channel; False keeps production only (freeze-in without back-reaction).
        gstar: g_star table name.
        kinetic_relaxation: K >= 0; adds -K ln(T_hs/T) to d ln(T_hs/T)/d ln x, a stand-in for
            elastic scattering chi f -> chi f (not in the collision terms), which keeps T_hs
            within ~1/K of T (0: off).
    """

    thermalized: bool = eqx.field(static=True, default=True)
    depletion: bool = eqx.field(static=True, default=True)
    gstar: str = eqx.field(static=True, default=sm.DEFAULT_GSTAR)
    kinetic_relaxation: float = eqx.field(static=True, default=0.0)


def ln_rates_at(model: AbstractModel, table: thermal.RateTable | None, ln_x: Float[Array, ""]):
    """ln of (sigma_v_eff, sigma_v_E_eff, sigma_v_hs_eff) at x = m_chi / T_any = exp(ln_x).

    The table stores logs, and the production terms need logs: no exp/log round trip on the
    fast path.

    Args:
        model: parameter point.
        table: the tabulated fast path, or None for exact quadrature (reference path).
        ln_x: ln(m_chi / T), scalar; T may be the SM or the hidden-sector temperature.

    Returns:
        Three scalars [ln GeV^-2, ln GeV^-1, ln GeV^-2] (ln 1e-300 for an absent channel).
    """
    if table is not None:
        logs = thermal.interp_rates(table, ln_x)
        return logs[0], logs[1], logs[2]
    temperature = model.m_chi * _exp(-ln_x)
    rates = (
        thermal.sigma_v_eff(model, temperature),
        thermal.sigma_v_E_eff(model, temperature),
        thermal.sigma_v_hs_eff(model, temperature),
    )
    return tuple(jnp.log(jnp.maximum(rate, thermal._TINY)) for rate in rates)


def rates_at(model: AbstractModel, table: thermal.RateTable | None, ln_x: Float[Array, ""]):
    """(sigma_v_eff, sigma_v_E_eff, sigma_v_hs_eff) at x = exp(ln_x) [GeV^-2, GeV^-1, GeV^-2]
    (exponentials of ``ln_rates_at``; same arguments)."""
    return tuple(_exp(log) for log in ln_rates_at(model, table, ln_x))


def _expm1(argument):
    """expm1 with the argument clipped to +-700 (finite for any trial state of the solver)."""
    return jnp.expm1(jnp.clip(argument, -_LN_MAX, _LN_MAX))


def vector_field(tau: Float[Array, ""], y: Float[Array, "2"], args) -> Float[Array, "2"]:
    """d(r, w)/d tau of the module docstring, every depletion term in the expm1 form.

    Args:
        tau: ln x, scalar.
        y: state (ln(T_hs/T), ln Y), shape (2,).
        args: ``(model, table, options)``: an ``AbstractModel``, a ``RateTable`` or None,
            and ``SystemOptions``.

    Returns:
        Time derivative, shape (2,).

    Source: seed 003 Eqs. 2.14-2.16; DESIGN.md "The Boltzmann system"; the expm1 form of the
    module docstring.
    """
    model, table, options = args
    r, w = y[0], y[1]
    temperature = model.m_chi * _exp(-tau)
    hubble, s, dln_gs = sm.background(temperature, options.gstar)  # one pass over the g_star tables
    ln_s = jnp.log(s)
    dtau_factor = (1.0 + dln_gs / 3.0) / hubble
    y_dm = _exp(w)
    sy = _exp(w + ln_s)  # s Y = n
    ln_sv_t, ln_sve_t, ln_svhs_t = ln_rates_at(model, table, tau)
    ln_neq_t = thermal.ln_n_eq(model, temperature)

    if options.thermalized:  # T_hs = T: seed 003 Eq. 2.15 with T_hs = T
        d = w + ln_s - ln_neq_t  # ln(Y / Y_eq(T))
        if options.depletion:
            dw = dtau_factor * sy * (_exp(ln_sv_t) + _exp(ln_svhs_t)) * _expm1(-2.0 * d)
        else:
            dw = dtau_factor * sy * _exp(ln_sv_t - 2.0 * d)
        return jnp.stack([jnp.zeros_like(r), dw])

    t_hs = temperature * _exp(r)
    ln_sv_h, ln_sve_h, ln_svhs_h = ln_rates_at(model, table, tau - r)
    ln_neq_h = thermal.ln_n_eq(model, t_hs)
    d = w + ln_s - ln_neq_h  # ln(Y / Y_eq(T_hs))
    a_n = ln_sv_t - ln_sv_h + 2.0 * (ln_neq_t - ln_neq_h - d)  # ln[Gamma_n(T) / ((n/n_eq(T_hs))^2 Gamma_n(T_hs))]
    a_e = ln_sve_t - ln_sve_h + 2.0 * (ln_neq_t - ln_neq_h - d)
    sv_h, sve_h, svhs_h = _exp(ln_sv_h), _exp(ln_sve_h), _exp(ln_svhs_h)
    if options.depletion:
        rel_n, rel_e, rel_hs = _expm1(a_n), _expm1(a_e), _expm1(-2.0 * d)
    else:  # production only
        rel_n, rel_e, rel_hs = _exp(a_n), _exp(a_e), 0.0
    number_rate = sv_h * rel_n + svhs_h * rel_hs  # C_n / (s Y)^2, shared by both equations
    dw = dtau_factor * sy * number_rate  # seed 003 Eq. 2.15

    mean_e, dmean_e = thermal.mean_energy_and_slope(model, t_hs)  # B(T_hs), dB/dT_hs in closed form
    collisions = sy * y_dm / temperature * (sve_h * rel_e - mean_e * number_rate)
    rho_bath = model.g_hs_bath * math.pi**2 / 30.0 * t_hs**4 / (s * temperature)  # / (s T)
    numerator = collisions - 4.0 * hubble * rho_bath - 3.0 * hubble * y_dm * _exp(r)
    denominator = 4.0 * rho_bath + y_dm * _exp(r) * dmean_e
    dr = dtau_factor * numerator / denominator + 1.0  # from seed 003 Eqs. 2.14 and 2.16
    if options.kinetic_relaxation:
        dr = dr - options.kinetic_relaxation * r
    return jnp.stack([dr, dw])


#: |ln(Y / Y_eq(T_hs))| below which a step's chord Newton runs in the departure coordinates
DEPARTURE_SWITCH = 1.0


def _ln_y_eq(tau, r, args):
    """ln Y_eq(T_hs) = ln n_eq(T_hs) - ln s(T) at x = exp(tau), T_hs = T exp(r), scalar."""
    model, _, options = args
    temperature = model.m_chi * _exp(-tau)
    _, s, _ = sm.background(temperature, options.gstar)
    return thermal.ln_n_eq(model, temperature * _exp(r)) - jnp.log(s)


class DepartureCoordinates(NewtonCoordinates):
    """Newton coordinates of the two-temperature system for ``esdirk.Kvaerno5Chord``:
    u = (ln(T_hs/T), ln(Y / Y_eq(T_hs))) where chi is near chemical equilibrium with the hidden
    sector (|ln(Y / Y_eq(T_hs))| < ``DEPARTURE_SWITCH`` at the start of the step), else u = y.

    Why (issue 12, item 2): tightly coupled, the rows of the Jacobian in (r, ln Y) are ~Gamma h
    and nearly parallel, and a chord iteration with the step's frozen Jacobian stalls; in the
    departure d = ln(Y / Y_eq(T_hs)) the fast variable is a coordinate. After freeze-out d grows
    like m_chi / T_hs and ln Y is the smooth variable, so the map is switched off there (measured
    on the 76-point benchmark set: d everywhere failed 41 of 76 points at max_steps, the switch
    none). The ODE state and the stage equations stay (r, ln Y): only Newton's path changes.

    Y_eq(T_hs) = n_eq(T_hs) / s(T) (``thermal.ln_n_eq``, ``sm.background``), the same functions
    as ``vector_field``. Shapes: t scalar (ln x), y and u (2,) = (ln(T_hs/T), ln Y) and
    (ln(T_hs/T), ln Y - p ln Y_eq(T_hs)), p a scalar in {0, 1}; args: the vector field's
    ``(model, table, options)``. Raises nothing (traced). Source: the state of seed 003
    Eqs. 2.14-2.16 (module docstring); the chord iteration of Hairer & Wanner, Solving ODEs II,
    Sec. IV.8.
    """

    def parameter(self, t, y, args):
        """1.0 where |d| < DEPARTURE_SWITCH at (t, y), else 0.0 (scalar; frozen for the step)."""
        d = y[1] - _ln_y_eq(t, y[0], args)
        return jnp.where(jnp.abs(d) < DEPARTURE_SWITCH, 1.0, 0.0)

    def to_newton(self, t, y, args, p):
        """(r, ln Y - p ln Y_eq(T_hs)), shape (2,)."""
        return jnp.stack([y[0], y[1] - p * _ln_y_eq(t, y[0], args)])

    def from_newton(self, t, u, args, p):
        """(r, u_1 + p ln Y_eq(T_hs)), shape (2,) (inverse of ``to_newton``)."""
        return jnp.stack([u[0], u[1] + p * _ln_y_eq(t, u[0], args)])
