"""The package's only file reader: shipped data tables into numpy arrays in GeV.

Data files live in the repository's ``data/`` folder; the wheel ships them as
``qedm_jax/data`` (see ``pyproject.toml``). Provenance of every file: ``data/SOURCES.md``.
A malformed file raises ``DataFileError`` naming the file and the line.
"""

from __future__ import annotations

import importlib.resources
import pathlib

import numpy as np

__all__ = [
    "DataFileError",
    "data_path",
    "read_numeric_table",
    "load_gstar",
    "load_rratio",
    "GSTAR_TABLES",
    "RRATIO_TABLES",
]


class DataFileError(ValueError):
    """A data file could not be parsed; the message names the file and the line."""


def data_path(relative: str) -> pathlib.Path:
    """Absolute path of a shipped data file.

    Args:
        relative: path below ``data/``, e.g. ``"gstar/SaikawaShirai2018_geff_SM.dat"``.

    Returns:
        The path inside the installed package (wheel) or, for a source checkout, inside the
        repository's ``data/`` folder.

    Raises:
        FileNotFoundError: the file is in neither place.
    """
    candidates = [
        pathlib.Path(str(importlib.resources.files("qedm_jax"))) / "data" / relative,
        pathlib.Path(__file__).resolve().parent.parent / "data" / relative,
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(f"data file {relative!r} not found (looked in {candidates})")


def read_numeric_table(
    path: str | pathlib.Path,
    n_columns: int,
    comment_prefixes: tuple[str, ...] = ("#", "*"),
) -> np.ndarray:
    """Read a whitespace-separated numeric table.

    Blank lines and lines starting with one of ``comment_prefixes`` are skipped. Every
    other line must hold at least ``n_columns`` numbers; the first ``n_columns`` are kept.

    Args:
        path: the file.
        n_columns: number of leading columns to read.
        comment_prefixes: prefixes of lines to skip.

    Returns:
        float64 array of shape (n_rows, n_columns).

    Raises:
        DataFileError: a line is not numeric, has too few columns, or the file has no rows;
            the message names the file and the 1-based line number.
    """
    path = pathlib.Path(path)
    rows = []
    with path.open() as handle:
        for line_number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith(comment_prefixes):
                continue
            fields = stripped.replace(",", " ").split()
            if len(fields) < n_columns:
                raise DataFileError(
                    f"{path}: line {line_number}: expected {n_columns} numeric columns, "
                    f"found {len(fields)}: {stripped[:80]!r}"
                )
            try:
                rows.append([float(field) for field in fields[:n_columns]])
            except ValueError as error:
                raise DataFileError(
                    f"{path}: line {line_number}: not a number ({error}): {stripped[:80]!r}"
                ) from None
    if not rows:
        raise DataFileError(f"{path}: no data rows")
    table = np.asarray(rows, dtype=np.float64)
    if not np.all(np.isfinite(table)):
        bad = int(np.argwhere(~np.isfinite(table))[0, 0])
        raise DataFileError(f"{path}: data row {bad + 1}: non-finite value")
    return table


# name -> (relative path, column of T, column of g_star (energy), column of g_star_s (entropy))
GSTAR_TABLES: dict[str, tuple[str, int, int, int]] = {
    # Saikawa & Shirai, JCAP 05 (2018) 035, arXiv:1803.01038: T, g_rho, err, g_s, err
    "saikawa-shirai-2018": ("gstar/SaikawaShirai2018_geff_SM.dat", 0, 1, 3),
    # Drees, Hajkarim & Schmitz, arXiv:1503.03513 (micrOMEGAs 6 default): T, heff, geff
    "drees-hajkarim-schmitz-2015": ("gstar/micromegas6_DHS.thg", 0, 2, 1),
    # Laine & Meyer, arXiv:1503.04935 (EOS15): T, heff, geff
    "laine-meyer-2015": ("gstar/micromegas6_LM.thg", 0, 2, 1),
    # Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145, T_QCD = 150 MeV: T, heff, geff
    "gondolo-gelmini-1991": ("gstar/FreezeIn_std.tab", 0, 2, 1),
}


def load_gstar(name: str = "saikawa-shirai-2018") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Load an SM effective-degrees-of-freedom table.

    Convention: rho = g_star (pi^2/30) T^4, s = g_star_s (2 pi^2/45) T^3.

    Args:
        name: one of ``GSTAR_TABLES``.

    Returns:
        ``(T, g_star, g_star_s)``: three float64 arrays of shape (n,), T in GeV, strictly
        ascending and positive (a T = 0 row is dropped).

    Raises:
        ValueError: unknown ``name``.
        DataFileError: malformed file, or T not strictly monotonic after sorting.
    """
    if name not in GSTAR_TABLES:
        raise ValueError(f"gstar table must be one of {sorted(GSTAR_TABLES)}, got {name!r}")
    relative, i_t, i_g, i_gs = GSTAR_TABLES[name]
    path = data_path(relative)
    table = read_numeric_table(path, max(i_t, i_g, i_gs) + 1)
    table = table[table[:, i_t] > 0.0]
    table = table[np.argsort(table[:, i_t])]
    temperature = table[:, i_t]
    if np.any(np.diff(temperature) <= 0.0):
        raise DataFileError(f"{path}: temperatures are not strictly monotonic")
    return temperature, table[:, i_g], table[:, i_gs]


RRATIO_TABLES: dict[str, str] = {
    # smooth u,d,s R from DarkCast VMD fits (Ilten et al., arXiv:1801.04847), via GAMBIT
    "darkcast": "rratio/DarkCast_R_uds_smooth_GAMBIT.dat",
    # PDG 2020 compilation (Zyla et al., PTEP 2020 083C01), duplicates removed (GAMBIT)
    "pdg2020": "rratio/PDG2020_Rhadrons_GAMBIT_removed-duplicates.dat",
}


def load_rratio(name: str = "darkcast") -> tuple[np.ndarray, np.ndarray]:
    """Load a hadronic R-ratio table, R = sigma(e+e- -> hadrons) / sigma(e+e- -> mu+mu-).

    Args:
        name: one of ``RRATIO_TABLES``.

    Returns:
        ``(sqrt_s, R)``: float64 arrays of shape (n,), sqrt(s) in GeV strictly ascending.

    Raises:
        ValueError: unknown ``name``.
        DataFileError: malformed file.
    """
    if name not in RRATIO_TABLES:
        raise ValueError(f"R-ratio table must be one of {sorted(RRATIO_TABLES)}, got {name!r}")
    path = data_path(RRATIO_TABLES[name])
    table = read_numeric_table(path, 2)
    table = table[np.argsort(table[:, 0], kind="stable")]
    keep = np.concatenate([[True], np.diff(table[:, 0]) > 0.0])
    return table[keep, 0], table[keep, 1]
