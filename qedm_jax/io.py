"""The package's only file reader: shipped data tables into numpy arrays in GeV.

Data files live in the repository's ``data/`` folder; the wheel ships them as
``qedm_jax/data`` (see ``pyproject.toml``). Provenance of every file: ``data/SOURCES.md``.
A malformed file raises ``DataFileError`` naming the file and the line.
"""

from __future__ import annotations

import dataclasses
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


# --- ESPP curves and target CSV files (limits, plotting, CLI) ---

import csv  # noqa: E402  (kept with the functions that use it)

__all__ += ["read_espp_csv", "write_target_csv", "read_target_csv"]

#: accepted header names of the ESPP mass column, after removing quotes and spaces. The
#: upstream header ``"""mass""/1000"`` (``Constraints_BC2_DarkSide-nucleon-50-2023.csv``) is a
#: spreadsheet formula: a mass column in MeV divided by 1000 when the file was made, so its
#: numbers are already in GeV (they run 1.17 to 10.8 GeV, where DarkSide-50 set its nuclear
#: recoil limit, and 20 of its points lie on the merged elastic outline, which reaches its
#: minimum Y = 2.94e-13 at 3.05 GeV, as does the file and the ESPP elastic figure).
_ESPP_MASS_HEADERS = ("mass", "mass/1000")
_ESPP_Y_HEADERS = ("coupling",)


def _csv_fields(line: str, path: pathlib.Path, line_number: int) -> list[str]:
    """Split one CSV line (quotes removed, spaces around fields stripped)."""
    try:
        fields = next(csv.reader([line], skipinitialspace=True, strict=True))
    except csv.Error as error:
        raise DataFileError(f"{path}: line {line_number}: bad CSV quoting ({error}): {line.strip()[:80]!r}") from None
    return [field.strip() for field in fields]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_espp_csv(path: str | pathlib.Path) -> np.ndarray:
    """Read one ESPP BC2 curve (ESPP2026-PPG/Quasi-elastic-DM ``data/*.csv``).

    Two comma-separated columns, m_chi [GeV] and Y_BC2 = epsilon^2 alpha_D (m_chi/m_A)^4
    (the upstream header calls it ``coupling``). An optional first line is a header; its
    names may be quoted (``mass,coupling``, ``"mass","coupling"``, and the quoted spreadsheet
    formula ``"mass"/1000`` whose numbers are already in GeV, see ``_ESPP_MASS_HEADERS``). Quoted numbers, spaces around
    fields and blank lines are accepted.

    Rows are returned as they are in the file: in file order (the merged constraints are
    closed outlines, whose order is their geometry, and some curves double back), duplicates
    and spurious points included. Physical filtering is done by ``qedm_jax.limits``.

    Args:
        path: the file.

    Returns:
        float64 array of shape (n_rows, 2): columns m_chi [GeV] and Y_BC2.

    Raises:
        DataFileError: an unknown header, a row without exactly two fields, a field that is
            not a number, a non-finite number, or no data rows; the message names the file
            and the 1-based line number.
    """
    path = pathlib.Path(path)
    rows = []
    seen_first = False
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = _csv_fields(line, path, line_number)
            first, seen_first = not seen_first, True
            if first and not any(_is_number(field) for field in fields):
                names = [field.replace('"', "").replace(" ", "").lower() for field in fields]
                if len(names) != 2 or names[0] not in _ESPP_MASS_HEADERS or names[1] not in _ESPP_Y_HEADERS:
                    raise DataFileError(
                        f"{path}: line {line_number}: unknown header {line.strip()[:80]!r}; expected "
                        f"mass ({' or '.join(_ESPP_MASS_HEADERS)}) and coupling"
                    )
                continue
            if len(fields) != 2:
                raise DataFileError(
                    f"{path}: line {line_number}: expected 2 comma-separated columns (m_chi, Y), "
                    f"found {len(fields)}: {line.strip()[:80]!r}"
                )
            try:
                values = [float(field) for field in fields]
            except ValueError as error:
                raise DataFileError(f"{path}: line {line_number}: not a number ({error}): {line.strip()[:80]!r}") from None
            if not all(np.isfinite(values)):
                raise DataFileError(f"{path}: line {line_number}: non-finite value: {line.strip()[:80]!r}")
            rows.append(values)
    if not rows:
        raise DataFileError(f"{path}: no data rows")
    return np.asarray(rows, dtype=np.float64)


def write_target_csv(
    path: str | pathlib.Path,
    columns: dict[str, np.ndarray],
    header: dict[str, str],
) -> None:
    """Write a thermal-target CSV: ``# key: value`` comment lines, a header row, one row per mass.

    The format (read back by ``read_target_csv``)::

        # model: scalar
        # alpha_D: 0.1
        m_chi,Y_BC2,epsilon,alpha_D,m_A,omega_h2,status
        0.001,3.1e-13,...,0

    Columns are written in the order of ``columns``. Integer arrays (e.g. ``status``) are
    written as integers, everything else as floats with 17 significant digits, so that a
    round trip is exact; NaN is written as ``nan``.

    Args:
        path: output file (its folder must exist).
        columns: column name -> array of shape (n,); all of the same length n >= 1.
        header: metadata key -> one-line value (model, parameters, package version,
            conventions).

    Returns:
        None; the file at ``path`` is written (replaced if it exists), one line per header
        entry, the header row and n rows.

    Raises:
        ValueError: no columns, columns of different lengths or not 1-D, a column name with a
            comma, quote or space, or a header key/value that would not read back
            (newline in either, ``:`` or leading ``#`` in a key, empty key).
        OSError: the file cannot be written (e.g. its folder does not exist).
    """
    if not columns:
        raise ValueError("write_target_csv: no columns")
    arrays = {name: np.asarray(values) for name, values in columns.items()}
    lengths = {name: array.shape for name, array in arrays.items()}
    for name, array in arrays.items():
        if not name or any(ch in name for ch in ',"# \t\r\n'):
            raise ValueError(f"write_target_csv: bad column name {name!r}")
        if array.ndim != 1:
            raise ValueError(f"write_target_csv: column {name!r} must be 1-D, got shape {array.shape}")
    if len(set(lengths.values())) != 1:
        raise ValueError(f"write_target_csv: columns have different lengths {lengths}")
    for key, value in header.items():
        key, value = str(key), str(value)
        if not key.strip() or ":" in key or key.lstrip().startswith("#") or "\n" in key or "\r" in key:
            raise ValueError(f"write_target_csv: bad header key {key!r}")
        if "\n" in value or "\r" in value:
            raise ValueError(f"write_target_csv: header value of {key!r} spans several lines")
    lines = [f"# {str(key).strip()}: {str(value).strip()}" for key, value in header.items()]
    lines.append(",".join(arrays))
    n_rows = next(iter(lengths.values()))[0]
    integer = {name: np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_ for name, array in arrays.items()}
    for i in range(n_rows):
        lines.append(",".join(
            str(int(array[i])) if integer[name] else repr(float(array[i])) for name, array in arrays.items()
        ))
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def read_target_csv(path: str | pathlib.Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a thermal-target CSV written by ``write_target_csv``.

    Lines starting with ``#`` before the header row are metadata ``# key: value`` (a comment
    line without ``:`` is ignored); the first other non-blank line is the header row; every
    following non-blank line is one row. A column whose every cell is an integer literal
    (such as ``status``) is returned as int64, any other as float64 (``nan`` allowed: a failed
    point is data, not an error).

    Args:
        path: the file.

    Returns:
        ``(columns, header)``: column name -> array of shape (n,), in file order, and
        metadata key -> value (strings, stripped).

    Raises:
        DataFileError: no header row, a duplicate column name, a row with the wrong number of
            cells, a cell that is not a number, or no data rows; the message names the file
            and the 1-based line number.
    """
    path = pathlib.Path(path)
    header: dict[str, str] = {}
    names: list[str] | None = None
    cells: list[list[str]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line_number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                if names is None and ":" in stripped:
                    key, value = stripped[1:].split(":", 1)
                    header[key.strip()] = value.strip()
                continue
            fields = _csv_fields(line, path, line_number)
            if names is None:
                if any(not field for field in fields) or len(set(fields)) != len(fields):
                    raise DataFileError(f"{path}: line {line_number}: bad header row (empty or duplicate column name): {stripped[:80]!r}")
                if all(_is_number(field) for field in fields):
                    raise DataFileError(f"{path}: line {line_number}: expected a header row of column names, found numbers")
                names = fields
                continue
            if len(fields) != len(names):
                raise DataFileError(
                    f"{path}: line {line_number}: expected {len(names)} columns ({','.join(names)}), "
                    f"found {len(fields)}: {stripped[:80]!r}"
                )
            for field in fields:
                if not _is_number(field):
                    raise DataFileError(f"{path}: line {line_number}: not a number: {field[:40]!r}")
            cells.append(fields)
    if names is None:
        raise DataFileError(f"{path}: no header row")
    if not cells:
        raise DataFileError(f"{path}: no data rows")
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        text = [row[j] for row in cells]
        if all(cell.lstrip("+-").isdigit() for cell in text):
            columns[name] = np.asarray([int(cell) for cell in text], dtype=np.int64)
        else:
            columns[name] = np.asarray([float(cell) for cell in text], dtype=np.float64)
    return columns, header


#: units of the CSV columns written by the package (stated in every header, ``Table.header``)
COLUMN_UNITS = ("m_chi, m_A, m_ZD, T in GeV; ctau in m; sigma_v in GeV^-2 unless the name says otherwise; "
                "every other column dimensionless")


@dataclasses.dataclass(frozen=True, eq=False)
class Table:
    """A result table: named columns of equal length and a metadata header (what the command line
    writes as CSV with ``write_target_csv``, and what the public API returns).

    Attributes:
        columns: column name -> numpy array of shape (n,), in output order; units in
            ``COLUMN_UNITS`` (stated in the header as ``units``).
        header: metadata key -> one-line value (model, parameters, conventions, status codes).
        objects: further results that are not columns (e.g. the ``RelicContour`` of each
            (m_chi, ratio) of a contour table), for Python users.
    """

    columns: dict
    header: dict
    objects: tuple = ()

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __len__(self) -> int:
        return int(next(iter(self.columns.values())).size) if self.columns else 0

    def write_csv(self, path: str | pathlib.Path) -> None:
        """Write the table with ``write_target_csv`` (the folder of ``path`` must exist).

        Raises:
            ValueError: as ``write_target_csv``.
            OSError: the file cannot be written.
        """
        write_target_csv(path, self.columns, self.header)
