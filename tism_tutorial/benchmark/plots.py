"""Figures of chapter 3: time against each sweep's variable, speed-up against length, the targets crossover.

Filled markers are measured, open markers extrapolated. Legends sit outside
the axes (right), so they never cover a line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter

from .. import paper
from .extrapolation import theoretical_speedup
from .methods import ISM_20, ISM_METHODS, ISM_TUNED, TISM_BATCHED, TISM_LOOP, TM_FAST, TM_SLOW
from .report import fmt_sig, speedups

__all__ = ["legend_outside", "plot_speedups", "plot_sweep", "plot_targets", "set_length_ticks"]

_STYLE = {TISM_BATCHED: ("C0", "o"), TISM_LOOP: ("C1", "s"), ISM_20: ("C3", "^"), ISM_TUNED: ("C4", "v"),
          TM_SLOW: ("C5", "D"), TM_FAST: ("C2", "P")}
_KEYS = {"sequences": ("n_sequences", "number of sequences N"), "length": ("length", "sequence length L (bp)"),
         "targets": ("n_targets", "number of targets T")}


def set_length_ticks(ax: Axes, lengths: Sequence[int]) -> None:
    """Label a log x axis at the given sequence lengths ("251", "1,000", ...) and nowhere else."""
    ax.set_xticks(list(lengths))
    ax.set_xticklabels([f"{int(L):,}" for L in lengths])
    ax.xaxis.set_minor_formatter(NullFormatter())


def legend_outside(ax: Axes, fontsize: float = 8) -> None:
    """Place ``ax``'s legend to the right of the axes, outside the plotting area."""
    ax.legend(fontsize=fontsize, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False)


def plot_sweep(results: dict, sweep: str, ax: Axes, methods: Sequence[str] | None = None,
               theory: bool = True) -> Axes:
    """Log-log time against the sweep's variable, one line per method, legend outside the axes.

    With ``theory`` (sweeps "sequences" and "length"), a dotted line shows
    the batched TISM time times 3 L / 20: the ISM time the paper's rule predicts.

    Parameters
    ----------
    results: dict
        From :func:`~tism_tutorial.benchmark.run` or :func:`~tism_tutorial.benchmark.load`.
    sweep: str
        "sequences", "length" or "targets".
    ax: matplotlib.axes.Axes
    methods: sequence of str, optional
        Methods to draw (default: all in the sweep).
    theory: bool, optional
        Draw the paper's rule. Default True.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with axis labels (time in seconds).

    Raises
    ------
    ValueError
        If ``sweep`` is unknown.
    """
    if sweep not in _KEYS:
        raise ValueError(f"sweep must be one of {sorted(_KEYS)}, got {sweep!r}")
    key, xlabel = _KEYS[sweep]
    recs = [r for r in results["records"] if r["sweep"] == sweep and math.isfinite(r["seconds"])]
    methods = methods or [m for m in (TISM_BATCHED, TISM_LOOP) + ISM_METHODS if any(r["method"] == m for r in recs)]
    for method in methods:
        rs = sorted((r for r in recs if r["method"] == method), key=lambda r: r[key])
        if not rs:
            continue
        color, marker = _STYLE.get(method, ("k", "o"))
        x, y = [r[key] for r in rs], [r["seconds"] for r in rs]
        bs = rs[0]["batch_size"]
        name = method + (f" (B={bs})" if method in (ISM_TUNED, TM_SLOW, TM_FAST) else "")
        ax.plot(x, y, "-", color=color, lw=1, alpha=0.7)
        meas = [(a, b) for a, b, r in zip(x, y, rs) if not r["extrapolated"]]
        extra = [(a, b) for a, b, r in zip(x, y, rs) if r["extrapolated"]]
        if meas:
            ax.plot(*zip(*meas), marker, color=color, label=name)
        if extra:
            ax.plot(*zip(*extra), marker, color=color, mfc="none", label=None if meas else name)
    if theory and sweep in ("sequences", "length"):
        rs = sorted((r for r in recs if r["method"] == TISM_BATCHED), key=lambda r: r[key])
        if rs:
            x = np.array([r[key] for r in rs], dtype=float)
            L = x if sweep == "length" else np.full_like(x, results["profile"]["length"])
            ax.plot(x, np.array([r["seconds"] for r in rs]) * theoretical_speedup(L), ":", color="grey",
                    label=f"TISM x 3L/{paper.ISM_BATCH} (paper's rule)")
    ax.plot([], [], "o", color="grey", mfc="none", label="open marker: extrapolated")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if sweep == "length":
        set_length_ticks(ax, sorted({r[key] for r in recs}))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("time (s)")
    ax.grid(True, which="major", alpha=0.3)
    legend_outside(ax)
    return ax


def plot_speedups(results: dict, ax: Axes) -> Axes:
    """Speed-up of batched TISM over ISM at batch 20 against L, with the paper's Table 2 and the 3L/20 rule.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, log-log, legend outside.
    """
    sp = speedups(results, "length", "length")
    Ls = sorted(sp)
    ax.plot(Ls, [sp[L][0] for L in Ls], "-", color="C3", lw=1)
    for extrapolated, mfc, name in ((False, "C3", "ISM batch 20 / TISM, this device, measured"),
                                    (True, "none", "ISM batch 20 / TISM, this device, extrapolated")):
        points = [(L, sp[L][0]) for L in Ls if sp[L][1] == extrapolated]
        if points:
            ax.plot(*zip(*points), "o", color="C3", mfc=mfc, label=name)
    aitac = speedups(results, "aitac", "length", n_sequences=paper.TABLE2_N)
    if aitac:
        La = sorted(aitac)
        ax.plot(La, [aitac[L][0] for L in La], "D", color="C2", mfc="none" if any(aitac[L][1] for L in La) else "C2",
                label="AI-TAC-style network, this device")
    paper_L = sorted(paper.TABLE2)
    ax.plot(paper_L, [paper.TABLE2[L][0] / paper.TABLE2[L][1] for L in paper_L], "s--", color="k", mfc="none",
            label=f"paper ({paper.DEVICE})")
    grid = np.geomspace(200, 25000, 50)
    ax.plot(grid, theoretical_speedup(grid), ":", color="grey", label=f"3L/{paper.ISM_BATCH} (paper's rule)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    set_length_ticks(ax, sorted(set(Ls) | set(paper_L)))
    ax.set_xlabel("sequence length L (bp)")
    ax.set_ylabel("speed-up of TISM over ISM (x)")
    ax.grid(True, alpha=0.3)
    legend_outside(ax)
    return ax


def plot_targets(results: dict, ax: Axes, method: str = ISM_20) -> Axes:
    """Time against the number of targets, with the batched-TISM line carried to where it meets ``method``.

    The x axis reaches past the crossover when it is finite and at most 100
    times the largest T reported; otherwise the crossover is written in the
    corner as off the axis.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, log-log, legend outside.
    """
    plot_sweep(results, "targets", ax, theory=False)
    t_star = results["crossovers"].get(method, math.inf)
    t_max = max(r["n_targets"] for r in results["records"] if r["sweep"] == "targets")
    rec = next((r for r in results["records"] if r["sweep"] == "targets" and r["method"] == method), None)
    fit = next((r["fit"] for r in results["records"] if r["sweep"] == "targets" and r["method"] == TISM_BATCHED
                and r["fit"]), None)
    measured_t = sorted(r["n_targets"] for r in results["records"] if r["sweep"] == "targets"
                        and r["method"] == TISM_BATCHED and not r["extrapolated"])
    label = (f"TISM = {method} at T = {fmt_sig(t_star)}\n(line through T = {', '.join(map(str, measured_t))}"
             + (", extrapolated)" if t_star > max(measured_t, default=0) else ")"))
    if rec is not None and fit is not None and math.isfinite(t_star) and 1 <= t_star <= 100 * t_max:
        grid = np.geomspace(t_max, max(t_star, t_max) * 1.5, 20)
        ax.plot(grid, fit[0] + fit[1] * grid, "--", color=_STYLE[TISM_BATCHED][0], lw=1)
        ax.plot([t_max, grid[-1]], [rec["seconds"]] * 2, "--", color=_STYLE[method][0], lw=1)
        ax.plot([t_star], [rec["seconds"]], "*", color="k", ms=12, label=label)
        ax.set_xlim(right=grid[-1] * 1.2)
        legend_outside(ax)
    else:
        ax.text(0.98, 0.02, label + (" - off the axis" if math.isfinite(t_star) else ""), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8)
    return ax
