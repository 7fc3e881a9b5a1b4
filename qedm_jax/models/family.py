"""Model families: the fixed parameters of a line or grid, and the one place that builds, checks
and bounds each family's parameter points.

A relic line or grid varies (m_chi, alpha_D, epsilon) and keeps everything else fixed: the BC2
species, m_A / m_chi and Delta / m_chi, or the secluded m_chi / m_ZD. A ``ModelFamily`` holds
those fixed parameters (hashable and immutable, so it can key compilations) and supplies

* ``point(m_chi, alpha_D, epsilon)``: the ``AbstractModel`` at one point (jnp scalars in, may be
  traced: no Python control flow on them);
* ``check(m_chi, alpha_D, epsilon)``: every range checked on concrete numbers before anything is
  traced (``ValueError`` naming the parameter and its allowed range);
* ``validity_warnings(...)``: one line per parameter that leaves the family's range of validity
  (the run goes on; the physics is then outside what the model describes);
* the family's defaults and definitions that differ between families (two-temperature start,
  the masses of a default line, how the thermalization floor is read off).

The relic code (``qedm_jax.relic``) and the public API (``qedm_jax.api``) take a family and need
nothing else from a model family: a new family is a model class plus a ``ModelFamily``.
"""

from __future__ import annotations

import abc
import dataclasses
import math

import numpy as np

from .. import constants as c
from .. import sm
from .base import AbstractModel
from .bc2 import BC2, SPECIES
from .secluded import SecludedDirac

__all__ = ["ModelFamily", "BC2Family", "SecludedFamily", "FAMILIES", "FLOOR_METHODS", "make_family"]

#: names of the families (``make_family``, ``--model``)
FAMILIES = ("bc2", "secluded")
#: how the thermalization floor is read off (``ModelFamily.floor_method``)
FLOOR_METHODS = ("plateau", "maximum")
#: alpha_D above this is flagged: g_D = sqrt(4 pi alpha_D) > sqrt(4 pi), tree level unreliable
ALPHA_D_PERTURBATIVE = 1.0
#: BC2: m_A above this is flagged: the photon-like A' couplings neglect Z mixing, O(m_A^2 / m_Z^2)
#: (1.2% at 10 GeV; seed 003 App. A has the full mixing)
M_A_PHOTON_LIKE_MAX = 10.0
#: T0 = m_chi / x0 must lie inside the g_star table [GeV]
T_START_MAX = sm._T_GSTAR_MAX
# secluded default alpha_D range of a relic grid (SecludedFamily.default_alpha_range)
_ALPHA_TF_REF = 4.0e-4  # alpha_D^TF at m_chi = 10 GeV, m_ZD = 1 GeV (bench_two_temperature)
_M_CHI_REF = 10.0  # GeV, the mass of _ALPHA_TF_REF
_X_FREEZE = 20.0  # x = m_chi / T at freeze-out, only to pick g_star
_ALPHA_HI_OVER_TF = 1.25  # top of the default range / estimated alpha_D^TF
_ALPHA_LO_OVER_HI = 2.0e-5  # bottom / top of the default range


def _number(name: str, value, allowed: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number {allowed}; got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return v


def check_positive(name: str, value, upper: float | None = None, what: str | None = None) -> float:
    """``value`` as a float in (0, upper) (upper None: (0, inf)); ``ValueError`` naming ``name``.

    Args:
        name: parameter name used in the message.
        value: a number.
        upper: exclusive upper bound, or None.
        what: allowed range as text (default from the bounds).

    Returns:
        ``float(value)``.

    Raises:
        ValueError: not a finite number in range.
    """
    allowed = what or ("> 0" if upper is None else f"in (0, {upper:g})")
    v = _number(name, value, allowed)
    if not (v > 0.0 and (upper is None or v < upper)):
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return v


def check_values(name: str, values, lower: float = 0.0, upper: float | None = None,
                 allowed: str = "> 0") -> np.ndarray:
    """A parameter axis as a float64 1-d array of finite values in (lower, upper).

    Args:
        name: parameter name used in the message.
        values: a number or a sequence of numbers.
        lower, upper: open bounds (``upper`` None: unbounded above).
        allowed: the allowed range in words, for the message (e.g. "in (0, 1)").

    Returns:
        float64 array, shape (n,), n >= 1.

    Raises:
        ValueError: None, empty, not 1-d, or a value not finite or outside (lower, upper).
    """
    if values is None:
        raise ValueError(f"{name} is required (a value or a list)")
    try:
        array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or a list of numbers {allowed}; got {values!r}") from None
    if array.ndim != 1 or array.size < 1:
        raise ValueError(f"{name} needs at least one value (a 1-d list), got shape {array.shape}")
    for v in array:
        if not (math.isfinite(v) and v > lower and (upper is None or v < upper)):
            raise ValueError(f"{name}: every value must be {allowed}; got {float(v)!r}")
    return array


def check_masses(m_chi, name: str = "m_chi") -> np.ndarray:
    """DM masses as a float64 1-d array of finite values > 0 GeV (``check_values``).

    Args:
        m_chi: a mass or a sequence of masses [GeV].
        name: parameter name used in the message.

    Returns:
        float64 array, shape (n,), n >= 1.

    Raises:
        ValueError: empty, not 1-d, or a value not finite and > 0.
    """
    return check_values(name, m_chi, 0.0, None, "> 0 GeV")


@dataclasses.dataclass(frozen=True)
class ModelFamily(abc.ABC):
    """Fixed parameters of a model family (abstract). Frozen and hashable.

    Attributes:
        ratio: the family's mass ratio (BC2: m_A / m_chi; secluded: m_chi / m_ZD).
        rratio: R-ratio table name (``qedm_jax.sm``).
    """

    ratio: float
    rratio: str

    #: family name (``FAMILIES``)
    name = "abstract"
    #: how ``qedm_jax.relic.floor`` reads the thermalization floor off (``FLOOR_METHODS``)
    floor_method = "plateau"
    #: start x0 = m_chi / T0 of the two-temperature solve
    x0_two_temperature = 1.0e-3
    #: default alpha_D of a freeze-in line
    alpha_D_freeze_in = 1.0e-8
    #: default DM masses [GeV] of the freeze-in and floor commands
    default_masses = ()
    #: whether an epsilon thermal target (thermalized freeze-out root in epsilon) exists
    has_epsilon_target = False

    @abc.abstractmethod
    def point(self, m_chi, alpha_D, epsilon, ratio=None) -> AbstractModel:
        """The parameter point (jnp or Python scalars; may be traced).

        Args:
            m_chi: DM mass [GeV], scalar.
            alpha_D: dark coupling, scalar.
            epsilon: photon-like kinetic mixing, scalar.
            ratio: the family's mass ratio, scalar (may be traced); None: ``self.ratio``.

        Returns:
            ``AbstractModel``.
        """

    def channel_open(self, m_chi) -> np.ndarray:
        """Whether an SM annihilation channel is open at each mass (where a relic root can exist).

        Args:
            m_chi: DM masses [GeV], shape (n,).

        Returns:
            bool array, shape (n,): m_chi > m_e (annihilation into e+ e- is the lightest channel).
        """
        return np.asarray(m_chi, dtype=np.float64) > c.M_E

    def static_key(self) -> tuple:
        """The fields that fix the compiled code: every field but ``ratio`` (which may be traced).

        Returns:
            ``(type(self), *values)``: the family class, then the value of every dataclass field
            except ``ratio``, in field order (e.g. BC2: ``(BC2Family, rratio, species, delta)``);
            hashable, equal for families that share a compilation.
        """
        return (type(self),) + tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "ratio")

    def default_alpha_range(self, m_chi: float) -> tuple[float, float]:
        """Default alpha_D range of a relic grid at one mass (families without one raise).

        Args:
            m_chi: DM mass [GeV].

        Returns:
            ``(alpha_lo, alpha_hi)``.

        Raises:
            ValueError: the family has no default range.
        """
        raise ValueError(f"model {self.name} has no default alpha_D range of a relic grid: give alpha_D_range")

    @abc.abstractmethod
    def check(self, m_chi, alpha_D=None, epsilon=None) -> None:
        """Check concrete inputs before tracing (None: not checked).

        Args:
            m_chi: DM masses [GeV], scalar or 1-d.
            alpha_D: dark coupling(s), scalar or 1-d, or None.
            epsilon: photon-like mixing(s), scalar or 1-d, or None.

        Raises:
            ValueError: the message names the parameter and its allowed range.
        """

    def validity_warnings(self, m_chi, alpha_D=None, epsilon=None) -> list[str]:
        """One line per parameter outside the family's range of validity (see the subclasses).

        Args:
            m_chi: DM masses [GeV], scalar or 1-d.
            alpha_D: dark coupling(s), or None.
            epsilon: photon-like mixing(s), or None.

        Returns:
            Warning lines (empty when every value is inside).
        """
        out = []
        if alpha_D is not None:
            a_max = float(np.max(np.asarray(alpha_D, dtype=np.float64)))
            if a_max > ALPHA_D_PERTURBATIVE:
                out.append(f"alpha_D = {a_max:g} > {ALPHA_D_PERTURBATIVE:g}: g_D > sqrt(4 pi), outside the perturbative "
                           "regime (tree-level cross sections unreliable)")
        return out

    def check_start(self, m_chi, x0: float) -> None:
        """T0 = m_chi / x0 of a two-temperature solve must lie in the g_star table.

        Args:
            m_chi: DM masses [GeV], scalar or 1-d.
            x0: start x, in (0, 1).

        Raises:
            ValueError: x0 outside (0, 1) or m_chi / x0 above ``T_START_MAX``.
        """
        x0 = _number("x0", x0, "in (0, 1)")
        if not 0.0 < x0 < 1.0:
            raise ValueError(f"x0 must be in (0, 1) (start above m_chi); got {x0!r}")
        m_max = float(np.max(np.asarray(m_chi, dtype=np.float64)))
        if m_max / x0 > T_START_MAX:
            raise ValueError(f"m_chi must be <= {T_START_MAX * x0:g} GeV at x0 = {x0:g} (start temperature m_chi / x0 "
                             f"<= {T_START_MAX:g} GeV, the end of the g_star table); got {m_max:g}")

    @abc.abstractmethod
    def header(self) -> dict[str, str]:
        """CSV header entries that describe the family (model, fixed parameters, units).

        Returns:
            ``{key: value}``, one-line strings for ``io.write_target_csv``'s ``header``: always
            ``"model"`` (a description naming the module), then the fixed parameters, with the
            mass ratio as ``repr`` of its float.
        """

    @abc.abstractmethod
    def label(self) -> str:
        """Legend label (matplotlib mathtext).

        Returns:
            One-line label naming the model and its fixed parameters.
        """


_SPECIES_LABELS = {"scalar": "complex scalar", "majorana": "Majorana", "dirac": "Dirac", "pseudo-dirac": "pseudo-Dirac"}


@dataclasses.dataclass(frozen=True)
class BC2Family(ModelFamily):
    """BC2: DM coupled to an invisibly decaying dark photon A' (``qedm_jax.models.bc2``).

    Range of validity (``validity_warnings``): m_chi above m_e (below it no SM channel is open:
    no freeze-out, no freeze-in); m_A = ratio m_chi <= ``M_A_PHOTON_LIKE_MAX`` (the A' couples
    photon-like, as epsilon e Q_f; near m_Z the Z mixing of seed 003 App. A matters);
    alpha_D <= ``ALPHA_D_PERTURBATIVE``.

    Attributes:
        species: "scalar", "majorana", "dirac" or "pseudo-dirac".
        ratio: m_A / m_chi, > 2 (> 2 + delta for pseudo-Dirac).
        delta: Delta / m_chi = (m_chi2 - m_chi1) / m_chi1, >= 0 (pseudo-Dirac; 0 is stored for
            the other species).
        rratio: R-ratio table name.
    """

    ratio: float = 3.0
    rratio: str = sm.DEFAULT_RRATIO
    species: str = "dirac"
    delta: float = 0.1

    name = "bc2"
    floor_method = "maximum"
    x0_two_temperature = 1.0e-2
    alpha_D_freeze_in = 0.5
    default_masses = tuple(float(m) for m in np.geomspace(1e-3, 2.0, 12))
    has_epsilon_target = True

    def __post_init__(self):
        if self.species not in SPECIES:
            raise ValueError(f"species must be one of {', '.join(SPECIES)}; got {self.species!r}")
        delta = _number("delta", self.delta, ">= 0 (Delta / m_chi)")
        if delta < 0.0:
            raise ValueError(f"delta (Delta / m_chi) must be >= 0; got {self.delta!r}")
        object.__setattr__(self, "delta", delta if self.species == "pseudo-dirac" else 0.0)
        minimum = 2.0 + self.delta
        ratio = _number("ratio", self.ratio, f"> {minimum:g}")
        if not ratio > minimum:
            what = "m_A > m_chi1 + m_chi2" if self.species == "pseudo-dirac" else "m_A > 2 m_chi"
            raise ValueError(f"ratio = m_A / m_chi must be > {minimum:g} ({what}: invisible A' decay); got {self.ratio!r}")
        object.__setattr__(self, "ratio", ratio)

    def point(self, m_chi, alpha_D, epsilon, ratio=None) -> BC2:
        ratio = self.ratio if ratio is None else ratio
        return BC2(m_chi=m_chi, m_A=ratio * m_chi, alpha_D=alpha_D, epsilon=epsilon, delta=self.delta,
                   species=self.species, rratio=self.rratio)

    def check(self, m_chi, alpha_D=None, epsilon=None) -> None:
        check_masses(m_chi)
        for a in np.atleast_1d(alpha_D) if alpha_D is not None else ():
            check_positive("alpha_D", a)
        for e in np.atleast_1d(epsilon) if epsilon is not None else ():
            check_positive("epsilon", e, upper=1.0)

    def validity_warnings(self, m_chi, alpha_D=None, epsilon=None) -> list[str]:
        masses = np.atleast_1d(np.asarray(m_chi, dtype=np.float64))
        out = []
        if np.min(masses) <= c.M_E:
            out.append(f"m_chi = {np.min(masses):g} GeV <= m_e = {c.M_E:g} GeV: no SM annihilation channel is open "
                       "(no relic line exists there; those masses end with a failure status)")
        m_a = self.ratio * float(np.max(masses))
        if m_a > M_A_PHOTON_LIKE_MAX:
            out.append(f"m_A = ratio * m_chi = {m_a:g} GeV > {M_A_PHOTON_LIKE_MAX:g} GeV: the A' couplings are "
                       "photon-like (no Z mixing), invalid near and above m_Z (use --model secluded there)")
        return out + super().validity_warnings(m_chi, alpha_D, epsilon)

    def header(self) -> dict[str, str]:
        """See ``ModelFamily.header``.

        Returns:
            ``{"model", "species", "m_A_over_m_chi", "delta_over_m_chi"}`` entries (delta is 0.0
            except for pseudo-Dirac).
        """
        return {"model": f"bc2 {self.species} (invisible dark photon, qedm_jax.models.bc2)",
                "species": self.species, "m_A_over_m_chi": repr(self.ratio), "delta_over_m_chi": repr(self.delta)}

    def label(self) -> str:
        """See ``ModelFamily.label``.

        Returns:
            The species and m_A' = ratio m_chi (and Delta for pseudo-Dirac), e.g.
            ``"Dirac ($m_{A'} = 3\\,m_\\chi$)"``.
        """
        text = rf"{_SPECIES_LABELS[self.species]} ($m_{{A'}} = {self.ratio:g}\,m_\chi$"
        if self.species == "pseudo-dirac":
            text += rf", $\Delta = {self.delta:g}\,m_\chi$"
        return text + ")"


@dataclasses.dataclass(frozen=True)
class SecludedFamily(ModelFamily):
    """Secluded Dirac DM with a visibly decaying Z_D mixed with the Z (seed 003,
    ``qedm_jax.models.secluded``).

    Range of validity (``validity_warnings``): m_ZD = m_chi / ratio above 2 m_e (the Z_D decays
    visibly; seed 003 Sec. 2.1); alpha_D <= ``ALPHA_D_PERTURBATIVE``; the Z_D bath is
    relativistic inside the hidden sector (m_ZD -> 0, seed 003 Sec. 2.2), best for ratio >= 10.
    ``check``: |epsilon| < cos(theta_W) and (epsilon, m_ZD) outside the Z - Z_D mass-repulsion gap.

    Attributes:
        ratio: m_chi / m_ZD, > 1.
        rratio: R-ratio table name.
    """

    ratio: float = 10.0
    rratio: str = sm.DEFAULT_RRATIO

    name = "secluded"
    floor_method = "plateau"
    x0_two_temperature = 1.0e-3
    alpha_D_freeze_in = 1.0e-8
    default_masses = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
    has_epsilon_target = False

    def __post_init__(self):
        ratio = _number("ratio", self.ratio, "> 1 (m_ZD = m_chi / ratio < m_chi)")
        if not ratio > 1.0:
            raise ValueError(f"ratio = m_chi / m_ZD must be > 1 (m_ZD < m_chi); got {self.ratio!r}")
        object.__setattr__(self, "ratio", ratio)

    def point(self, m_chi, alpha_D, epsilon, ratio=None) -> SecludedDirac:
        ratio = self.ratio if ratio is None else ratio
        return SecludedDirac(m_chi=m_chi, m_ZD=m_chi / ratio, alpha_D=alpha_D, epsilon=epsilon,
                             rratio=self.rratio)

    def check(self, m_chi, alpha_D=None, epsilon=None) -> None:
        masses = check_masses(m_chi)
        for a in np.atleast_1d(alpha_D) if alpha_D is not None else ():
            check_positive("alpha_D", a)
        cos_w = math.sqrt(1.0 - c.SIN2_THETA_W)
        eps = [] if epsilon is None else [check_positive("epsilon", e, upper=cos_w, what=f"in (0, cos theta_W = "
                                                                                       f"{cos_w:.4f})")
                                          for e in np.atleast_1d(epsilon)]
        if eps:  # the Z - Z_D mass-repulsion gap is widest at the largest epsilon
            eps_y = max(eps) / cos_w
            eta = eps_y / math.sqrt(1.0 - eps_y**2)
            sin_w = math.sqrt(c.SIN2_THETA_W)
            for m in masses:
                m_zd = m / self.ratio
                if abs(c.M_Z**2 - m_zd**2) < 2.0 * eta * sin_w * c.M_Z * m_zd:
                    raise ValueError(f"m_chi = {m:g} GeV with ratio {self.ratio:g}: m_ZD = {m_zd:g} GeV is inside the "
                                     f"Z - Z_D mass-repulsion gap for epsilon up to {max(eps):g}")

    def default_alpha_range(self, m_chi: float) -> tuple[float, float]:
        """Default alpha_D range of a relic grid at one mass: freeze-in to just above alpha_D^TF.

        alpha_D^TF follows the thermal relic of chi chibar -> Z_D Z_D, <sigma v> = pi alpha_D^2 /
        m_chi^2 (DESIGN.md), with Omega ~ 1 / (sqrt(g_star) <sigma v>) at x_f ~ 20, so alpha_D^TF ~
        m_chi g_star^(-1/4), scaled from 4e-4 at 10 GeV (benchmarks/results/bench_two_temperature_*).
        The top is 1.25 times that (alpha_D >~ 2.5 alpha_D^TF at epsilon >~ 1e-6 needs more than
        8192 steps), the bottom 2e-5 times the top. Check (thermalized solves at the estimate,
        m_ZD = m_chi / 10, epsilon = 1e-5): Omega h^2 = 0.079, 0.084, 0.092, 0.106, 0.103, 0.102,
        0.103 at m_chi = 0.1, 0.3, 1, 3, 10, 30, 100 GeV, so the estimate lies 2-20% above the
        one-temperature alpha_D and the top 1.3-1.5 times above it.

        Args:
            m_chi: DM mass [GeV], > 0.

        Returns:
            ``(alpha_lo, alpha_hi)``.
        """
        g_ref = float(sm.g_star(_M_CHI_REF / _X_FREEZE))
        g = float(sm.g_star(m_chi / _X_FREEZE))
        hi = _ALPHA_HI_OVER_TF * _ALPHA_TF_REF * (m_chi / _M_CHI_REF) * (g_ref / g) ** 0.25
        return _ALPHA_LO_OVER_HI * hi, hi

    def validity_warnings(self, m_chi, alpha_D=None, epsilon=None) -> list[str]:
        masses = np.atleast_1d(np.asarray(m_chi, dtype=np.float64))
        out = []
        m_zd = float(np.min(masses)) / self.ratio
        if m_zd <= 2.0 * c.M_E:
            out.append(f"m_ZD = m_chi / ratio = {m_zd:g} GeV <= 2 m_e: the Z_D cannot decay visibly (the secluded "
                       "model of seed 003 assumes it does)")
        return out + super().validity_warnings(m_chi, alpha_D, epsilon)

    def header(self) -> dict[str, str]:
        """See ``ModelFamily.header``.

        Returns:
            ``{"model", "m_chi_over_m_ZD"}`` entries.
        """
        return {"model": "secluded Dirac DM, visibly decaying Z_D (seed 003, qedm_jax.models.secluded)",
                "m_chi_over_m_ZD": repr(self.ratio)}

    def label(self) -> str:
        """See ``ModelFamily.label``.

        Returns:
            ``"secluded Dirac ($m_\\chi = <ratio>\\,m_{Z_D}$)"``.
        """
        return rf"secluded Dirac ($m_\chi = {self.ratio:g}\,m_{{Z_D}}$)"


def make_family(model: str | ModelFamily = "bc2", *, species: str | None = None, ratio: float | None = None,
                delta: float | None = None, rratio: str = sm.DEFAULT_RRATIO) -> ModelFamily:
    """The model family from its name and fixed parameters (the one place that builds each).

    Args:
        model: "bc2" or "secluded" (or a ``ModelFamily``, returned as is when no other argument
            is given).
        species: BC2 species (default "dirac"); not allowed for secluded.
        ratio: BC2 m_A / m_chi (default 3); secluded m_chi / m_ZD (default 10).
        delta: BC2 pseudo-Dirac Delta / m_chi (default 0.1; ignored for the other species); not
            allowed for secluded.
        rratio: R-ratio table name.

    Returns:
        ``BC2Family`` or ``SecludedFamily``.

    Raises:
        ValueError: unknown model, a parameter the family does not have, or one out of range.
    """
    if isinstance(model, ModelFamily):
        if species is not None or ratio is not None or delta is not None or rratio != sm.DEFAULT_RRATIO:
            raise ValueError("give the fixed parameters either in the ModelFamily or as keywords, not both")
        return model
    if model == "bc2":
        return BC2Family(species="dirac" if species is None else species, ratio=3.0 if ratio is None else ratio,
                         delta=0.1 if delta is None else delta, rratio=rratio)
    if model == "secluded":
        for option, value in (("species", species), ("delta", delta)):
            if value is not None:
                raise ValueError(f"{option} applies to model 'bc2' only (secluded Dirac DM has neither)")
        return SecludedFamily(ratio=10.0 if ratio is None else ratio, rratio=rratio)
    raise ValueError(f"model must be one of {', '.join(FAMILIES)}; got {model!r}")
