"""One reported time per method and sweep point, measured or extrapolated, and its JSON file."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from torch.utils.benchmark import Measurement

from .extrapolation import extrapolate
from .harness import peak_memory

__all__ = ["Record", "extrapolated_record", "load", "measured_record", "save"]


@dataclass
class Record:
    """One reported time: a method at one point of a sweep, measured or extrapolated.

    Attributes
    ----------
    sweep: str
        "sequences" (Table 1), "length" (Table 2), "targets", "aitac" or "tune".
    method: str
        One of the method names of :mod:`tism_tutorial.benchmark.methods`.
    length, n_sequences, n_targets: int
        Sequence length (bp), number of sequences, number of targets.
    batch_size: int or None
        Sequences per forward pass (ISM: variants; TISM: sequences).
    target_batch_size: int or None
        Targets per batched vector-Jacobian product (batched TISM).
    seconds: float
        Median measured seconds (``Measurement.median``), or the extrapolated seconds.
    extrapolated: bool
        True when ``seconds`` comes from :func:`~tism_tutorial.benchmark.extrapolate`.
    iqr: float or None
        Interquartile range of the timed repeats, seconds (measured values only).
    times: list of float
        Timed repeats, seconds (of the whole job, or of the subsets when extrapolated).
    basis: list of [units, seconds]
        The measured jobs an extrapolation used.
    units: str
        What ``basis`` counts ("forward passes", "sequences", "targets").
    fit: list of float or None
        [intercept s, slope s per unit] of the extrapolation.
    peak_memory_bytes: int or None
        Peak memory of the measured job (of the largest subset when extrapolated).
    memory_kind: str
        The counter of ``peak_memory_bytes``.
    model: str
        The weights' label or the network's description.
    note: str
        Anything a reader must know about this value.
    env: dict
        :func:`~tism_tutorial.benchmark.environment` of the run.
    """

    sweep: str
    method: str
    length: int
    n_sequences: int
    n_targets: int
    batch_size: int | None
    target_batch_size: int | None
    seconds: float
    extrapolated: bool
    iqr: float | None = None
    times: list = field(default_factory=list)
    basis: list = field(default_factory=list)
    units: str = ""
    fit: list | None = None
    peak_memory_bytes: int | None = None
    memory_kind: str = ""
    model: str = ""
    note: str = ""
    env: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field."""
        return asdict(self)


def measured_record(m: Measurement, **fields) -> Record:
    """A :class:`Record` of a job timed whole by :func:`~tism_tutorial.benchmark.measure`.

    Parameters
    ----------
    m: torch.utils.benchmark.Measurement
        The measurement; its median is the record's ``seconds``.
    **fields
        The remaining :class:`Record` fields (``sweep``, ``method``, ...).
    """
    peak, kind = peak_memory(m)
    return Record(seconds=float(m.median), extrapolated=False, iqr=float(m.iqr), times=[float(t) for t in m.times],
                  peak_memory_bytes=peak, memory_kind=kind, **fields)


def extrapolated_record(basis: list, target_units: float, units: str, memory: Measurement | None = None,
                        **fields) -> Record:
    """A :class:`Record` whose seconds are extrapolated from measured smaller jobs.

    Parameters
    ----------
    basis: list of (float, torch.utils.benchmark.Measurement)
        The measured jobs: (size in ``units``, measurement).
    target_units: float
        Size of the reported job, in ``units``, positive.
    units: str
        What the sizes count.
    memory: torch.utils.benchmark.Measurement, optional
        The measurement whose peak memory is reported (default: the largest job).
    **fields
        The remaining :class:`Record` fields.

    Raises
    ------
    ValueError
        If ``basis`` is empty or the fit fails (see :func:`~tism_tutorial.benchmark.fit_linear`).
    """
    if not basis:
        raise ValueError("basis must hold at least one measured job")
    xs = [float(u) for u, _ in basis]
    ys = [float(m.median) for _, m in basis]
    seconds, fit = extrapolate(xs, ys, target_units)
    peak, kind = peak_memory(memory or basis[int(np.argmax(xs))][1])
    return Record(seconds=seconds, extrapolated=True, times=[float(t) for _, m in basis for t in m.times],
                  basis=[[x, y] for x, y in zip(xs, ys)], units=units, fit=[fit.intercept, fit.slope],
                  peak_memory_bytes=peak, memory_kind=kind, **fields)


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def save(results: dict, path: str | Path) -> Path:
    """Write ``results`` of :func:`~tism_tutorial.benchmark.run` as JSON (infinities as strings).

    Parameters
    ----------
    results: dict
        JSON-ready apart from non-finite floats.
    path: str or pathlib.Path
        The file; its folder is created.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_clean(results), indent=1))
    return path


def load(path: str | Path) -> dict:
    """Read results written by :func:`save` (or the command line).

    Parameters
    ----------
    path: str or pathlib.Path
        A JSON file written by :func:`save`.

    Returns
    -------
    dict
        The results, with "inf" and "nan" strings turned back into floats.

    Raises
    ------
    ValueError
        If the file is not a results JSON.
    """
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or "records" not in data:
        raise ValueError(f"{path} is not a benchmark results file (no 'records')")

    def fix(v):
        return float(v) if v in ("inf", "-inf", "nan") else v

    data["crossovers"] = {k: fix(v) for k, v in data.get("crossovers", {}).items()}
    for r in data["records"]:
        r["seconds"] = fix(r["seconds"])
    return data
