"""Timing one call: ``torch.utils.benchmark`` plus peak memory and the environment it ran in.

:func:`measure` times a callable with :class:`torch.utils.benchmark.Timer`
(``blocked_autorange``: one warm-up call, then repeats until ``min_run_time``
has passed; the timer synchronises CUDA) and returns the timer's own
:class:`~torch.utils.benchmark.Measurement` (median, IQR, raw times), with the
peak memory of the calls in its ``metadata``. :class:`PeakMemory` is the one
thing ``torch.utils.benchmark`` lacks: CUDA's max allocated on a GPU, the peak
resident set size on a Linux CPU. :func:`environment` records what every
number was measured with.
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch.utils.benchmark import Measurement, Timer

from ..validate import check_positive_int, resolve_device

__all__ = ["PeakMemory", "environment", "free_memory", "measure", "peak_memory"]


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: str | torch.device, dtype: torch.dtype = torch.float32) -> dict:
    """What every result is recorded with: device, dtype, versions, threads, TF32 flags.

    Parameters
    ----------
    device: str or torch.device
        Where the model runs.
    dtype: torch.dtype, optional
        The model's parameter dtype. Default float32.

    Returns
    -------
    dict
        JSON-ready; keys ``device``, ``device_name``, ``dtype``, ``torch``,
        ``tangermeme``, ``threads``, ``cpu_count``, ``cudnn_allow_tf32``,
        ``matmul_allow_tf32``, ``python``, ``platform``.

    Raises
    ------
    ValueError
        If ``device`` is not a device torch understands (see
        :func:`~tism_tutorial.validate.resolve_device`).
    """
    from importlib.metadata import PackageNotFoundError, version

    device = resolve_device(device)
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


def free_memory(device: str | torch.device) -> None:
    """Collect garbage and, on CUDA, return cached blocks to the driver (between measurements)."""
    gc.collect()
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()


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


def _maxrss() -> int:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(r if sys.platform == "darwin" else r * 1024)


class PeakMemory:
    """Context manager: the peak memory a block of code used, in bytes, above its start.

    On CUDA: ``torch.cuda.max_memory_allocated`` after
    ``reset_peak_memory_stats`` (``kind="cuda_max_allocated"``). On Linux CPUs:
    the peak resident set size ``VmHWM``, reset through
    ``/proc/self/clear_refs`` after glibc's ``malloc_trim`` has returned freed
    memory to the OS (``kind="peak_rss"``); memory the allocator still holds
    can be reused without growing the RSS, so this is a lower bound.
    Elsewhere: ``ru_maxrss``, which cannot be reset (``kind="peak_rss_since_start"``).

    Parameters
    ----------
    device: str or torch.device
        Where the measured code computes (decides the counter).

    Attributes
    ----------
    peak: int or None
        Bytes above the level at entry, set on exit.
    kind: str
        Which counter ``peak`` comes from.
    """

    def __init__(self, device: str | torch.device):
        self.device = torch.device(device)
        self.peak: int | None = None
        self.kind = ""
        self._base = 0

    def __enter__(self) -> PeakMemory:
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
            self._base = _maxrss()
            self.kind = "peak_rss_since_start"
        return self

    def __exit__(self, *exc: object) -> bool:
        if self.kind == "cuda_max_allocated":
            torch.cuda.synchronize(self.device)
            self.peak = int(torch.cuda.max_memory_allocated(self.device) - self._base)
        elif self.kind == "peak_rss":
            hwm = _proc_status_kb("VmHWM")
            self.peak = None if hwm is None else max(0, hwm * 1024 - self._base)
        else:
            self.peak = max(0, _maxrss() - self._base)
        return False


def peak_memory(m: Measurement) -> tuple[int | None, str]:
    """The peak memory :func:`measure` stored in a measurement: (bytes or None, counter name)."""
    meta = m.metadata or {}
    return meta.get("peak_memory_bytes"), meta.get("memory_kind", "")


def measure(fn: Callable[[], Any], device: str | torch.device, min_run_time: float = 0.5, label: str = "",
            keep_output: bool = False, min_repeats: int = 3) -> Measurement | tuple[Measurement, Any]:
    """Time ``fn()`` with :class:`torch.utils.benchmark.Timer` and track its peak memory.

    ``Timer.blocked_autorange`` calls ``fn`` once as a warm-up, then repeats it
    until ``min_run_time`` seconds have passed; calls slower than that are
    timed again with ``Timer.timeit(1)`` until there are ``min_repeats``
    samples, merged with :meth:`Measurement.merge`. The timer synchronises
    CUDA around every timed block and runs with the current number of torch
    threads.

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
        Fewest timed samples behind the median, >= 1. Default 3.

    Returns
    -------
    torch.utils.benchmark.Measurement, or (Measurement, output) if ``keep_output``
        ``median`` and ``iqr`` in seconds per call, ``times`` the samples;
        ``metadata`` holds ``peak_memory_bytes`` (int or None, over the
        warm-up and the timed calls; see :class:`PeakMemory`) and ``memory_kind``.

    Raises
    ------
    ValueError
        If ``fn`` is not callable, ``min_run_time`` is negative or
        ``min_repeats`` is not a positive integer.
    """
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {type(fn).__name__}")
    if not min_run_time >= 0:
        raise ValueError(f"min_run_time must be >= 0 seconds, got {min_run_time!r}")
    min_repeats = check_positive_int(min_repeats, "min_repeats")
    box: dict = {}

    def call() -> None:
        box.pop("out", None)  # free the previous output before the next call
        box["out"] = fn()

    timer = Timer(stmt="call()", globals={"call": call}, label=label, num_threads=torch.get_num_threads())
    with PeakMemory(device) as mem:
        m = timer.blocked_autorange(min_run_time=min_run_time)
        extra = [timer.timeit(1) for _ in range(max(0, min_repeats - len(m.times)))]
        if extra:
            m = Measurement.merge([m, *extra])[0]
    m.metadata = {"peak_memory_bytes": mem.peak, "memory_kind": mem.kind}
    out = box.pop("out", None)
    return (m, out) if keep_output else m
