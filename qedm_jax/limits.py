"""ESPP 2026 constraint and sensitivity curves for the BC2 benchmark.

Every curve of ``data/espp`` (ESPP2026-PPG/Quasi-elastic-DM @ 39215e42, see
``data/SOURCES.md``) is registered here with the label it has on the European Strategy
figures (``ESPP_ElasticDM.png``, ``ESPP_QuasiElasticDM.png``). All curves are in the plane
(m_chi [GeV], Y_BC2 = epsilon^2 alpha_D (m_chi / m_A)^4) at the BC2 benchmark
alpha_D = 0.1, m_A = 3 m_chi; they cannot be rescaled to other parameters here.

Filtering rule (one rule for every file, applied by ``load_curve``): a point is kept when
m_chi and Y_BC2 are finite, ``0 < Y_BC2 <= Y_BC2_MAX`` and
``M_CHI_MIN_GEV <= m_chi <= M_CHI_MAX_GEV``. Y_BC2 <= 1 holds for any perturbative point
(epsilon <= 1, alpha_D <= 1, m_chi < m_A); the merged outlines use Y_BC2 = 1 exactly as the
upper edge of the excluded region, so the bound is inclusive. This removes, for example,
the first 182 rows of ``Constraints_BC2_DAMIC-M-2025.csv`` (Y_BC2 up to 6e21, below
0.5 MeV). The mass window contains both figures (1e-3 to 5 GeV) with margin; it trims
SuperCDMS SNOLAB (to 954 GeV upstream), CRESST-III and the merged elastic outline
(to 10.8 GeV), all outside the figures.

Point order is kept as in the file: the merged constraints are closed outlines (last point
= first point), and some limit curves double back, so sorting would destroy them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import io

__all__ = [
    "Curve",
    "CurveEntry",
    "REGISTRY",
    "BC2_FIGURES",
    "ESPP_ALPHA_D",
    "ESPP_M_A_OVER_M_CHI",
    "M_CHI_MIN_GEV",
    "M_CHI_MAX_GEV",
    "Y_BC2_MAX",
    "load_curve",
    "load_all",
    "bc2_figure_curves",
]

#: alpha_D of the ESPP BC2 curves (dimensionless)
ESPP_ALPHA_D = 0.1
#: m_A / m_chi of the ESPP BC2 curves (dimensionless; the figures write m_chi/m_V = 1/3)
ESPP_M_A_OVER_M_CHI = 3.0
#: lower end of the kept mass window [GeV]
M_CHI_MIN_GEV = 1e-4
#: upper end of the kept mass window [GeV]
M_CHI_MAX_GEV = 10.0
#: largest kept Y_BC2 (dimensionless, inclusive): epsilon, alpha_D <= 1 and m_chi < m_A give Y < 1
Y_BC2_MAX = 1.0

_KINDS = ("constraint", "sensitivity")
_UPSTREAM = "ESPP2026-PPG/Quasi-elastic-DM @ 39215e42bfc8d4fd89c7926af84e7568be203c32"
_CRIVELLI = "provided by P. Crivelli (NA64 input to the ESPP 2025)"
_FPF = "Forward Physics Facility, arXiv:2203.05090 Fig. 5.2"


@dataclasses.dataclass(frozen=True, eq=False)
class Curve:
    """One ESPP curve after filtering.

    Attributes:
        name: registry key, e.g. ``"na64mu-3e11"``.
        label: matplotlib (mathtext) label as on the ESPP figures, ASCII.
        kind: ``"constraint"`` (excluded today) or ``"sensitivity"`` (projection).
        m_chi: DM mass [GeV], shape (n,), read-only, in file order.
        Y_BC2: epsilon^2 alpha_D (m_chi/m_A)^4 at alpha_D = 0.1, m_A = 3 m_chi, shape (n,),
            read-only, in file order.
        source: provenance (upstream repository, file, and reference where known).
    """

    name: str
    label: str
    kind: str
    m_chi: np.ndarray
    Y_BC2: np.ndarray
    source: str

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"Curve.kind must be one of {_KINDS}, got {self.kind!r}")
        if self.m_chi.shape != self.Y_BC2.shape or self.m_chi.ndim != 1:
            raise ValueError(f"Curve {self.name!r}: m_chi {self.m_chi.shape} and Y_BC2 {self.Y_BC2.shape} must be equal 1-D shapes")

    @property
    def is_closed(self) -> bool:
        """True for a closed outline of a region (last point equals the first)."""
        return bool(self.m_chi.size > 2 and self.m_chi[0] == self.m_chi[-1] and self.Y_BC2[0] == self.Y_BC2[-1])


@dataclasses.dataclass(frozen=True)
class CurveEntry:
    """Registry entry of one data file.

    Attributes:
        path: path below ``data/``.
        label: mathtext label as on the ESPP figures.
        kind: ``"constraint"`` or ``"sensitivity"``.
        source: provenance beyond the upstream repository (reference, author).
    """

    path: str
    label: str
    kind: str
    source: str


def _c(file: str, label: str, source: str) -> CurveEntry:
    return CurveEntry(f"espp/constraints/{file}", label, "constraint", source)


def _s(file: str, label: str, source: str) -> CurveEntry:
    return CurveEntry(f"espp/sensitivities/{file}", label, "sensitivity", source)


#: every file in ``data/espp``: name -> entry. Labels follow the ESPP figures where the
#: curve is drawn there; the individual constraints (not drawn on the figures, which fill
#: only the merged outlines) get descriptive labels.
REGISTRY: dict[str, CurveEntry] = {
    # merged constraints: closed outlines, filled grey on the figures
    "elastic-merged": _c("Constraints_BC2-elastic_Merged.csv", "excluded (elastic)",
                         "merged constraints for elastic scattering (upstream 'Merged constraints/')"),
    "quasi-elastic-merged": _c("Constraints_BC2-quasi-elastic_Merged.csv", "excluded (quasi-elastic)",
                               "merged constraints for quasi-elastic scattering (upstream 'Merged constraints/')"),
    # individual constraints
    "babar": _c("Constraints_BC2_BaBar.csv", "BaBar", f"BaBar mono-photon; {_CRIVELLI}"),
    "cresst-iii-nr": _c("Constraints_BC2_CRESST-III-NR.csv", "CRESST-III (NR)", "CRESST-III nuclear recoil"),
    "damic-m-2025": _c("Constraints_BC2_DAMIC-M-2025.csv", "DAMIC-M (2025)", "DAMIC-M 2025 DM-electron scattering"),
    "darkside-50-electron": _c("Constraints_BC2_DarkSide-electron-50-2023.csv", "DarkSide-50 (electron)",
                               "DarkSide-50 2023 DM-electron scattering"),
    "darkside-50-nucleon": _c("Constraints_BC2_DarkSide-nucleon-50-2023.csv", "DarkSide-50 (nucleon)",
                              "DarkSide-50 2023 DM-nucleon scattering; header '\"mass\"/1000': mass already in GeV"),
    "na64e-plus-2022": _c("Constraints_BC2_NA64e+2022.csv", "NA64$_{e^+}$ (2022)", f"NA64 positron beam; {_CRIVELLI}"),
    "na64e-minus-2022": _c("Constraints_BC2_NA64e-2022.csv", "NA64$_{e^-}$ (2022)", f"NA64 electron beam; {_CRIVELLI}"),
    "na64mu-2022": _c("Constraints_BC2_NA64mu2022.csv", r"NA64$_{\mu}$ (2022)", f"NA64 muon beam; {_CRIVELLI}"),
    "pandax-2023": _c("Constraints_BC2_PandaX-2023.csv", "PandaX-4T (2023)", "PandaX 2023 DM-electron scattering"),
    # accelerator sensitivities
    "faser-nu2": _s("Sensitivities_BC2_FASERnu2.csv", r"FASER$\nu$2", _FPF),
    "flare": _s("Sensitivities_BC2_FLARE.csv", "FLArE", _FPF),
    "ship": _s("Sensitivities_BC2_SHiP.csv", "SHiP", "SHiP, arXiv:2409.11096"),
    "na64e-1e13": _s("Sensitivities_BC2_NA64e-1e13.csv", r"NA64$_{e,10^{13}}$", f"NA64e, 1e13 EOT; {_CRIVELLI}"),
    "na64mu-3e11": _s("Sensitivities_BC2_NA64mu3e11.csv", r"NA64$_{\mu,3\times10^{11}}$", f"NA64mu, 3e11 MOT; {_CRIVELLI}"),
    "na64mu-2e13": _s("Sensitivities_BC2_NA64mu2e13.csv", r"NA64$_{\mu,2\times10^{13}}$", f"NA64mu, 2e13 MOT; {_CRIVELLI}"),
    "na64mu-1e14": _s("Sensitivities_BC2_NA64mu1e14.csv", r"NA64$_{\mu,10^{14}}$", f"NA64mu, 1e14 MOT; {_CRIVELLI}"),
    "belle-ii": _s("Sensitivities_BC2_Belle_II.csv", "Belle-II", "Belle II, arXiv:1911.03176"),
    "lohengrin": _s("Sensitivities_BC2_Lohengrin.csv", "Lohengrin", "Lohengrin (ELSA, Bonn) missing energy"),
    # direct-detection sensitivities
    "oscura": _s("Sensitivities_BC2_Oscura.csv", "Oscura", "Oscura DM-electron scattering projection"),
    "darksphere": _s("Sensitivities_BC2_DarkSPHERE.csv", "DarkSPHERE", "DarkSPHERE projection"),
    "supercdms-snolab": _s("Sensitivities_BC2_SuperCDMS_SNOLAB.csv", "SuperCDMS\n(SNOLAB)", "SuperCDMS SNOLAB projection"),
    "darkside-20k-electron": _s("Sensitivities_BC2_darkside20k-DMe-heavymed-18t-yr.csv", "DarkSide-20k\n(electron)",
                                "DarkSide-20k DM-electron, heavy mediator, 18 t yr"),
    "darkside-20k-migdal": _s("Sensitivities_BC2_darkside20k-O1subGeVMigdal-18t-yr.csv", "DarkSide-20k\n(Migdal)",
                              "DarkSide-20k sub-GeV Migdal (O1), 18 t yr"),
}

_ACCELERATOR = ("faser-nu2", "flare", "ship", "na64e-1e13", "na64mu-3e11", "na64mu-2e13", "na64mu-1e14",
                "belle-ii", "lohengrin")
_DIRECT_DETECTION = ("oscura", "darksphere", "supercdms-snolab", "darkside-20k-electron", "darkside-20k-migdal")

#: curves drawn on each ESPP BC2 figure, in drawing order: the merged constraint (filled)
#: first, then the sensitivities (data/SOURCES.md, espp/)
BC2_FIGURES: dict[str, tuple[str, ...]] = {
    "elastic": ("elastic-merged",) + _ACCELERATOR + _DIRECT_DETECTION,
    "quasi-elastic": ("quasi-elastic-merged",) + _ACCELERATOR,
}


def _keep(m_chi: np.ndarray, y_bc2: np.ndarray) -> np.ndarray:
    """The module's filtering rule (see the module docstring) as a boolean mask."""
    finite = np.isfinite(m_chi) & np.isfinite(y_bc2)
    return finite & (y_bc2 > 0.0) & (y_bc2 <= Y_BC2_MAX) & (m_chi >= M_CHI_MIN_GEV) & (m_chi <= M_CHI_MAX_GEV)


def load_curve(name: str) -> Curve:
    """Load and filter one registered curve.

    Args:
        name: a key of ``REGISTRY``.

    Returns:
        The ``Curve``, points in file order, filtered by the module's rule.

    Raises:
        KeyError: unknown ``name`` (the message lists the names).
        qedm_jax.io.DataFileError: malformed file, or no point survives the filter.
        FileNotFoundError: the data file is not shipped.
    """
    if name not in REGISTRY:
        raise KeyError(f"unknown ESPP curve {name!r}; known: {', '.join(REGISTRY)}")
    entry = REGISTRY[name]
    path = io.data_path(entry.path)
    table = io.read_espp_csv(path)
    keep = _keep(table[:, 0], table[:, 1])
    if not np.any(keep):
        raise io.DataFileError(f"{path}: no point with {M_CHI_MIN_GEV} <= m_chi <= {M_CHI_MAX_GEV} GeV and 0 < Y <= {Y_BC2_MAX}")
    m_chi = np.array(table[keep, 0])
    y_bc2 = np.array(table[keep, 1])
    m_chi.setflags(write=False)
    y_bc2.setflags(write=False)
    source = f"{_UPSTREAM}, {entry.path.split('/')[-1]}; {entry.source}"
    return Curve(name=name, label=entry.label, kind=entry.kind, m_chi=m_chi, Y_BC2=y_bc2, source=source)


def load_all() -> dict[str, Curve]:
    """Load every registered curve.

    Returns:
        name -> ``Curve``, in ``REGISTRY`` order.

    Raises:
        qedm_jax.io.DataFileError: a malformed file.
    """
    return {name: load_curve(name) for name in REGISTRY}


def bc2_figure_curves(kind: str) -> list[Curve]:
    """The curves drawn on one ESPP BC2 figure.

    Args:
        kind: ``"elastic"`` (merged elastic constraint, accelerator and direct-detection
            sensitivities) or ``"quasi-elastic"`` (merged quasi-elastic constraint and the
            accelerator sensitivities; no direct detection).

    Returns:
        The curves in drawing order: the merged constraint first, then the sensitivities
        (``BC2_FIGURES[kind]``).

    Raises:
        ValueError: unknown ``kind``.
    """
    if kind not in BC2_FIGURES:
        raise ValueError(f"kind must be one of {sorted(BC2_FIGURES)}, got {kind!r}")
    return [load_curve(name) for name in BC2_FIGURES[kind]]
