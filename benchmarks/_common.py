"""Shared by the benchmark scripts: where results go, the device name, and the environment
record (date, device, versions, commit) that every JSON result carries."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import pathlib
import platform
import re
import subprocess

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
CORE_PACKAGES = ("jax", "jaxlib", "diffrax", "equinox", "optimistix", "numpy")


def device_slug() -> str:
    """Short file-name-safe device name, e.g. ``cpu`` or ``gpu-NVIDIA-H100``."""
    import jax

    device = jax.devices()[0]
    kind = re.sub(r"[^A-Za-z0-9]+", "-", device.device_kind).strip("-")
    return device.platform if kind.lower() == device.platform else f"{device.platform}-{kind}"


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=RESULTS.parent, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit() -> str | None:
    """HEAD commit, with "+dirty" if the package sources differ from it (None outside git)."""
    head = _git("rev-parse", "HEAD")
    if head is None:
        return None
    return head + ("+dirty" if _git("status", "--porcelain", "--", ":/qedm_jax") else "")


def package_versions(packages=CORE_PACKAGES) -> dict[str, str | None]:
    """qedm_jax and the named distributions' versions (None where not installed)."""
    import qedm_jax

    out: dict[str, str | None] = {"qedm_jax": qedm_jax.__version__, "git_commit": git_commit()}
    for name in packages:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment(now: datetime.datetime, packages=CORE_PACKAGES) -> dict:
    """The record every result file starts with."""
    import jax

    return {
        "date": now.isoformat(timespec="seconds"),
        "device": [str(d) for d in jax.devices()],
        "device_kind": jax.devices()[0].device_kind,
        "cpu_count": os.cpu_count(),
        "load_average_1_5_15min_at_start": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "machine": platform.machine(),
        "versions": package_versions(packages),
    }


def write_results(name: str, now: datetime.datetime, record: dict) -> pathlib.Path:
    """Write ``record`` (environment, parameters, results) to
    ``results/<name>_<device>_<date>.json``, with the load average at the end, and print the path."""
    record = {**record, "load_average_1_5_15min_at_end": [round(v, 2) for v in os.getloadavg()]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}_{device_slug()}_{now.date().isoformat()}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"# wrote {path}", flush=True)
    return path
