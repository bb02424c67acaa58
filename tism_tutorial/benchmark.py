"""How much faster is TISM than ISM? Timing harness, sweeps and tables (chapter 3).

Sasse, Chikina & Mostafavi (2024, iScience 27:110807) time ISM against TISM
for N sequences of 1,000 bp (their Table 1, about 160x) and for 10 sequences
of 251 to 20,000 bp (Table 2, 25x to 8,000x) on one RTX A4000, with ISM
predicting its variants in batches of 20, and estimate the speed-up as about
3 L / batch size. This module measures the same on Beluga and on untrained
Beluga-style networks sized to L, on whatever device runs it.

Methods, each producing ISM or TISM values of shape (N, 4, W) or (N, T, 4, W)
for the same target(s), in logit units, on the CPU:

* ``"TISM (batched)"``: :func:`tism_batched`, the package's
  :func:`~tism_tutorial.gradient` (batches of sequences, targets as batched
  vector-Jacobian products) followed by :func:`~tism_tutorial.tism`;
* ``"TISM (reference loop)"``: :func:`tism_reference_loop`, one sequence and
  one backward pass per target at a time, as the reference implementation
  (LXsasse/TISM ``takegrad``) does;
* ``"ISM loop, batch 20"`` and ``"ISM loop, tuned batch"``: :func:`ism_loop`,
  a plain loop that builds the 3 W variants of each sequence and predicts them
  in batches (the paper's procedure), at batch 20 and at the batch size
  :func:`tune_batch_size` finds fastest;
* ``"tangermeme ISM (fast=False)"``: tangermeme's ``saturation_mutagenesis``
  through :func:`~tism_tutorial.ism`;
* ``"tangermeme fastISM (forced)"``: :func:`fastism_ism`, the same call with
  tangermeme's fastISM path forced on by :func:`forced_fastism`.

Timing uses :class:`torch.utils.benchmark.Timer` (``blocked_autorange``: one
warm-up call, then repeats until ``min_run_time`` has passed, the median
reported; the timer synchronises CUDA). Peak memory is CUDA's max allocated
on a GPU and the peak resident set size (Linux ``VmHWM``, reset before each
method) on the CPU. Where a whole ISM run would exceed the profile's budget,
a subset of variants is timed and the time extrapolated linearly
(:func:`extrapolate`); every such value carries ``extrapolated=True``.
:func:`correctness_checks` checks in float64 that the methods agree;
:func:`float32_agreement` reports how closely the timed float32 runs agree.

Command line::

    python -m tism_tutorial.benchmark --profile quick|full|default --out results.json
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import resource
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils import benchmark as torch_benchmark
from tqdm import tqdm

from .validate import check_one_hot, check_targets, check_window
from .attributions import _model_device_dtype, gradient, ism, tism
from .model import SEQUENCE_LENGTH, Beluga, _conv_output_length

# --------------------------------------------------------------------------- #
# The paper's numbers
# --------------------------------------------------------------------------- #

#: GPU of the paper's timings.
PAPER_DEVICE = "NVIDIA RTX A4000"
#: Batch size of the paper's ISM.
PAPER_ISM_BATCH = 20
#: Sequence length of the paper's Table 1, in bp.
PAPER_TABLE1_LENGTH = 1000
#: Paper Table 1: N sequences of 1,000 bp -> (ISM seconds, TISM seconds).
PAPER_TABLE1 = {10: (22.41, 0.15), 100: (320.01, 2.84), 500: (1483.57, 8.83), 1000: (2382.91, 10.63)}
#: Number of sequences of the paper's Table 2.
PAPER_TABLE2_N = 10
#: Paper Table 2: 10 sequences of L bp -> (ISM seconds, TISM seconds).
PAPER_TABLE2 = {251: (3.29, 0.13), 1000: (22.41, 0.15), 5000: (238.41, 0.23), 20000: (6126.65, 0.75)}

# Method names, as they appear in records, tables and plots.
TISM_BATCHED = "TISM (batched)"
TISM_LOOP = "TISM (reference loop)"
ISM_20 = "ISM loop, batch 20"
ISM_TUNED = "ISM loop, tuned batch"
TM_SLOW = "tangermeme ISM (fast=False)"
TM_FAST = "tangermeme fastISM (forced)"
ISM_METHODS = (ISM_20, ISM_TUNED, TM_SLOW, TM_FAST)
#: Relative tolerance of the agreement checks (largest difference over largest value).
RTOL = 1e-4


def theoretical_speedup(length, batch_size: int = PAPER_ISM_BATCH):
    """The paper's estimate of the ISM / TISM time ratio, ``3 L / batch_size``.

    ISM needs 3 L forward passes per sequence, run ``batch_size`` at a time;
    TISM needs one forward and one backward pass, counted here as one batch.

    Parameters
    ----------
    length: int, float or numpy.ndarray
        Sequence length(s) L in bp, positive.
    batch_size: int, optional
        Variants per ISM forward pass. Default 20 (the paper's).

    Returns
    -------
    float or numpy.ndarray
        The predicted speed-up (dimensionless).

    Raises
    ------
    ValueError
        If a length or the batch size is not positive.
    """
    arr = np.asarray(length, dtype=float)
    if (arr <= 0).any() or not np.isfinite(arr).all():
        raise ValueError(f"length must be positive, got {length!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    out = 3 * arr / batch_size
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- #
# Profiles
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Profile:
    """Sizes of one benchmark run.

    Attributes
    ----------
    name: str
        "quick" (CI, CPU, a few minutes) or "full" (one GPU, under 20 minutes).
    length: int
        Sequence length of sweeps (a) and (c), bp (Beluga's 2,000).
    n_sequences: tuple of int
        Sweep (a): numbers of sequences N reported.
    tism_max_n: int
        Sweep (a): largest N whose TISM is measured; larger N are extrapolated.
    lengths: tuple of int
        Sweep (b): sequence lengths L reported (the paper's, plus 2,000).
    max_length: int
        Sweep (b): longest L that is built and run; longer ones are left out.
    n_length: int
        Sweep (b): sequences per length (the paper used 10).
    n_targets: tuple of int
        Sweep (c): numbers of targets T reported.
    targets_max_t: int
        Sweep (c): largest T measured; larger T are extrapolated.
    n_targets_sequences: int
        Sweep (c): sequences per measurement.
    ism_batches: tuple of int
        Subset sizes for the plain ISM loops and tangermeme's fast=False, in
        batches: a subset of k batches mutates round(k B / 3) positions.
    fastism_batches: tuple of int
        The same for fastISM; two sizes separate its fixed cost (capturing the
        model) from the cost per variant.
    fastism_batch_size: int
        Batch size of fastISM; 0 means the tuned batch size. tangermeme checks
        each call on about ``3 x batch_size`` forward passes with fast=False,
        which a small batch keeps cheap on a CPU.
    ism_full_budget_s: float
        A whole ISM run is measured (twice: warm-up and timed run) when the
        subset fit projects it to at most half this many seconds.
    tune_candidates: tuple of int
        Batch sizes tried by :func:`tune_batch_size`.
    tism_batch_size: int
        Sequences per forward/backward pass of batched TISM.
    target_batch_size: int
        Targets per batched vector-Jacobian product.
    min_run_time: float
        Seconds ``Timer.blocked_autorange`` keeps repeating a call (at least once
        after the warm-up).
    check_window: int
        Positions mutated by the ISM agreement check.
    """

    name: str
    length: int
    n_sequences: tuple
    tism_max_n: int
    lengths: tuple
    max_length: int
    n_length: int
    n_targets: tuple
    targets_max_t: int
    n_targets_sequences: int
    ism_batches: tuple
    fastism_batches: tuple
    fastism_batch_size: int
    ism_full_budget_s: float
    tune_candidates: tuple
    tism_batch_size: int
    target_batch_size: int
    min_run_time: float
    check_window: int


PROFILES = {
    "quick": Profile(
        name="quick", length=SEQUENCE_LENGTH, n_sequences=(1, 10, 100, 500, 1000), tism_max_n=10,
        lengths=(251, 1000, 2000, 5000, 20000), max_length=5000, n_length=10,
        n_targets=(1, 10, 100, 2002), targets_max_t=10, n_targets_sequences=1,
        ism_batches=(1,), fastism_batches=(3, 24), fastism_batch_size=8, ism_full_budget_s=0.0,
        tune_candidates=(8, 32),
        tism_batch_size=16, target_batch_size=64, min_run_time=1.0, check_window=6),
    "full": Profile(
        name="full", length=SEQUENCE_LENGTH, n_sequences=(1, 10, 100, 500, 1000), tism_max_n=1000,
        lengths=(251, 1000, 2000, 5000, 20000), max_length=20000, n_length=10,
        n_targets=(1, 10, 100, 2002), targets_max_t=2002, n_targets_sequences=10,
        ism_batches=(3, 9), fastism_batches=(3, 9), fastism_batch_size=0, ism_full_budget_s=60.0,
        tune_candidates=(20, 64, 128, 256, 512, 1024), tism_batch_size=64, target_batch_size=64,
        min_run_time=1.0, check_window=30),
}


def get_profile(name: str = "default", device=None) -> Profile:
    """The :class:`Profile` called ``name``; "default" is "full" on CUDA and "quick" elsewhere.

    Raises
    ------
    ValueError
        If ``name`` is not "quick", "full" or "default".
    """
    if name == "default":
        dev = torch.device(device) if device is not None else torch.device(
            "cuda" if torch.cuda.is_available() else "cpu")
        name = "full" if dev.type == "cuda" else "quick"
    if name not in PROFILES:
        raise ValueError(f"profile must be one of 'quick', 'full', 'default', got {name!r}")
    return PROFILES[name]


# --------------------------------------------------------------------------- #
# Environment, memory, timing
# --------------------------------------------------------------------------- #


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device, dtype=torch.float32) -> dict:
    """What every result is recorded with: device, dtype, versions, threads, TF32 flags.

    Parameters
    ----------
    device: str or torch.device
        Where the model runs.
    dtype: torch.dtype, optional
        The model's parameter dtype.

    Returns
    -------
    dict
        JSON-ready; keys ``device``, ``device_name``, ``dtype``, ``torch``,
        ``tangermeme``, ``threads``, ``cpu_count``, ``cudnn_allow_tf32``,
        ``matmul_allow_tf32``, ``python``, ``platform``.
    """
    from importlib.metadata import PackageNotFoundError, version

    device = torch.device(device)
    try:
        tm_version = version("tangermeme")
    except PackageNotFoundError:  # pragma: no cover - tangermeme is a dependency
        tm_version = "unknown"
    cuda = device.type == "cuda"
    return {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if cuda else _cpu_name(),
        "dtype": str(dtype).replace("torch.", ""),
        "torch": torch.__version__,
        "tangermeme": tm_version,
        "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "cudnn_allow_tf32": bool(torch.backends.cudnn.allow_tf32) if cuda else False,
        "matmul_allow_tf32": bool(torch.backends.cuda.matmul.allow_tf32) if cuda else False,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _proc_status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _malloc_trim() -> None:
    """Return freed heap memory to the OS (glibc), so that the RSS counts what a method allocates."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class PeakMemory:
    """Context manager: the peak memory a block of code used, in bytes, above its start.

    On CUDA: ``torch.cuda.max_memory_allocated`` after
    ``reset_peak_memory_stats`` (``kind="cuda_max_allocated"``). On Linux CPUs:
    the peak resident set size ``VmHWM``, reset through
    ``/proc/self/clear_refs`` after glibc's ``malloc_trim`` has returned freed
    memory to the OS (``kind="peak_rss"``); memory the allocator still holds
    can be reused without growing the RSS, so this is a lower bound.
    Elsewhere: ``ru_maxrss``, which cannot be reset (``kind="peak_rss_since_start"``).

    Attributes
    ----------
    peak: int or None
        Bytes above the level at entry, set on exit.
    kind: str
        Which counter ``peak`` comes from.
    """

    def __init__(self, device):
        self.device = torch.device(device)
        self.peak = None
        self.kind = ""
        self._base = 0

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
            self.kind = "cuda_max_allocated"
            return self
        gc.collect()
        _malloc_trim()
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # reset VmHWM to the current RSS (Linux >= 4.0)
            self._base = (_proc_status_kb("VmRSS") or 0) * 1024
            self.kind = "peak_rss"
        except OSError:
            self._base = self._maxrss()
            self.kind = "peak_rss_since_start"
        return self

    @staticmethod
    def _maxrss() -> int:
        r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(r if sys.platform == "darwin" else r * 1024)

    def __exit__(self, *exc):
        if self.kind == "cuda_max_allocated":
            torch.cuda.synchronize(self.device)
            self.peak = int(torch.cuda.max_memory_allocated(self.device) - self._base)
        elif self.kind == "peak_rss":
            hwm = _proc_status_kb("VmHWM")
            self.peak = None if hwm is None else max(0, hwm * 1024 - self._base)
        else:
            self.peak = max(0, self._maxrss() - self._base)
        return False


@dataclass
class Timing:
    """One measurement: median seconds of repeated calls and the peak memory.

    Attributes
    ----------
    seconds: float
        Median wall-clock seconds per call (after one warm-up call).
    times: list of float
        Seconds of each timed call.
    peak_memory_bytes: int or None
        Peak memory over the warm-up and the timed calls (see :class:`PeakMemory`).
    memory_kind: str
        The counter of ``peak_memory_bytes``.
    """

    seconds: float
    times: list
    peak_memory_bytes: int | None
    memory_kind: str


def measure(fn, device, min_run_time: float = 0.5, label: str = "", keep_output: bool = False,
            min_repeats: int = 3):
    """Time ``fn()`` with :class:`torch.utils.benchmark.Timer` and track its peak memory.

    ``Timer.blocked_autorange`` calls ``fn`` once as a warm-up, then repeats it
    until ``min_run_time`` seconds have passed; calls slower than that are
    timed again with ``Timer.timeit(1)`` until there are ``min_repeats``
    samples, and the median of all samples is reported. The timer
    synchronises CUDA around every timed block and runs with the current
    number of torch threads.

    Parameters
    ----------
    fn: callable
        Called without arguments; its return value is kept only if asked.
    device: str or torch.device
        Where ``fn`` computes (decides the memory counter).
    min_run_time: float, optional
        Seconds of timed repeats, >= 0. Default 0.5.
    label: str, optional
        Name for the Timer's report.
    keep_output: bool, optional
        Also return the last call's output.
    min_repeats: int, optional
        Fewest timed samples behind the median. Default 3.

    Returns
    -------
    Timing, or (Timing, output) if ``keep_output``.

    Raises
    ------
    ValueError
        If ``fn`` is not callable or ``min_run_time`` is negative.
    """
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {type(fn).__name__}")
    if not min_run_time >= 0:
        raise ValueError(f"min_run_time must be >= 0 seconds, got {min_run_time!r}")
    if not (isinstance(min_repeats, int) and min_repeats >= 1):
        raise ValueError(f"min_repeats must be a positive int, got {min_repeats!r}")
    box = {}

    def call():
        box.pop("out", None)  # free the previous output before the next call
        box["out"] = fn()

    timer = torch_benchmark.Timer(stmt="call()", globals={"call": call}, label=label,
                                  num_threads=torch.get_num_threads())
    with PeakMemory(device) as mem:
        m = timer.blocked_autorange(min_run_time=min_run_time)
        extra = [timer.timeit(1) for _ in range(max(0, min_repeats - len(m.times)))]
        if extra:
            m = torch_benchmark.Measurement.merge([m, *extra])[0]
    timing = Timing(float(m.median), [float(t) for t in m.times], mem.peak, mem.kind)
    out = box.pop("out", None)
    return (timing, out) if keep_output else timing


# --------------------------------------------------------------------------- #
# Extrapolation
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class LinearFit:
    """Time model ``seconds = intercept + slope * units``.

    Attributes
    ----------
    intercept: float
        Fixed cost per call, seconds (>= 0).
    slope: float
        Seconds per unit (forward pass, sequence or target), > 0.
    """

    intercept: float
    slope: float

    def __call__(self, units):
        return self.intercept + self.slope * np.asarray(units, dtype=float)


def fit_linear(units, seconds) -> LinearFit:
    """Fit ``seconds = a + b * units`` to measured points, for extrapolation.

    With one point (or one distinct ``units`` value) the time is taken as
    proportional to ``units`` (a = 0), which overestimates a larger job only
    by the fixed cost. With two or more, least squares; the intercept is
    clipped to ``[0, min(seconds)]`` (noise can make it negative) and the slope
    refitted through the points with that intercept.

    Parameters
    ----------
    units: sequence of float, shape=(n,)
        Size of each measured job (e.g. forward passes), positive.
    seconds: sequence of float, shape=(n,)
        Measured seconds of each job, positive.

    Returns
    -------
    LinearFit

    Raises
    ------
    ValueError
        If the lengths differ, no point is given, or a value is not positive and finite.
    """
    x = np.asarray(units, dtype=float).ravel()
    y = np.asarray(seconds, dtype=float).ravel()
    if x.size == 0 or x.size != y.size:
        raise ValueError(f"units and seconds must be non-empty and of equal length, got {x.size} and {y.size}")
    if not (np.isfinite(x).all() and (x > 0).all()):
        raise ValueError(f"units must be positive and finite, got {x.tolist()}")
    if not (np.isfinite(y).all() and (y > 0).all()):
        raise ValueError(f"seconds must be positive and finite, got {y.tolist()}")
    if np.unique(x).size == 1:
        return LinearFit(0.0, float(y.mean() / x[0]))
    b, a = np.polyfit(x, y, 1)
    a = float(np.clip(a, 0.0, y.min()))
    b = float(np.sum((y - a) * x) / np.sum(x * x))  # least squares slope with the intercept fixed
    if b <= 0:  # pure noise: fall back to proportional through the largest job
        a, b = 0.0, float(y[np.argmax(x)] / x.max())
    return LinearFit(a, b)


def extrapolate(units, seconds, target_units) -> tuple[float, LinearFit]:
    """Predict the seconds of a job of ``target_units`` from measured smaller jobs.

    Parameters
    ----------
    units, seconds: sequence of float
        Measured jobs, as for :func:`fit_linear`.
    target_units: float
        Size of the job to predict, positive.

    Returns
    -------
    seconds: float
        Predicted seconds.
    fit: LinearFit
        The line used.

    Raises
    ------
    ValueError
        Bad measured points (see :func:`fit_linear`) or a non-positive ``target_units``.
    """
    if not (np.isfinite(target_units) and target_units > 0):
        raise ValueError(f"target_units must be positive and finite, got {target_units!r}")
    fit = fit_linear(units, seconds)
    return float(fit(target_units)), fit


def ism_forward_passes(n_sequences: int, width: int) -> int:
    """Forward passes of an ISM run: one reference and 3 variants per position, per sequence.

    Raises
    ------
    ValueError
        If either argument is not a positive int.
    """
    for name, v in (("n_sequences", n_sequences), ("width", width)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(n_sequences) * (1 + 3 * int(width))


def crossover(fit: LinearFit, seconds: float) -> float:
    """The number of targets at which ``fit`` (TISM time vs T) reaches ``seconds`` (ISM time).

    Returns ``inf`` when the line never reaches it (slope 0) and a value below 1
    when TISM is slower even for one target.

    Raises
    ------
    ValueError
        If ``seconds`` is not positive.
    """
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    if fit.slope <= 0:
        return math.inf
    return (seconds - fit.intercept) / fit.slope


# --------------------------------------------------------------------------- #
# Records
# --------------------------------------------------------------------------- #


@dataclass
class Record:
    """One reported time: a method at one point of a sweep, measured or extrapolated.

    Attributes
    ----------
    sweep: str
        "sequences" (a), "length" (b), "targets" (c) or "tune".
    method: str
        One of the method names of this module.
    length, n_sequences, n_targets: int
        Sequence length (bp), number of sequences, number of targets.
    batch_size: int or None
        Sequences per forward pass (ISM: variants; TISM: sequences).
    target_batch_size: int or None
        Targets per batched vector-Jacobian product (batched TISM).
    seconds: float
        Median measured seconds, or the extrapolated seconds.
    extrapolated: bool
        True when ``seconds`` comes from :func:`extrapolate`.
    times: list of float
        Timed repeats (of the whole job, or of the subsets when extrapolated).
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
        :func:`environment` of the run.
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
        """A JSON-ready dict."""
        return asdict(self)


def measured_record(timing: Timing, **fields) -> Record:
    """A :class:`Record` of a measured job."""
    return Record(seconds=timing.seconds, extrapolated=False, times=timing.times,
                  peak_memory_bytes=timing.peak_memory_bytes, memory_kind=timing.memory_kind, **fields)


def extrapolated_record(basis, target_units: float, units: str, memory: Timing | None = None,
                        **fields) -> Record:
    """A :class:`Record` whose seconds are extrapolated from measured ``basis``.

    Parameters
    ----------
    basis: list of (units, Timing)
        The measured jobs.
    target_units: float
        Size of the reported job, in ``units``.
    units: str
        What the sizes count.
    memory: Timing, optional
        The measurement whose peak memory is reported (default: the largest job).
    **fields
        The remaining :class:`Record` fields.
    """
    if not basis:
        raise ValueError("basis must hold at least one measured job")
    xs = [float(u) for u, _ in basis]
    ys = [t.seconds for _, t in basis]
    seconds, fit = extrapolate(xs, ys, target_units)
    memory = memory or basis[int(np.argmax(xs))][1]
    return Record(seconds=seconds, extrapolated=True, times=[t for _, tm in basis for t in tm.times],
                  basis=[[x, y] for x, y in zip(xs, ys)], units=units, fit=[fit.intercept, fit.slope],
                  peak_memory_bytes=memory.peak_memory_bytes, memory_kind=memory.memory_kind, **fields)


# --------------------------------------------------------------------------- #
# Methods
# --------------------------------------------------------------------------- #


def tism_batched(model: torch.nn.Module, X, target, batch_size: int = 16,
                 target_batch_size: int = 64) -> torch.Tensor:
    """TISM batched over sequences and targets: :func:`~tism_tutorial.tism` of :func:`~tism_tutorial.gradient`.

    Parameters
    ----------
    model: torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits, in eval mode.
    X: torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    target: int or sequence of int
        Output index or indices.
    batch_size: int, optional
        Sequences per forward/backward pass. Default 16.
    target_batch_size: int, optional
        Targets per batched vector-Jacobian product. Default 64.

    Returns
    -------
    torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        TISM in logit units, model dtype, CPU.
    """
    return tism(gradient(model, X, target, batch_size=batch_size, target_batch_size=target_batch_size), X)


def tism_reference_loop(model: torch.nn.Module, X, target) -> torch.Tensor:
    """TISM the way the reference implementation computes it: one sequence and one target at a time.

    For each sequence: one forward pass, then one backward pass per target
    (keeping the graph), each gradient copied to the CPU; TISM (Eq. 3) at the end.
    This is the loop of ``takegrad`` in LXsasse/TISM, written with
    ``torch.autograd.grad``.

    Parameters
    ----------
    model: torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits, in eval mode.
    X: torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    target: int or sequence of int
        Output index or indices.

    Returns
    -------
    torch.Tensor, shape=(N, 4, L) or (N, T, 4, L)
        TISM in logit units, model dtype, CPU.

    Raises
    ------
    ValueError
        Non one-hot ``X`` or a target out of range.
    """
    X = check_one_hot(X)
    device, dtype = _model_device_dtype(model)
    grads, targets, scalar = [], None, False
    for i in range(X.shape[0]):
        xi = X[i:i + 1].to(device, dtype).requires_grad_(True)
        y = model(xi)
        if targets is None:
            targets, scalar = check_targets(target, y.shape[1])
        per_target = []
        for k, t in enumerate(targets):
            (g,) = torch.autograd.grad(y[0, t], xi, retain_graph=k < len(targets) - 1)
            per_target.append(g[0].cpu())
        grads.append(torch.stack(per_target))
    grad = torch.stack(grads)
    return tism(grad[:, 0] if scalar else grad, X)


@torch.inference_mode()
def ism_loop(model: torch.nn.Module, X, target, start: int = 0, end: int | None = None,
             batch_size: int = PAPER_ISM_BATCH) -> torch.Tensor:
    """ISM (Eq. 2) with a plain loop: build each sequence's variants, predict them in batches.

    This is the procedure the paper timed: for every sequence, the 3 W
    single-base variants of the window are built on the device, predicted
    ``batch_size`` at a time, and the reference prediction subtracted.

    Parameters
    ----------
    model: torch.nn.Module
        Maps float (B, 4, L) to (B, n_targets) logits, in eval mode.
    X: torch.Tensor, shape=(N, 4, L)
        One-hot sequences (A, C, G, T).
    target: int or sequence of int
        Output index or indices.
    start, end: int, optional
        Window ``[start, end)`` of positions to mutate; ``end=None`` means L.
    batch_size: int, optional
        Variants per forward pass, >= 1. Default 20 (the paper's).

    Returns
    -------
    torch.Tensor, shape=(N, 4, W) or (N, T, 4, W)
        f(variant) - f(reference) in logits, 0 at the reference base; model dtype, CPU.

    Raises
    ------
    ValueError
        Non one-hot ``X``, a bad window, a target out of range or a batch size < 1.
    """
    X = check_one_hot(X)
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    start, end = check_window(start, end, X.shape[-1])
    device, dtype = _model_device_dtype(model)
    width, length = end - start, X.shape[-1]
    out, index, scalar = [], None, False
    for i in range(X.shape[0]):
        x = X[i].to(device, dtype)
        y0 = model(x[None])
        if index is None:
            targets, scalar = check_targets(target, y0.shape[1])
            index = torch.tensor(targets, device=device)
        y0 = y0[:, index]
        ref = x[:, start:end].argmax(dim=0)
        alt = (ref[:, None] + torch.arange(1, 4, device=device)) % 4  # the 3 other bases, (W, 3)
        pos = torch.arange(start, end, device=device)[:, None].expand(-1, 3).reshape(-1)
        base = alt.reshape(-1)
        values = torch.zeros(len(index), 4, width, device=device, dtype=dtype)
        for j in range(0, pos.shape[0], batch_size):
            p, b = pos[j:j + batch_size], base[j:j + batch_size]
            rows = torch.arange(p.shape[0], device=device)
            xb = x.expand(p.shape[0], 4, length).clone()
            xb[rows, :, p] = 0
            xb[rows, b, p] = 1
            values[:, b, p - start] = (model(xb)[:, index] - y0).T
        out.append(values.cpu())
    values = torch.stack(out)
    return values[:, 0] if scalar else values


class FastISMUnavailable(RuntimeError):
    """tangermeme did not use its fastISM path (the reason is the message)."""


@contextlib.contextmanager
def forced_fastism():
    """Force tangermeme's fastISM path on for ``saturation_mutagenesis(fast=True)``.

    tangermeme 1.6 tries fastISM only for jobs that fast=False would take more
    than ``_FAST_MIN_SECONDS`` (30 s) to finish, and uses it only when it is
    not slower on one verification batch (``_FAST_MAX_RELATIVE_TIME``). Inside
    this context both module constants are patched (to 0 s and infinity) and
    restored on exit, so fastISM runs on any job whose capture by
    ``torch.export`` succeeds and passes tangermeme's accuracy check. The
    yielded dict's ``"fallback"`` lists tangermeme's warnings if it still fell
    back to fast=False.
    """
    from tangermeme import saturation_mutagenesis as sm
    from tangermeme.utils import TangermemeWarning

    saved = sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME
    sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME = 0.0, math.inf
    state = {"fallback": []}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TangermemeWarning)
            yield state
        for w in caught:
            if issubclass(w.category, TangermemeWarning) and "fast=False" in str(w.message):
                state["fallback"].append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    finally:
        sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME = saved


def fastism_ism(model: torch.nn.Module, X, target, start: int = 0, end: int | None = None,
                batch_size: int = 64) -> torch.Tensor:
    """ISM with tangermeme's fastISM path forced on (:func:`forced_fastism`).

    Same arguments and result as :func:`~tism_tutorial.ism`.

    Raises
    ------
    FastISMUnavailable
        If tangermeme could not capture or verify the model and fell back to fast=False.
    """
    with forced_fastism() as state:
        values = ism(model, X, target, start=start, end=end, batch_size=batch_size, fast=True, verbose=False)
    if state["fallback"]:
        raise FastISMUnavailable(state["fallback"][0])
    return values


def tangermeme_ism(model: torch.nn.Module, X, target, start: int = 0, end: int | None = None,
                   batch_size: int = 64) -> torch.Tensor:
    """ISM with tangermeme's ``saturation_mutagenesis(fast=False)`` (:func:`~tism_tutorial.ism`)."""
    return ism(model, X, target, start=start, end=end, batch_size=batch_size, fast=False, verbose=False)


def _ism_fn(method: str):
    return {ISM_20: ism_loop, ISM_TUNED: ism_loop, TM_SLOW: tangermeme_ism, TM_FAST: fastism_ism}[method]


# --------------------------------------------------------------------------- #
# Models for the length sweep
# --------------------------------------------------------------------------- #


def min_beluga_length() -> int:
    """The shortest input Beluga's unpadded convolutions and pools accept (310 bp)."""
    length = 1
    while _conv_output_length(length) < 1:
        length += 1
    return length


class PadTo(torch.nn.Module):
    """Run a fixed-length model on shorter sequences by zero-padding them on both sides.

    Zero columns are 'N' bases: they carry no sequence, so the wrapped model
    sees the same information as an input of the shorter length.

    Parameters
    ----------
    model: torch.nn.Module
        Takes (B, 4, ``length``).
    length: int
        The wrapped model's input length, bp.
    """

    def __init__(self, model: torch.nn.Module, length: int):
        super().__init__()
        self.model = model
        self.length = length

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """(B, 4, L) with L <= length -> the model's output on the centred, zero-padded input."""
        extra = self.length - X.shape[-1]
        if extra < 0:
            raise ValueError(f"X has length {X.shape[-1]}, longer than the model's {self.length}")
        return self.model(torch.nn.functional.pad(X, (extra // 2, extra - extra // 2)))


def beluga_style(length: int, device=None, seed: int = 0) -> torch.nn.Module:
    """An untrained Beluga-style network for sequences of ``length`` bp (the length sweep).

    Beluga's layers with the first dense layer sized to the length
    (:class:`~tism_tutorial.Beluga` ``(sequence_length=length)``), seeded
    PyTorch default initialisation, built directly on ``device``, eval mode.
    Lengths below :func:`min_beluga_length` (310 bp) are zero-padded to it by
    :class:`PadTo`.

    Parameters
    ----------
    length: int
        Input length in bp, >= 1.
    device: str or torch.device, optional
        Default: CUDA if available, else CPU.
    seed: int, optional
        Seed of the initialisation.

    Raises
    ------
    ValueError
        If ``length`` is not a positive int.
    """
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")
    device = torch.device(device) if device is not None else torch.device(
        "cuda" if torch.cuda.is_available() else "cpu")
    n = max(int(length), min_beluga_length())
    with torch.random.fork_rng(devices=[]), torch.device(device):
        torch.manual_seed(seed)
        net = Beluga(n)
    return (net if n == length else PadTo(net, n)).eval()


def n_parameters(model: torch.nn.Module) -> int:
    """Number of parameters of ``model``."""
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- #
# Agreement checks
# --------------------------------------------------------------------------- #


def relative_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """``max |a - b| / max |b|``: how far ``a`` is from the reference ``b``, relative to its scale.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    scale = b.abs().max().item()
    diff = (a.double() - b.double()).abs().max().item()
    return diff / scale if scale > 0 else diff


def correctness_checks(model: torch.nn.Module, X, target: int, targets, window: int,
                       tuned_batch_size: int, target_batch_size: int = 64,
                       rtol: float = RTOL) -> dict:
    """Check, in float64, that the timed methods compute the same numbers.

    1. Batched TISM equals the reference loop, for one target on all of ``X``.
    2. Batched multi-target vector-Jacobian products equal the loop over
       targets (first sequence).
    3. Every ISM method equals the plain loop at batch 20 on a ``window``-bp
       window of the first sequence.

    The checks run on a float64 copy of ``model``. In float32 a ReLU or
    max-pool whose inputs nearly tie can switch between two ways of summing
    the same numbers (one sequence or a batch), which changes the gradient
    over that unit's receptive field; :func:`float32_agreement` reports how
    often that happens in the timed runs. float64 makes such ties, and GPU
    TF32 rounding, irrelevant, so what is checked is the algorithms.

    Parameters
    ----------
    model: torch.nn.Module
        The network, eval mode (not modified).
    X: torch.Tensor, shape=(N, 4, L)
        A few one-hot sequences.
    target: int
        Target of checks 1 and 3.
    targets: sequence of int
        Targets of check 2.
    window: int
        Positions mutated in check 3, >= 1.
    tuned_batch_size: int
        Batch size of the tuned loop and of tangermeme's fast=False.
    target_batch_size: int, optional
        Targets per batched vector-Jacobian product in check 2.
    rtol: float, optional
        Tolerance on :func:`relative_difference`. Default 1e-4.

    Returns
    -------
    dict
        name -> {"relative_difference": float, "passed": bool, ...}; a
        fastISM path tangermeme refused is reported with ``"skipped"``.

    Raises
    ------
    ValueError
        Non one-hot ``X`` or a window that does not fit the sequence.
    """
    import copy

    X = check_one_hot(X).double()
    length = X.shape[-1]
    start, end = check_window(length // 2 - window // 2, length // 2 - window // 2 + window, length)
    model64 = copy.deepcopy(model).double().eval()
    checks = {}
    t_batched = tism_batched(model64, X, target)
    t_loop = tism_reference_loop(model64, X, target)
    checks["TISM batched == reference loop"] = _check(t_batched, t_loop, rtol, n_sequences=X.shape[0])
    m_batched = tism_batched(model64, X[:1], list(targets), target_batch_size=target_batch_size)
    m_loop = tism_reference_loop(model64, X[:1], list(targets))
    checks["multi-target VJPs == loop over targets"] = _check(m_batched, m_loop, rtol, n_targets=len(targets))
    x1 = X[:1]
    reference = ism_loop(model64, x1, target, start, end, batch_size=PAPER_ISM_BATCH)
    # tangermeme predicts the first batch of edits with fast=False: a batch of at most
    # `window` edits leaves 2/3 of the window to the fastISM path.
    for method, bs in ((ISM_TUNED, tuned_batch_size), (TM_SLOW, tuned_batch_size),
                       (TM_FAST, min(tuned_batch_size, window))):
        name = f"{method} == {ISM_20}"
        try:
            values = _ism_fn(method)(model64, x1, target, start, end, batch_size=bs)
        except FastISMUnavailable as err:
            checks[name] = {"skipped": str(err), "passed": True}
            continue
        checks[name] = _check(values, reference, rtol, window=[start, end], batch_size=bs)
    del model64
    _free(_model_device_dtype(model)[0])
    return checks


def _check(a, b, rtol, **extra) -> dict:
    rel = relative_difference(a, b)
    return {"relative_difference": rel, "passed": bool(rel <= rtol), "rtol": rtol, **extra}


def _agreement(a: torch.Tensor, b: torch.Tensor, rtol: float, **extra) -> dict:
    scale = b.abs().max().item() or 1.0
    close = (a.double() - b.double()).abs() <= rtol * scale
    positions = close.all(dim=-2) if a.ndim >= 3 else close  # a position agrees when all 4 bases do
    return {"relative_difference": relative_difference(a, b), "rtol": rtol,
            "fraction_within_rtol": float(positions.double().mean()),
            "sequences_within_rtol": int(positions.reshape(a.shape[0], -1).all(dim=1).sum()),
            "n_sequences": int(a.shape[0]), **extra}


def float32_agreement(outputs: dict, rtol: float = RTOL) -> dict:
    """How closely the timed runs themselves agree (reported, not asserted).

    Parameters
    ----------
    outputs: dict
        ``("tism", method)`` -> TISM of the largest measured N of sweep (a);
        ``("vjp", method)`` -> TISM of the largest measured T of sweep (c);
        ``("ism", method)`` -> list of (start, end, ISM values) of the timed subsets.
    rtol: float, optional
        Tolerance, relative to the largest value.

    Returns
    -------
    dict
        name -> {"relative_difference", "fraction_within_rtol" (of positions,
        all four bases within ``rtol``), "sequences_within_rtol", ...}. ISM
        values are compared on the window all timed subsets share.

    Raises
    ------
    ValueError
        If an output the comparison needs is missing.
    """
    need = [("tism", TISM_BATCHED), ("tism", TISM_LOOP), ("vjp", TISM_BATCHED), ("vjp", TISM_LOOP),
            ("ism", ISM_20)]
    missing = [k for k in need if k not in outputs]
    if missing:
        raise ValueError(f"outputs lacks {missing}")
    out = {}
    a, b = outputs[("tism", TISM_BATCHED)], outputs[("tism", TISM_LOOP)]
    out["TISM batched vs reference loop"] = _agreement(a, b, rtol)
    a, b = outputs[("vjp", TISM_BATCHED)], outputs[("vjp", TISM_LOOP)]
    out["multi-target VJPs vs loop over targets"] = _agreement(a, b, rtol, n_targets=int(a.shape[1]))
    subsets = [(m, s, e, v) for (kind, m), runs in outputs.items() if kind == "ism" for s, e, v in runs]
    start, end = max(s for _, s, _, _ in subsets), min(e for _, _, e, _ in subsets)
    if start >= end:
        raise ValueError("the timed ISM subsets share no window")
    s0, _, ref = outputs[("ism", ISM_20)][0]
    ref = ref[..., start - s0:end - s0]
    for method, s, e, values in subsets:
        if method != ISM_20:
            out[f"{method} ({e - s} positions) vs {ISM_20}"] = _agreement(values[..., start - s:end - s], ref, rtol,
                                                                          window=[start, end])
    return out


# --------------------------------------------------------------------------- #
# Sweeps
# --------------------------------------------------------------------------- #


def _random_one_hot(n: int, length: int, seed: int) -> torch.Tensor:
    from tangermeme.utils import random_one_hot

    return random_one_hot((n, 4, length), random_state=seed).float()


def _free(device) -> None:
    gc.collect()
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()


def tune_batch_size(model: torch.nn.Module, length: int, candidates, device, min_run_time: float = 0.5,
                    seed: int = 0, env: dict | None = None, label: str = ""):
    """The ISM batch size with the highest forward throughput (sequences per second).

    Each candidate batch of random sequences is predicted under
    ``torch.inference_mode`` and timed with :func:`measure`; a CUDA
    out-of-memory error ends the search.

    Parameters
    ----------
    model: torch.nn.Module
        The network, eval mode.
    length: int
        Sequence length, bp.
    candidates: sequence of int
        Batch sizes to try, in increasing order.
    device: str or torch.device
        The model's device.

    Returns
    -------
    best: int
        The fastest batch size per sequence.
    records: list of Record
        One per candidate (``sweep="tune"``; ``seconds`` per batch).

    Raises
    ------
    ValueError
        If ``candidates`` is empty or holds a non-positive value.
    """
    candidates = [int(c) for c in candidates]
    if not candidates or min(candidates) < 1:
        raise ValueError(f"candidates must be positive batch sizes, got {candidates!r}")
    _, dtype = _model_device_dtype(model)
    X = _random_one_hot(max(candidates), length, seed).to(device, dtype)
    records, best, best_rate = [], candidates[0], 0.0
    for bs in candidates:
        xb = X[:bs]

        def fn(xb=xb):
            with torch.inference_mode():
                return model(xb)

        try:
            timing = measure(fn, device, min_run_time, label=f"forward, batch {bs}")
        except torch.OutOfMemoryError:
            _free(device)
            break
        rate = bs / timing.seconds
        records.append(measured_record(timing, sweep="tune", method="forward pass", length=length, n_sequences=bs,
                                       n_targets=0, batch_size=bs, target_batch_size=None, model=label,
                                       note=f"{rate:.1f} sequences/s", env=env or {}))
        if rate > best_rate:
            best, best_rate = bs, rate
    del X
    _free(device)
    return best, records


def _subset_windows(batch_size: int, batches, length: int) -> list[int]:
    """Window widths (positions) holding ``k`` batches of variants for each k, within the sequence."""
    widths = sorted({min(length, max(1, round(k * batch_size / 3))) for k in batches})
    return widths


def _centred(width: int, length: int) -> tuple[int, int]:
    start = (length - width) // 2
    return start, start + width


def ism_fits(model, X1, target, methods: dict, prof: Profile, device, progress=None, keep=None):
    """Time each ISM method on subsets of one sequence's variants.

    Parameters
    ----------
    methods: dict of str -> int
        Method name -> batch size.
    keep: dict, optional
        If given, ``keep[("ism", method)]`` receives (start, end, values) of every subset.

    Returns
    -------
    dict of str -> list of (forward passes, Timing)
        The measured subsets of each method; a method tangermeme refused maps
        to its reason (a str).
    """
    length = X1.shape[-1]
    basis = {}
    for method, bs in methods.items():
        batches = prof.fastism_batches if method == TM_FAST else prof.ism_batches
        fn_ism = _ism_fn(method)
        basis[method] = []
        for width in _subset_windows(bs, batches, length):
            start, end = _centred(width, length)
            try:
                timing, values = measure(lambda: fn_ism(model, X1, target, start, end, batch_size=bs), device,
                                         prof.min_run_time, label=f"{method}, {width} positions", keep_output=True)
            except FastISMUnavailable as err:
                basis[method] = str(err)
                break
            basis[method].append((ism_forward_passes(1, width), timing))
            if keep is not None:
                keep.setdefault(("ism", method), []).append((start, end, values))
            if progress is not None:
                progress.update(1)
    return basis


def _ism_record(model, X, target, method, bs, basis, n, length, prof, device, sweep, env, label, n_targets=1):
    """Measure a whole ISM run when the fit projects it within budget, else extrapolate."""
    fields = dict(sweep=sweep, method=method, length=length, n_sequences=n, n_targets=n_targets, batch_size=bs,
                  target_batch_size=None, model=label, env=env)
    if isinstance(basis, str):
        return None
    units = ism_forward_passes(n, length)
    projected, _ = extrapolate([u for u, _ in basis], [t.seconds for _, t in basis], units)
    if 2 * projected <= prof.ism_full_budget_s and X is not None and n <= X.shape[0]:
        try:
            timing = measure(lambda: _ism_fn(method)(model, X[:n], target, batch_size=bs), device,
                             prof.min_run_time, label=f"{method}, N={n}")
            return measured_record(timing, **fields)
        except FastISMUnavailable:
            pass
    sizes = " and ".join(f"{int(u):,}" for u, _ in basis)
    return extrapolated_record(basis, units, "forward passes", **fields,
                               note=f"extrapolated from {sizes} timed forward passes on one sequence")


def sweep_sequences(model, prof: Profile, device, env, label, target=267, seed=0, tuned=20,
                    progress=None, keep=None):
    """Sweep (a): time against the number of sequences N at Beluga's 2,000 bp (Table 1 analogue).

    TISM (batched and reference loop) is measured up to ``prof.tism_max_n``
    sequences and extrapolated linearly in N beyond; every ISM method is
    timed on subsets of one sequence and extrapolated to N (3 L + 1) forward
    passes, unless a whole run fits the budget.

    With ``keep`` (a dict), the TISM values of the largest measured N go to
    ``keep[("tism", method)]`` and the ISM subsets' values to ``keep[("ism", method)]``.

    Returns
    -------
    records: list of Record
    ism_basis: dict
        The ISM subset timings (reused by the other sweeps).
    """
    length = prof.length
    n_max = max(n for n in prof.n_sequences if n <= prof.tism_max_n)
    X = _random_one_hot(n_max, length, seed)
    records = []
    for method, fn, bs in ((TISM_BATCHED, tism_batched, prof.tism_batch_size),
                           (TISM_LOOP, tism_reference_loop, 1)):
        basis = []
        for n in prof.n_sequences:
            fields = dict(sweep="sequences", method=method, length=length, n_sequences=n, n_targets=1,
                          batch_size=bs, target_batch_size=None, model=label, env=env)
            if n <= prof.tism_max_n:
                kw = {"batch_size": bs} if method == TISM_BATCHED else {}
                timing, values = measure(lambda: fn(model, X[:n], target, **kw), device, prof.min_run_time,
                                         label=f"{method}, N={n}", keep_output=True)
                if keep is not None:
                    keep[("tism", method)] = values
                basis.append((n, timing))
                records.append(measured_record(timing, **fields))
            else:
                records.append(extrapolated_record(basis, n, "sequences", **fields,
                                                   note="extrapolated linearly in N"))
            if progress is not None:
                progress.update(1)
    methods = {ISM_20: PAPER_ISM_BATCH, ISM_TUNED: tuned, TM_SLOW: tuned, TM_FAST: prof.fastism_batch_size or tuned}
    ism_basis = ism_fits(model, X[:1], target, methods, prof, device, progress, keep)
    for method, bs in methods.items():
        if isinstance(ism_basis[method], str):
            records.append(Record(sweep="sequences", method=method, length=length, n_sequences=0, n_targets=1,
                                  batch_size=bs, target_batch_size=None, seconds=float("nan"),
                                  extrapolated=False, model=label, env=env,
                                  note=f"not run: {ism_basis[method]}"))
            continue
        for n in prof.n_sequences:
            records.append(_ism_record(model, X, target, method, bs, ism_basis[method], n, length, prof, device,
                                       "sequences", env, label))
    del X
    _free(device)
    return records, ism_basis


def sweep_lengths(prof: Profile, device, env, target=267, seed=0, reuse=None, progress=None):
    """Sweep (b): time against sequence length on untrained Beluga-style networks (Table 2 analogue).

    For each L up to ``prof.max_length``, :func:`beluga_style` builds the
    network (dense layer sized to L; 251 bp is zero-padded to 310), TISM is
    measured on ``prof.n_length`` sequences and ISM at batch 20 timed on a
    subset of one sequence and extrapolated. At Beluga's own length the
    records of sweep (a) are reused when given (same architecture).

    Parameters
    ----------
    reuse: dict, optional
        {"tism": Record, "ism": Record} of sweep (a) at ``prof.n_length`` sequences of
        ``prof.length`` bp, measured on Beluga.

    Returns
    -------
    list of Record
    """
    records = []
    lengths = [L for L in prof.lengths if L <= prof.max_length]
    if not lengths:
        return records
    X_all = _random_one_hot(prof.n_length, max(lengths), seed)
    for L in prof.lengths:
        if L > prof.max_length:
            continue
        X = X_all[:, :, :L].contiguous()
        if reuse is not None and L == prof.length:
            for rec in (reuse["tism"], reuse["ism"]):
                note = "from sweep (a), Beluga's architecture at 2,000 bp" + (f"; {rec.note}" if rec.note else "")
                records.append(Record(**{**rec.to_dict(), "sweep": "length", "note": note}))
        else:
            model = beluga_style(L, device, seed)
            desc = (f"untrained Beluga-style network, L = {L:,} bp"
                    + (f" (zero-padded to {min_beluga_length()})" if L < min_beluga_length() else "")
                    + f", {n_parameters(model) / 1e6:,.0f} M parameters")
            timing = measure(lambda: tism_batched(model, X, target, batch_size=prof.tism_batch_size), device,
                             prof.min_run_time, label=f"TISM, L={L}")
            records.append(measured_record(timing, sweep="length", method=TISM_BATCHED, length=L,
                                           n_sequences=X.shape[0], n_targets=1, batch_size=prof.tism_batch_size,
                                           target_batch_size=None, model=desc, env=env))
            basis = ism_fits(model, X[:1], target, {ISM_20: PAPER_ISM_BATCH}, prof, device)[ISM_20]
            records.append(_ism_record(model, X, target, ISM_20, PAPER_ISM_BATCH, basis, X.shape[0], L, prof,
                                       device, "length", env, desc))
            del model
            _free(device)
        if progress is not None:
            progress.update(1)
    return records


def _spread_targets(n_targets: int, n_outputs: int, first: int) -> list[int]:
    """``n_targets`` distinct outputs spread over ``[0, n_outputs)``, starting with ``first``."""
    if n_targets >= n_outputs:
        return list(range(n_outputs))
    rest = [int(t) for t in np.linspace(0, n_outputs - 1, n_targets + 1).round() if int(t) != first]
    return ([first] + rest)[:n_targets]


def sweep_targets(model, prof: Profile, device, env, label, ism_records, target=267, seed=0, progress=None,
                  keep=None):
    """Sweep (c): time against the number of targets T at 2,000 bp.

    TISM needs one backward pass per target; batched vector-Jacobian
    products (:func:`tism_batched`) are measured against the Python loop
    (:func:`tism_reference_loop`) up to ``prof.targets_max_t`` targets and
    extrapolated linearly in T beyond. One ISM run yields every target, so
    the ISM times of sweep (a) for ``prof.n_targets_sequences`` sequences are
    reported for every T.

    Parameters
    ----------
    ism_records: dict of str -> Record
        ISM method -> its record of sweep (a) at ``prof.n_targets_sequences`` sequences.
    keep: dict, optional
        If given, ``keep[("vjp", method)]`` receives the TISM values of the largest measured T.

    Returns
    -------
    records: list of Record
    crossovers: dict
        ISM method -> T at which batched TISM takes as long (may exceed 2,002 or be inf).
    """
    length = prof.length
    n = prof.n_targets_sequences
    X = _random_one_hot(n, length, seed + 1)
    with torch.no_grad():
        n_outputs = model(X[:1].to(device, _model_device_dtype(model)[1])).shape[1]
    records, fits = [], {}
    for method in (TISM_BATCHED, TISM_LOOP):
        basis = []
        for T in prof.n_targets:
            targets = _spread_targets(T, n_outputs, target)
            fields = dict(sweep="targets", method=method, length=length, n_sequences=n, n_targets=len(targets),
                          batch_size=prof.tism_batch_size if method == TISM_BATCHED else 1,
                          target_batch_size=prof.target_batch_size if method == TISM_BATCHED else None,
                          model=label, env=env)
            if T <= prof.targets_max_t:
                if method == TISM_BATCHED:
                    fn = lambda: tism_batched(model, X, targets, batch_size=prof.tism_batch_size,  # noqa: E731
                                              target_batch_size=prof.target_batch_size)
                else:
                    fn = lambda: tism_reference_loop(model, X, targets)  # noqa: E731
                timing, values = measure(fn, device, prof.min_run_time, label=f"{method}, T={T}", keep_output=True)
                if keep is not None:
                    keep[("vjp", method)] = values
                del values
                basis.append((len(targets), timing))
                records.append(measured_record(timing, **fields))
                _free(device)
            else:
                records.append(extrapolated_record(basis, len(targets), "targets", **fields,
                                                   note="extrapolated linearly in T"))
            if progress is not None:
                progress.update(1)
        fits[method] = fit_linear([u for u, _ in basis], [t.seconds for _, t in basis])
    crossovers = {}
    for method, rec in ism_records.items():
        if rec is None or not math.isfinite(rec.seconds):
            continue
        for T in prof.n_targets:
            note = "one ISM run scores every target (from sweep (a))" + (f"; {rec.note}" if rec.note else "")
            records.append(Record(**{**rec.to_dict(), "sweep": "targets", "n_targets": min(T, n_outputs),
                                     "note": note}))
        crossovers[method] = crossover(fits[TISM_BATCHED], rec.seconds)
    del X
    _free(device)
    return records, crossovers


# --------------------------------------------------------------------------- #
# The whole benchmark
# --------------------------------------------------------------------------- #


def n_steps(prof: Profile) -> int:
    """Progress-bar steps of :func:`run` (measurements and sweep points)."""
    ism_subsets = 3 * len(prof.ism_batches) + len(prof.fastism_batches)
    lengths = sum(1 for L in prof.lengths if L <= prof.max_length)
    return 2 * len(prof.n_sequences) + ism_subsets + lengths + 2 * len(prof.n_targets)


def run(profile: str | Profile = "default", model: torch.nn.Module | None = None, info=None, target: int = 267,
        seed: int = 0, out=None, progress: bool = True) -> dict:
    """Run the agreement checks and the three sweeps; optionally write the results as JSON.

    The checks (:func:`correctness_checks`, float64, asserted by the chapter)
    run first; after the sweeps, :func:`float32_agreement` compares the
    outputs of the timed runs themselves (reported).

    Parameters
    ----------
    profile: str or Profile, optional
        "quick", "full" or "default" ("full" on CUDA, else "quick").
    model: torch.nn.Module, optional
        Beluga; default: :func:`~tism_tutorial.load_beluga` (CUDA if available).
    info: WeightsInfo, optional
        Provenance of ``model``; its ``label`` goes into every record.
    target: int, optional
        The target of single-target timings. Default 267 (H1-hESC JunD).
    seed: int, optional
        Seed of the random sequences and untrained networks.
    out: str or path, optional
        Where to write the JSON.
    progress: bool, optional
        Show a tqdm progress bar.

    Returns
    -------
    dict
        ``profile``, ``environment``, ``model``, ``target``, ``tuned_batch_size``,
        ``checks``, ``float32_agreement``, ``crossovers``, ``records`` (list of :class:`Record` dicts),
        ``wall_seconds``, ``phase_seconds`` (wall seconds of each step).
    """
    from .weights import load_beluga

    if model is None:
        model, info = load_beluga()
    device, dtype = _model_device_dtype(model)
    prof = profile if isinstance(profile, Profile) else get_profile(profile, device)
    label = info.label if info is not None else f"{type(model).__name__} (weights of unknown provenance)"
    env = environment(device, dtype)
    t0 = time.perf_counter()
    phases = {}

    def lap(name):
        phases[name] = time.perf_counter() - t0 - sum(phases.values())

    bar = tqdm(total=n_steps(prof) + 2, desc=f"benchmark ({prof.name})", disable=not progress, file=sys.stderr,
               mininterval=10)
    tuned, tune_records = tune_batch_size(model, prof.length, prof.tune_candidates, device, prof.min_run_time,
                                          seed, env, label)
    bar.update(1)
    lap("tune batch size")
    X_check = _random_one_hot(2, prof.length, seed + 2)
    with torch.no_grad():
        n_outputs = model(X_check[:1].to(device, dtype)).shape[1]
    checks = correctness_checks(model, X_check, target, _spread_targets(3, n_outputs, target), prof.check_window,
                                tuned, prof.target_batch_size)
    keep = {}
    bar.update(1)
    lap("checks")
    rec_n, _ = sweep_sequences(model, prof, device, env, label, target, seed, tuned, bar, keep)
    lap("sweep (a): sequences")

    def at(method, n):
        return next((r for r in rec_n if r.method == method and r.n_sequences == n), None)

    reuse = {"tism": at(TISM_BATCHED, prof.n_length), "ism": at(ISM_20, prof.n_length)}
    reuse = None if None in reuse.values() or reuse["tism"].extrapolated else reuse
    rec_l = sweep_lengths(prof, device, env, target, seed, reuse, bar)
    lap("sweep (b): length")
    rec_t, crossovers = sweep_targets(model, prof, device, env, label,
                                      {m: at(m, prof.n_targets_sequences) for m in ISM_METHODS}, target, seed, bar,
                                      keep)
    lap("sweep (c): targets")
    float32 = float32_agreement(keep)
    del keep
    bar.close()
    records = [r for r in tune_records + rec_n + rec_l + rec_t if r is not None]
    results = {
        "profile": asdict(prof), "environment": env, "model": label, "target": target,
        "tuned_batch_size": tuned, "checks": checks, "float32_agreement": float32, "crossovers": crossovers,
        "records": [r.to_dict() for r in records], "wall_seconds": time.perf_counter() - t0,
        "phase_seconds": phases,
    }
    if out is not None:
        save(results, out)
    return results


def save(results: dict, path) -> Path:
    """Write ``results`` of :func:`run` as JSON (infinities as strings); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return str(v)
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    path.write_text(json.dumps(clean(results), indent=1))
    return path


def load(path) -> dict:
    """Read results written by :func:`save` (or the command line).

    Raises
    ------
    ValueError
        If the file is not a results JSON.
    """
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or "records" not in data:
        raise ValueError(f"{path} is not a benchmark results file (no 'records')")

    def fix(v):
        if v in ("inf", "-inf", "nan"):
            return float(v)
        return v

    data["crossovers"] = {k: fix(v) for k, v in data.get("crossovers", {}).items()}
    for r in data["records"]:
        r["seconds"] = fix(r["seconds"])
    return data


# --------------------------------------------------------------------------- #
# Tables and plots
# --------------------------------------------------------------------------- #


def _lookup(results, sweep, method, key, value):
    for r in results["records"]:
        if r["sweep"] == sweep and r["method"] == method and r[key] == value:
            return r
    return None


def fmt_seconds(seconds: float, extrapolated: bool = False) -> str:
    """Seconds with 3 significant digits and thousands separators; '*' marks an extrapolated value."""
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    text = f"{seconds:,.0f}" if seconds >= 100 else f"{seconds:.3g}"
    return text + ("*" if extrapolated else "")


def speedups(results: dict, sweep: str, key: str, ism: str = ISM_20, tism_method: str = TISM_BATCHED) -> dict:
    """ISM seconds / TISM seconds at each point of a sweep.

    Returns
    -------
    dict of int -> (speed-up, extrapolated)
        ``extrapolated`` is True when either time is.
    """
    out = {}
    for r in results["records"]:
        if r["sweep"] == sweep and r["method"] == tism_method:
            i = _lookup(results, sweep, ism, key, r[key])
            if i is not None and math.isfinite(i["seconds"]):
                out[r[key]] = (i["seconds"] / r["seconds"], bool(i["extrapolated"] or r["extrapolated"]))
    return out


def table_sequences(results: dict):
    """Table 1 analogue: ISM (batch 20) and TISM seconds against N, the paper's beside ours.

    Returns
    -------
    pandas.DataFrame
        Index N; string cells, '*' marking extrapolated values.
    """
    import pandas as pd

    rows = []
    for n in sorted({r["n_sequences"] for r in results["records"] if r["sweep"] == "sequences"
                     and r["method"] == TISM_BATCHED} | set(PAPER_TABLE1)):
        i = _lookup(results, "sequences", ISM_20, "n_sequences", n)
        t = _lookup(results, "sequences", TISM_BATCHED, "n_sequences", n)
        p = PAPER_TABLE1.get(n)
        row = {"N": n}
        row["ISM, batch 20 (s)"] = fmt_seconds(i["seconds"], i["extrapolated"]) if i else "not run"
        row["TISM (s)"] = fmt_seconds(t["seconds"], t["extrapolated"]) if t else "not run"
        row["speed-up"] = (f"{i['seconds'] / t['seconds']:,.0f}x" + ("*" if i["extrapolated"] or t["extrapolated"]
                                                                      else "")) if i and t else ""
        row["paper ISM (s)"] = f"{p[0]:,.2f}" if p else ""
        row["paper TISM (s)"] = f"{p[1]:,.2f}" if p else ""
        row["paper speed-up"] = f"{p[0] / p[1]:,.0f}x" if p else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("N")


def table_lengths(results: dict):
    """Table 2 analogue: ISM (batch 20) and TISM seconds against L, the paper's beside ours.

    Returns
    -------
    pandas.DataFrame
        Index L (bp); string cells, '*' marking extrapolated values.
    """
    import pandas as pd

    n = results["profile"]["n_length"]
    rows = []
    for L in sorted(set(results["profile"]["lengths"]) | set(PAPER_TABLE2)):
        i = _lookup(results, "length", ISM_20, "length", L)
        t = _lookup(results, "length", TISM_BATCHED, "length", L)
        p = PAPER_TABLE2.get(L)
        row = {"L (bp)": L}
        row[f"ISM, batch 20 (s, N={n})"] = fmt_seconds(i["seconds"], i["extrapolated"]) if i else "not run"
        row[f"TISM (s, N={n})"] = fmt_seconds(t["seconds"], t["extrapolated"]) if t else "not run"
        row["speed-up"] = (f"{i['seconds'] / t['seconds']:,.0f}x" + ("*" if i["extrapolated"] else "")
                           ) if i and t else ""
        row["3L/20"] = f"{theoretical_speedup(L):,.0f}x"
        row["paper ISM (s)"] = f"{p[0]:,.2f}" if p else ""
        row["paper TISM (s)"] = f"{p[1]:,.2f}" if p else ""
        row["paper speed-up"] = f"{p[0] / p[1]:,.0f}x" if p else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("L (bp)")


def table_methods(results: dict, n_sequences: int):
    """Every method of sweep (a) at ``n_sequences`` sequences: seconds, speed-up of batched TISM, memory.

    Returns
    -------
    pandas.DataFrame
        Index method.
    """
    import pandas as pd

    tism_rec = _lookup(results, "sequences", TISM_BATCHED, "n_sequences", n_sequences)
    rows = []
    for method in (TISM_BATCHED, TISM_LOOP) + ISM_METHODS:
        r = _lookup(results, "sequences", method, "n_sequences", n_sequences)
        if r is None:
            continue
        mem = r["peak_memory_bytes"]
        rows.append({
            "method": method, "batch size": r["batch_size"],
            "seconds": fmt_seconds(r["seconds"], r["extrapolated"]),
            "TISM (batched) is faster by": (f"{r['seconds'] / tism_rec['seconds']:,.1f}x"
                                            if tism_rec and math.isfinite(r["seconds"]) else ""),
            "peak memory (MB)": f"{mem / 2**20:,.0f}" if mem is not None else "n/a",
            "note": r["note"],
        })
    return pd.DataFrame(rows).set_index("method")


def set_length_ticks(ax, lengths) -> None:
    """Label a log x axis at the given sequence lengths ("251", "1,000", ...) and nowhere else."""
    from matplotlib.ticker import NullFormatter

    ax.set_xticks(list(lengths))
    ax.set_xticklabels([f"{int(L):,}" for L in lengths])
    ax.xaxis.set_minor_formatter(NullFormatter())


_STYLE = {TISM_BATCHED: ("C0", "o"), TISM_LOOP: ("C1", "s"), ISM_20: ("C3", "^"), ISM_TUNED: ("C4", "v"),
          TM_SLOW: ("C5", "D"), TM_FAST: ("C2", "P")}


def plot_sweep(results: dict, sweep: str, ax, methods=None, theory: bool = True):
    """Log-log time against the sweep's variable, one line per method.

    Filled markers are measured, open markers extrapolated. With ``theory``
    (sweeps "sequences" and "length"), a dotted line shows the batched TISM
    time times 3 L / 20: the ISM time the paper's rule predicts.

    Parameters
    ----------
    results: dict
        From :func:`run` or :func:`load`.
    sweep: str
        "sequences", "length" or "targets".
    ax: matplotlib.axes.Axes
    methods: sequence of str, optional
        Methods to draw (default: all in the sweep).

    Raises
    ------
    ValueError
        If ``sweep`` is unknown.
    """
    keys = {"sequences": ("n_sequences", "number of sequences N"), "length": ("length", "sequence length L (bp)"),
            "targets": ("n_targets", "number of targets T")}
    if sweep not in keys:
        raise ValueError(f"sweep must be one of {sorted(keys)}, got {sweep!r}")
    key, xlabel = keys[sweep]
    recs = [r for r in results["records"] if r["sweep"] == sweep and math.isfinite(r["seconds"])]
    methods = methods or [m for m in (TISM_BATCHED, TISM_LOOP) + ISM_METHODS if any(r["method"] == m for r in recs)]
    for method in methods:
        rs = sorted((r for r in recs if r["method"] == method), key=lambda r: r[key])
        if not rs:
            continue
        color, marker = _STYLE.get(method, ("k", "o"))
        x = [r[key] for r in rs]
        y = [r["seconds"] for r in rs]
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
                    label="TISM x 3L/20 (paper's rule)")
    ax.plot([], [], "o", color="grey", mfc="none", label="open: extrapolated")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if sweep == "length":
        set_length_ticks(ax, sorted({r[key] for r in recs}))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("time (s)")
    ax.grid(True, which="major", alpha=0.3)
    return ax


# --------------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------------- #


def main(argv=None) -> int:
    """``python -m tism_tutorial.benchmark --profile quick|full|default --out results.json``."""
    parser = argparse.ArgumentParser(prog="python -m tism_tutorial.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="default", choices=["quick", "full", "default"],
                        help="quick: CPU, minutes; full: one GPU, under 20 minutes; default: full on CUDA")
    parser.add_argument("--out", default=None, help="JSON output (default: timing_<profile>.json here)")
    parser.add_argument("--weights", default="auto", help="'auto', 'untrained' or a path (see load_beluga)")
    parser.add_argument("--device", default=None, help="e.g. cpu, cuda, cuda:1 (default: CUDA if available)")
    parser.add_argument("--target", type=int, default=267, help="target of single-target timings")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from .weights import load_beluga

    model, info = load_beluga(args.weights, device=args.device)
    prof = get_profile(args.profile, next(model.parameters()).device)
    out = args.out or f"timing_{prof.name}.json"
    print(f"model: {info.label}\nprofile: {prof.name}, device: {next(model.parameters()).device}")
    results = run(prof, model, info, target=args.target, seed=args.seed, out=out)
    print(table_sequences(results).to_string())
    print(table_lengths(results).to_string())
    failed = [k for k, v in results["checks"].items() if not v["passed"]]
    print(f"checks: {len(results['checks']) - len(failed)} passed, {len(failed)} failed {failed or ''}")
    print(f"wrote {out} ({results['wall_seconds']:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
