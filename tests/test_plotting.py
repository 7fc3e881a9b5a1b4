"""plot_bc2: both ESPP BC2 figures with a synthetic target (no physics computed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import qedm_jax  # noqa: E402,F401
from qedm_jax import plotting  # noqa: E402

N_MASSES = 40
FAILED = 17  # index of a point with status != 0


def synthetic_target(label="synthetic line"):
    m_chi = np.geomspace(1e-3, 2.0, N_MASSES)
    status = np.zeros(N_MASSES, dtype=np.int64)
    status[FAILED] = 3
    return {"m_chi": m_chi, "Y_BC2": 1e-12 * (m_chi / 1e-3) ** 1.3, "label": label, "status": status}


@pytest.mark.parametrize(
    "kind, xlim, ylim",
    [("elastic", (1e-3, 5.0), (1e-19, 1e-8)), ("quasi-elastic", (1e-3, 2.0), (1e-14, 1e-8))],
)
def test_plot_bc2_writes_png_and_pdf(tmp_path, kind, xlim, ylim):
    out = tmp_path / f"bc2_{kind}.png"
    fig = plotting.plot_bc2(kind, [synthetic_target(), synthetic_target("second")], out=out)
    png, pdf = out, out.with_suffix(".pdf")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_xlim(), xlim)
    np.testing.assert_allclose(ax.get_ylim(), ylim)
    # the targets: first thick black, failed point not drawn
    target_lines = [line for line in ax.get_lines() if line.get_label() in ("synthetic line", "second")]
    assert len(target_lines) == 2 and target_lines[0].get_color() == "black"
    y = np.asarray(target_lines[0].get_ydata(), dtype=float)
    assert np.isnan(y[FAILED]) and np.sum(np.isnan(y)) == 1
    texts = " ".join(t.get_text() for t in ax.texts)
    assert kind in texts and "ESPP2026-PPG/Quasi-elastic-DM" in texts
    assert ("Oscura" in texts) == (kind == "elastic")  # no direct detection on the quasi-elastic figure


def test_plot_bc2_into_given_axes_without_targets():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 5.0))
    ax = fig.add_subplot(1, 1, 1)
    assert plotting.plot_bc2("elastic", [], ax=ax) is fig
    assert ax.get_legend() is None


def test_plot_bc2_warns_off_benchmark_and_rejects_bad_input():
    with pytest.warns(UserWarning, match="drawn unchanged"):
        fig = plotting.plot_bc2("quasi-elastic", [synthetic_target()], alpha_D=0.5, ratio=3.0)
    assert any("limits:" in t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="kind"):
        plotting.plot_bc2("inelastic", [])
    bad = synthetic_target()
    bad["status"] = bad["status"][:-1]
    with pytest.raises(ValueError, match="shapes"):
        plotting.plot_bc2("elastic", [bad])
