"""Whole parameter grids: chunked, vmapped and sharded solves with per-point status.

``scan(make_model, epsilon=..., alpha_D=..., m_chi=...)`` solves the Boltzmann system of
``qedm_jax.solve`` at every point of a Cartesian grid (or of a list of points) and returns
a ``ScanResult`` of numpy arrays shaped like the grid. The points are cut into chunks of
one fixed size (the last chunk is padded with copies of the last point and masked), so a
grid costs one compilation per (model builder, config, chunk size); within a chunk each
device's points form one queue on a fixed number of solver lanes (``qedm_jax.lanes``: a lane
whose point is done takes the next, so one stiff point does not hold up the others), and the
chunk is split over all local devices with a ``NamedSharding`` on a 1-d
``jax.sharding.Mesh`` of ``jax.devices()`` (GSPMD: each device solves its slice).

Failures are data (STYLE.md 7): every solve runs with ``throw=False``; a point that fails
has ``status != 0`` (``qedm_jax.solve.STATUS_*``) and NaN Omega h^2, and never stops the
grid. Invalid inputs (non-finite or unphysical parameters, bad axes) raise ``ValueError``
before anything is traced.

Results are saved with ``save_scan`` (``.npz``: grid axes, model name, config fields,
versions, per-point status) and read back with ``load_scan``. With ``out`` given, each
finished chunk is also written to ``<out>.chunks/chunk_<i>.npz``; ``resume=True`` reuses
the chunk files of the same grid (same axes, model, config and chunk size) and computes only
the missing ones.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import math
import os
import pathlib
import sys
import time
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from . import lanes
from . import solve as solve_mod
from .models.base import AbstractModel

__all__ = ["ScanResult", "scan", "save_scan", "load_scan"]

_MESH_AXIS = "points"
_RESERVED = ("make_model", "config", "chunk", "out", "resume", "progress", "points", "lanes_per_device", "pad_chunk",
             "names")
_FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True, eq=False)
class ScanResult:
    """Solutions on a grid of parameter points (numpy arrays, on the host).

    ``shape`` is ``tuple(len(a) for a in axes.values())`` for a Cartesian grid
    (``mode == "grid"``, axis order = keyword order of ``scan``) and ``(n,)`` for a list of
    points (``mode == "points"``).

    Attributes:
        omega_h2: Omega h^2 today, float64, shape ``shape`` (NaN where status != 0).
        t_hs_over_t_end: T_hs / T at x_end, float64, shape ``shape`` (1 for thermalized
            solves; NaN where status != 0).
        status: int32 status code per point (``qedm_jax.solve.STATUS_*``; 0 = converged),
            shape ``shape``.
        num_steps: accepted + rejected ODE steps per point, int64, shape ``shape``.
        axes: the grid axes, ``{name: float64 array of shape (len,)}`` (``mode == "grid"``)
            or the point coordinates, each of shape (n,) (``mode == "points"``); units are
            those ``make_model`` expects (GeV for masses).
        config: the ``SolverConfig`` of the solves.
        model_name: ``AbstractModel.name`` of the points (e.g. ``"bc2-dirac"``).
        mode: ``"grid"`` (Cartesian product of the axes) or ``"points"``.
        versions: package versions that produced the result (qedm_jax, jax, ...).
    """

    omega_h2: np.ndarray
    t_hs_over_t_end: np.ndarray
    status: np.ndarray
    num_steps: np.ndarray
    axes: dict[str, np.ndarray]
    config: solve_mod.SolverConfig
    model_name: str
    mode: str
    versions: dict[str, str]

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the per-point arrays."""
        return self.status.shape

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of converged points (status == 0), shape ``shape``."""
        return self.status == solve_mod.STATUS_OK


# --- input handling ----------------------------------------------------------------------------


def _as_axis(name: str, values) -> np.ndarray:
    """One axis as a float64 1-d array; ValueError naming the axis otherwise."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"axis {name!r} must be a 1-d array of numbers: {error}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"axis {name!r} must be a non-empty 1-d array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"axis {name!r} has non-finite values: {array[~np.isfinite(array)][:5]}")
    return array


def _axes_and_columns(axes: Mapping, points: Mapping | None):
    """(mode, axes dict, grid shape, flattened point columns) from the keyword arguments."""
    if points is not None and axes:
        raise ValueError(f"give either grid axes or points=..., not both (axes {sorted(axes)})")
    if points is not None:
        if not isinstance(points, Mapping) or not points:
            raise ValueError("points must be a non-empty mapping {name: 1-d array}")
        named = {str(name): _as_axis(str(name), values) for name, values in points.items()}
        lengths = {name: a.size for name, a in named.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"points must all have the same length, got {lengths}")
        return "points", named, (next(iter(lengths.values())),), dict(named)
    if not axes:
        raise ValueError("scan needs at least one axis, e.g. scan(make_model, epsilon=np.geomspace(1e-6, 1e-3, 16))")
    named = {name: _as_axis(name, values) for name, values in axes.items()}
    shape = tuple(a.size for a in named.values())
    mesh = np.meshgrid(*named.values(), indexing="ij")
    columns = {name: m.ravel() for name, m in zip(named, mesh)}
    return "grid", named, shape, columns


def _invalid_mask(batch: AbstractModel) -> np.ndarray:
    """Points of a batched model that ``solve.check_model`` rejects (vectorised mirror of it),
    plus any non-finite physical field. Shape (n,)."""
    fields = {f.name for f in dataclasses.fields(batch)}

    def field(name):
        return np.asarray(getattr(batch, name), dtype=np.float64) if name in fields else None

    m_chi = field("m_chi")
    bad = np.zeros(m_chi.shape, dtype=bool)
    for leaf in jax.tree_util.tree_leaves(batch):
        values = np.asarray(leaf)
        if values.shape[:1] == m_chi.shape and np.issubdtype(values.dtype, np.inexact):
            bad |= ~np.all(np.isfinite(values.reshape(m_chi.shape[0], -1)), axis=1)
    with np.errstate(invalid="ignore"):
        bad |= ~(m_chi > 0.0)
        for name, ok in (("alpha_D", lambda v: v > 0.0), ("epsilon", lambda v: (v > 0.0) & (v < 1.0)),
                         ("delta", lambda v: v >= 0.0)):
            values = field(name)
            if values is not None:
                bad |= ~ok(values)
        m_a = field("m_A")
        if m_a is not None:
            pseudo = getattr(batch, "species", "") == "pseudo-dirac"
            m_chi2 = m_chi * (1.0 + field("delta")) if pseudo else m_chi
            bad |= ~(m_a > m_chi + m_chi2)
        m_zd = field("m_ZD")
        if m_zd is not None:
            bad |= ~((m_zd > 0.0) & (m_zd < m_chi))
    return bad


def _check_points(make_model, columns: dict[str, np.ndarray]) -> AbstractModel:
    """Build all points eagerly and reject invalid ones before tracing (ValueError names the
    point's axis values and the parameter). Returns the first point's model."""
    batch = jax.vmap(lambda kw: make_model(**kw))(columns)
    if not isinstance(batch, AbstractModel):
        raise ValueError(f"make_model must return an AbstractModel, got {type(batch).__name__}")
    bad = np.flatnonzero(_invalid_mask(batch))
    n = next(iter(columns.values())).size
    for index in (*bad[:1], 0, n - 1):
        coordinates = {name: float(values[index]) for name, values in columns.items()}
        where = ", ".join(f"{name}={value:.6g}" for name, value in coordinates.items())
        try:
            solve_mod.check_model(make_model(**coordinates))
        except ValueError as error:
            raise ValueError(f"grid point {index} ({where}): {error}") from None
        if index in bad[:1]:
            raise ValueError(f"grid point {index} ({where}): non-finite or out-of-range model parameter")
    return make_model(**{name: float(values[0]) for name, values in columns.items()})


# --- the compiled chunk --------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _chunk_runner(make_model: Callable, config: solve_mod.SolverConfig, names: tuple[str, ...],
                  devices: tuple, n_lanes: int) -> tuple[Callable, NamedSharding]:
    """The jitted, sharded solve of one chunk: columns of shape (chunk,) in, four arrays out.

    Each device's share of the chunk is one queue of points on ``n_lanes`` solver lanes
    (``qedm_jax.lanes.solve_queue``: a lane that finishes takes the next point, so a stiff point
    no longer makes the whole chunk wait). Cached per (make_model, config, axis names,
    devices, lanes), so that all chunks of a grid, and later grids with the same builder, reuse
    one compilation per chunk size.
    """
    mesh = Mesh(np.asarray(devices, dtype=object), (_MESH_AXIS,))
    spec = PartitionSpec(_MESH_AXIS)
    n_devices = len(devices)

    def one_queue(n_valid, *values):
        out = lanes.solve_queue(make_model, dict(zip(names, values)), config, n_lanes, n_valid)
        ok = out["status"] == solve_mod.STATUS_OK
        ratio = jnp.where(ok, out["t_hs_over_t_end"], jnp.nan)
        return out["omega_h2"], ratio, out["status"], out["num_steps"]

    def run(n_valid, *values):  # n_valid: (devices,) points to solve per device (the rest is padding)
        if n_devices == 1:
            return one_queue(n_valid[0], *values)
        # one queue per device: (devices, points per device), the leading axis partitioned by
        # GSPMD. (jax.shard_map would let each device run its own while loop, but lineax 0.1.1,
        # the implicit stages' linear solve, compares array shardings in a structure check that
        # fails under shard_map: "pytree does not match out_structure", lineax issue #185.)
        outs = jax.vmap(one_queue)(n_valid, *(v.reshape(n_devices, -1) for v in values))
        return tuple(o.reshape(-1) for o in outs)

    sharding = NamedSharding(mesh, spec)
    return jax.jit(run, in_shardings=(sharding,) * (len(names) + 1),
                   out_shardings=(sharding,) * 4), sharding


# --- chunk files -----------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    from . import __version__

    versions = {"qedm_jax": __version__}
    for name in ("jax", "jaxlib", "diffrax", "equinox", "optimistix", "numpy"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def _config_fields(config: solve_mod.SolverConfig) -> dict:
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}


def _fingerprint(mode, axes, model_name, config, chunk) -> str:
    """Identity of a grid run: a chunk file is reused only if all of this matches."""
    digest = hashlib.sha256()
    digest.update(json.dumps([mode, list(axes), model_name, _config_fields(config), chunk]).encode())
    for values in axes.values():
        digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _write_npz(path: pathlib.Path, **arrays) -> None:
    """Write atomically (temporary file, then rename), so an interrupted write leaves no file."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        np.savez(handle, **arrays)
    os.replace(temporary, path)


def _load_chunk(path: pathlib.Path, fingerprint: str, size: int):
    """Arrays of a finished chunk, or None if absent, unreadable or from another grid."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint or data["status"].shape != (size,):
                return None
            return tuple(np.array(data[key]) for key in ("omega_h2", "t_hs_over_t_end", "status", "num_steps"))
    except (OSError, KeyError, ValueError):
        return None


# --- public API ------------------------------------------------------------------------------------


def scan(
    make_model: Callable[..., AbstractModel],
    config: solve_mod.SolverConfig = solve_mod.SolverConfig(),
    chunk: int = 512,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
    points: Mapping[str, np.ndarray] | None = None,
    lanes_per_device: int | None = None,
    pad_chunk: bool = False,
    **axes,
) -> ScanResult:
    """Solve the Boltzmann system at every point of a grid (or list) of parameter points.

    Example::

        result = scan(lambda epsilon, m_chi: BC2(m_chi=m_chi, m_A=3 * m_chi, alpha_D=0.1,
                                                 epsilon=epsilon, species="dirac"),
                      epsilon=np.geomspace(1e-6, 1e-3, 40), m_chi=np.geomspace(1e-3, 1.0, 50))
        result.omega_h2.shape  # (40, 50)

    Args:
        make_model: ``make_model(**point) -> AbstractModel`` with one scalar per axis name
            (traced inside jit/vmap: use jnp, no Python control flow on the values); build
            models with keywords (``BC2(m_chi=..., m_A=..., ...)``). Its static fields
            (species, tables) must not depend on the point. The same function object reuses
            the compilation across calls.
        config: ``SolverConfig`` of every solve (static).
        chunk: points per compiled call, >= 1; rounded up to a multiple of the number of
            devices, and lowered to the (rounded) number of points for small grids. Memory
            grows with it: ~2 MB per point of a chunk on CPU for thermalized BC2 with the
            default config (measured, ``benchmarks/bench_scaling.py``): the default 512
            needs ~1 GB; raise it on machines (and GPUs) with more memory.
        out: if given, the result is saved there with ``save_scan`` (written as given, no
            suffix added), and every finished chunk to ``<out>.chunks/chunk_<i>.npz``.
        resume: reuse the chunk files under ``<out>.chunks`` written by an earlier run of the
            same grid (same axes, model name, config and chunk size) and solve only the
            missing chunks. Needs ``out``.
        progress: print one line per chunk to stderr.
        points: instead of grid axes, ``{name: 1-d array}`` of equal lengths n: solve the n
            points ``{name: points[name][i]}``.
        lanes_per_device: concurrent solves per device (``qedm_jax.lanes.solve_queue``); a
            lane that finishes its point takes the next one of the chunk. None (default): a
            quarter of the chunk's points per device (>= 1). More lanes amortise the per-step
            overhead (GPUs want thousands), fewer waste less on the last stragglers.
        pad_chunk: pad a grid smaller than ``chunk`` up to it (default: the chunk shrinks to the
            grid), so that grids of any size share one compilation per chunk.
        **axes: grid axes, ``name=1-d array`` (units as ``make_model`` expects: GeV for
            masses); the grid is their Cartesian product, in keyword order.

    Returns:
        ``ScanResult`` with ``omega_h2``, ``t_hs_over_t_end``, ``status``, ``num_steps`` of
        shape ``tuple(len(axis) for axis in axes)`` (or ``(n,)`` for ``points``). A failed
        point has its status code and NaN values; the others are unaffected.

    Raises:
        ValueError: an axis that is not a non-empty, finite 1-d array (the message names it);
            both or neither of axes and ``points``; ``points`` of unequal lengths; a
            reserved axis name; ``chunk < 1``; ``resume`` without ``out``; a point whose
            model fails ``qedm_jax.solve.check_model`` (the message gives the point's axis
            values). All raised before anything is traced.
    """
    for name in axes:
        if name in _RESERVED:
            raise ValueError(f"axis name {name!r} is reserved by scan")
    if not (isinstance(chunk, (int, np.integer)) and chunk >= 1):
        raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
    if lanes_per_device is not None and not (isinstance(lanes_per_device, (int, np.integer)) and lanes_per_device >= 1):
        raise ValueError(f"lanes_per_device must be None or an integer >= 1, got {lanes_per_device!r}")
    if resume and out is None:
        raise ValueError("resume=True needs out (the path whose .chunks folder holds the finished chunks)")
    if not isinstance(config, solve_mod.SolverConfig):
        raise ValueError(f"config must be a SolverConfig, got {type(config).__name__}")
    mode, named_axes, shape, columns = _axes_and_columns(axes, points)
    first = _check_points(make_model, columns)
    model_name = first.name
    names = tuple(columns)
    n = math.prod(shape)

    devices = tuple(jax.devices())
    n_devices = len(devices)
    size = math.ceil((int(chunk) if pad_chunk else min(int(chunk), n)) / n_devices) * n_devices
    n_chunks = math.ceil(n / size)
    per_device = size // n_devices
    n_lanes = max(1, per_device // 4) if lanes_per_device is None else min(int(lanes_per_device), per_device)
    runner, sharding = _chunk_runner(make_model, config, names, devices, n_lanes)

    chunk_dir = None
    fingerprint = _fingerprint(mode, named_axes, model_name, config, (size, n_lanes))
    if out is not None:
        chunk_dir = pathlib.Path(os.fspath(out) + ".chunks")
        chunk_dir.mkdir(parents=True, exist_ok=True)

    omega = np.empty(n, dtype=np.float64)
    ratio = np.empty(n, dtype=np.float64)
    status = np.empty(n, dtype=np.int32)
    num_steps = np.empty(n, dtype=np.int64)
    start_all = time.perf_counter()
    solved = 0

    def solve_chunk(points):
        """Solve the grid points ``points`` (at most ``size``; the chunk is padded with the last)."""
        valid = points.size
        index = np.concatenate([points, np.full(size - valid, points[-1])])
        inputs = [jax.device_put(columns[name][index], sharding) for name in names]
        n_valid = np.clip(valid - per_device * np.arange(n_devices), 0, per_device).astype(np.int32)
        return [np.array(a)[:valid] for a in runner(jax.device_put(n_valid, sharding), *inputs)]

    for i in range(n_chunks):
        start = i * size
        valid = min(size, n - start)
        chunk_path = None if chunk_dir is None else chunk_dir / f"chunk_{i}.npz"
        loaded = _load_chunk(chunk_path, fingerprint, valid) if (resume and chunk_path is not None) else None
        tic = time.perf_counter()
        if loaded is None:
            points = np.arange(start, start + valid)
            outputs = solve_chunk(points)
            solved += valid
            if chunk_path is not None:
                _write_npz(chunk_path, omega_h2=outputs[0], t_hs_over_t_end=outputs[1], status=outputs[2],
                           num_steps=outputs[3], fingerprint=np.asarray(fingerprint))
        else:
            outputs = loaded
        sl = slice(start, start + valid)
        omega[sl], ratio[sl], status[sl], num_steps[sl] = outputs
        if progress:
            elapsed = time.perf_counter() - tic
            failed = int(np.count_nonzero(outputs[2] != solve_mod.STATUS_OK))
            how = "loaded" if loaded is not None else f"{elapsed:.2f} s, {1e3 * elapsed / valid:.3g} ms/point"
            total = time.perf_counter() - start_all
            print(f"qedm_jax.grids.scan: chunk {i + 1}/{n_chunks} ({valid} points, {how}), {failed} failed; "
                  f"{total:.1f} s elapsed", file=sys.stderr, flush=True)

    result = ScanResult(
        omega_h2=omega.reshape(shape),
        t_hs_over_t_end=ratio.reshape(shape),
        status=status.reshape(shape),
        num_steps=num_steps.reshape(shape),
        axes=named_axes,
        config=config,
        model_name=model_name,
        mode=mode,
        versions=_versions(),
    )
    if out is not None:
        save_scan(result, out)
    return result


def save_scan(result: ScanResult, path: str | os.PathLike) -> None:
    """Save a ``ScanResult`` as ``.npz`` (written at ``path`` exactly, no suffix added).

    Arrays ``omega_h2``, ``t_hs_over_t_end``, ``status``, ``num_steps`` (grid-shaped),
    ``axis_names`` and ``axis_<name>`` (1-d), and ``meta``: a JSON string with the mode,
    model name, config fields, versions and the meaning of each status code. Readable with
    ``np.load(path)`` (no pickles).

    The file is written to ``<path>.tmp`` and then renamed onto ``path`` (an existing file is
    replaced), so a reader never sees a partial file.

    Args:
        result: the ``ScanResult``.
        path: output file.

    Returns:
        None; the ``.npz`` file at ``path`` is written.

    Raises:
        OSError: the file cannot be written (e.g. its folder does not exist); a ``<path>.tmp``
            may then be left behind.
        TypeError: an axis named ``names`` (its ``axis_names`` array would clash with the list of
            axis names).
    """
    meta = {
        "format": _FORMAT_VERSION,
        "mode": result.mode,
        "model_name": result.model_name,
        "config": _config_fields(result.config),
        "versions": result.versions,
        "status_messages": {str(k): v for k, v in solve_mod.STATUS_MESSAGES.items()},
    }
    _write_npz(
        pathlib.Path(path),
        omega_h2=result.omega_h2,
        t_hs_over_t_end=result.t_hs_over_t_end,
        status=result.status,
        num_steps=result.num_steps,
        axis_names=np.asarray(list(result.axes), dtype=str),
        meta=np.asarray(json.dumps(meta)),
        **{f"axis_{name}": values for name, values in result.axes.items()},
    )


def load_scan(path: str | os.PathLike) -> ScanResult:
    """Read a ``ScanResult`` written by ``save_scan``.

    Args:
        path: the ``.npz`` file.

    Returns:
        ``ScanResult``; ``config`` is rebuilt as a ``SolverConfig`` from the saved fields
        that the installed version still has (the file's ``meta`` keeps all of them).

    Raises:
        ValueError: the file is not a ``save_scan`` file.
    """
    with np.load(path, allow_pickle=False) as data:
        try:
            meta = json.loads(str(data["meta"]))
            names = [str(name) for name in data["axis_names"]]
            axes = {name: np.array(data[f"axis_{name}"]) for name in names}
            arrays = {key: np.array(data[key]) for key in ("omega_h2", "t_hs_over_t_end", "status", "num_steps")}
        except KeyError as error:
            raise ValueError(f"{path} is not a qedm_jax scan file (missing {error})") from None
    known = {f.name for f in dataclasses.fields(solve_mod.SolverConfig)}
    config = solve_mod.SolverConfig(**{k: v for k, v in meta["config"].items() if k in known})
    return ScanResult(
        **arrays,
        axes=axes,
        config=config,
        model_name=meta["model_name"],
        mode=meta["mode"],
        versions=meta["versions"],
    )
