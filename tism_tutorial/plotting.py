"""One plotting convention for every attribution map in the book.

Each map is drawn as a sequence logo (tangermeme's ``plot_logo``) above a
4 x L heatmap of all four bases, with a symmetric colour scale centred on 0,
x ticks in sequence coordinates, and the units on the y axis. Logo and
heatmap share one x coordinate system (column ``j`` is drawn at ``x = j`` and
labelled ``start + j``), so stacked panels line up column for column, and
``highlight`` marks sequence intervals (e.g. a planted motif) on both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from tangermeme.plot import plot_logo

from .model import ALPHABET


def _as_2d(values, name: str) -> np.ndarray:
    arr = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    if arr.ndim != 2 or arr.shape[0] != 4:
        raise ValueError(f"{name} must have shape (4, W), got {arr.shape}")
    return arr.astype(float)


#: Colour of the bands that :func:`logo` and :func:`heatmap` draw for ``highlight``.
HIGHLIGHT_COLOR = "goldenrod"


def _positions(ax: Axes, width: int, start: int) -> None:
    """Put column j at x = j, label ticks with sequence positions start + j, integer ticks only."""
    ax.set_xlim(-0.5, width - 0.5)
    ticks = [t for t in ax.get_xticks() if -0.5 <= t <= width - 0.5 and float(t).is_integer()]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{int(t + start):,}" for t in ticks])


def _highlight(ax: Axes, highlight: Sequence[tuple[int, int]] | None, start: int, filled: bool) -> None:
    """Mark each [first, end) interval (sequence coordinates) as a band on ``ax``."""
    for first, end in highlight or ():
        if filled:
            ax.axvspan(first - start - 0.5, end - start - 0.5, color=HIGHLIGHT_COLOR, alpha=0.25, lw=0)
        else:  # on a heatmap: an outline, so the colours underneath stay readable
            ax.axvspan(first - start - 0.5, end - start - 0.5, facecolor="none", edgecolor=HIGHLIGHT_COLOR,
                       lw=1.5)


def _check_highlight(highlight) -> list[tuple[int, int]]:
    if highlight is None:
        return []
    try:
        pairs = [(int(a), int(b)) for a, b in highlight]
    except (TypeError, ValueError) as err:
        raise ValueError(f"highlight must be a sequence of (first, end) position pairs, got {highlight!r}") from err
    if any(b <= a for a, b in pairs):
        raise ValueError(f"highlight intervals must have first < end, got {pairs}")
    return pairs


def logo(values: torch.Tensor | np.ndarray, ax: Axes, title: str = "", start: int = 0,
         ylabel: str = "logit", highlight: Sequence[tuple[int, int]] | None = None) -> Axes:
    """Draw a (4, W) attribution as a sequence logo on ``ax``; x axis in sequence positions.

    The letters are drawn with tangermeme's ``plot_logo``: each base's
    height is its value at that position (negative values below the axis).

    Parameters
    ----------
    values : torch.Tensor or numpy.ndarray, shape=(4, W)
        Rows A, C, G, T; any real dtype (drawn as float64), in the units of ``ylabel``.
    ax : matplotlib.axes.Axes
        Axes to draw on.
    title : str, optional
        Left-aligned axes title. Default ``""``.
    start : int, optional
        Sequence position of the first column (x tick labels are shifted by it). Default 0.
    ylabel : str, optional
        Y-axis label, the units of ``values``. Default ``"logit"``.
    highlight : sequence of (int, int), optional
        Intervals ``[first, end)`` in sequence positions to shade, e.g. a
        planted motif. Default none.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    ValueError
        If ``values`` is not of shape (4, W) or ``highlight`` is not a
        sequence of (first, end) pairs with first < end.
    """
    arr = _as_2d(values, "values")
    highlight = _check_highlight(highlight)
    plot_logo(arr, ax=ax)
    _positions(ax, arr.shape[1], start)
    _highlight(ax, highlight, start, filled=True)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    return ax


def heatmap(values: torch.Tensor | np.ndarray, ax: Axes, title: str = "", start: int = 0,
            colorbar_label: str = "logit", vmax: float | None = None,
            highlight: Sequence[tuple[int, int]] | None = None, colorbar: bool = True) -> Axes:
    """Draw a (4, W) map as a heatmap with rows A, C, G, T and a symmetric colour scale.

    Colours run from blue (``-vmax``) through white (0) to red (``vmax``)
    (``RdBu_r``); a colour bar is added next to ``ax`` unless ``colorbar`` is
    false (then add one for several axes with ``fig.colorbar(ax.images[0],
    ax=[...])``, which keeps stacked panels aligned).

    Parameters
    ----------
    values : torch.Tensor or numpy.ndarray, shape=(4, W)
        Rows A, C, G, T; any real dtype (drawn as float64).
    ax : matplotlib.axes.Axes
        Axes to draw on.
    title : str, optional
        Left-aligned axes title. Default ``""``.
    start : int, optional
        Sequence position of the first column; the x axis is in sequence
        positions (bp). Default 0.
    colorbar_label : str, optional
        Label of the colour bar, the units of ``values``. Default ``"logit"``.
    vmax : float or None, optional
        End of the colour scale; None (default) uses the largest absolute
        value (1.0 if ``values`` is all zero).
    highlight : sequence of (int, int), optional
        Intervals ``[first, end)`` in sequence positions to outline. Default none.
    colorbar : bool, optional
        Add a colour bar next to ``ax``. Default True.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    ValueError
        If ``values`` is not of shape (4, W) or ``highlight`` is not a
        sequence of (first, end) pairs with first < end.
    """
    arr = _as_2d(values, "values")
    highlight = _check_highlight(highlight)
    vmax = vmax if vmax is not None else (np.abs(arr).max() or 1.0)
    im = ax.imshow(arr, aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest",
                   extent=(-0.5, arr.shape[1] - 0.5, 3.5, -0.5))
    _positions(ax, arr.shape[1], start)
    _highlight(ax, highlight, start, filled=False)
    ax.set_yticks(range(4))
    ax.set_yticklabels(list(ALPHABET))
    ax.set_xlabel("position (bp)")
    ax.set_title(title, fontsize=10, loc="left")
    if colorbar:
        plt.colorbar(im, ax=ax, label=colorbar_label, fraction=0.02, pad=0.01)
    return ax


def plot_attribution(values: torch.Tensor | np.ndarray, title: str, start: int = 0,
                     logo_values: torch.Tensor | np.ndarray | None = None, units: str = "logit",
                     suptitle: str | None = None, highlight: Sequence[tuple[int, int]] | None = None) -> Figure:
    """A logo above a heatmap of one attribution map.

    Parameters
    ----------
    values : torch.Tensor or numpy.ndarray, shape=(4, W)
        The map drawn as the heatmap (all four bases).
    title : str
        Name of the variant; put the weights' provenance in ``suptitle``.
    start : int, optional
        Sequence position of the first column.
    logo_values : array, shape=(4, W), optional
        The map drawn as the logo (e.g. the mean effect on the reference
        base); defaults to ``values``.
    units : str, optional
        Axis and colour-bar label. Default "logit".
    suptitle : str, optional
        Figure title, e.g. the weights' label.
    highlight : sequence of (int, int), optional
        Intervals ``[first, end)`` in sequence positions (e.g. a planted motif)
        shaded on the logo and outlined on the heatmap. Default none.

    Returns
    -------
    matplotlib.figure.Figure
        A new 12 x 3.6 inch figure: the logo on top, the heatmap below, one
        colour bar beside both so their columns line up.

    Raises
    ------
    ValueError
        If ``values`` or ``logo_values`` is not of shape (4, W), or
        ``highlight`` is not a sequence of (first, end) pairs.
    """
    fig, (ax_logo, ax_heat) = plt.subplots(2, 1, figsize=(12, 3.6), height_ratios=(1.2, 1),
                                           constrained_layout=True)
    logo(values if logo_values is None else logo_values, ax_logo, f"{title}: logo", start, units, highlight)
    heatmap(values, ax_heat, f"{title}: all four bases", start, units, highlight=highlight, colorbar=False)
    fig.colorbar(ax_heat.images[0], ax=[ax_logo, ax_heat], label=units, fraction=0.02, pad=0.01)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig


def plot_overview(maps: Mapping[str, torch.Tensor | np.ndarray], start: int = 0, suptitle: str | None = None,
                  units: str = "logit", highlight: Sequence[tuple[int, int]] | None = None) -> Figure:
    """Stack several (4, W) maps as logos over the same window, one row each.

    Parameters
    ----------
    maps : dict of str -> array of shape (4, W)
        Row title -> map (drawn as a logo).
    start : int, optional
        Sequence position of the first column.
    suptitle : str, optional
        Figure title (the weights' provenance).
    units : str, optional
        Y-axis label of every row. Default "logit".
    highlight : sequence of (int, int), optional
        Intervals ``[first, end)`` in sequence positions shaded on every row. Default none.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure, 12 inches wide and 1.5 inches per row, sharing the x axis.

    Raises
    ------
    ValueError
        If a map is not of shape (4, W) or ``highlight`` is not a sequence of (first, end) pairs.
    """
    fig, axes = plt.subplots(len(maps), 1, figsize=(12, 1.5 * len(maps)), constrained_layout=True,
                             sharex=True)
    axes = np.atleast_1d(axes)
    for ax, (name, values) in zip(axes, maps.items()):
        logo(values, ax, name, start, units, highlight)
    axes[-1].set_xlabel("position (bp)")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig
