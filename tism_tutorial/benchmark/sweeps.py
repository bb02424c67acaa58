"""The sweeps of chapter 3 and the whole benchmark run.

Each sweep is driven by one :class:`~tism_tutorial.benchmark.config.Config`.

* Table 1 analogue (:func:`sweep_sequences`): time against the number of
  sequences N on Beluga at 2,000 bp;
* Table 2 analogue (:func:`sweep_lengths`): time against sequence length L on
  untrained Beluga-style networks sized to L;
* like-for-like rows (:func:`sweep_aitac`): an untrained AI-TAC-style network
  (chapter 5) at the paper's own lengths;
* :func:`sweep_targets`: time against the number of targets T, and the T at
  which TISM costs as much as one ISM run.

The sizes come from :data:`tism_tutorial.profiles.TIMING` through
:func:`~tism_tutorial.benchmark.get_config`.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch
from tangermeme.predict import predict
from tangermeme.utils import random_one_hot

from .. import paper
from ..attributions import model_device_dtype
from ..validate import check_int, check_positive_int
from ..weights import WeightsInfo, load_beluga
from .checks import correctness_checks, float32_agreement
from .config import Config, get_config
from .extrapolation import crossover, extrapolate, fit_linear, ism_forward_passes
from .harness import environment, free_memory, measure
from .methods import (
    ISM_20,
    ISM_METHODS,
    ISM_TUNED,
    TISM_BATCHED,
    TISM_LOOP,
    TM_FAST,
    TM_SLOW,
    FastISMUnavailable,
    aitac_style,
    beluga_style,
    ism_function,
    min_beluga_length,
    n_parameters,
    tism_function,
)
from .progress import Progress
from .records import Record, extrapolated_record, measured_record, save

__all__ = ["Bench", "ism_fits", "n_steps", "run", "spread_targets", "subset_widths", "sweep_aitac",
           "sweep_lengths", "sweep_sequences", "sweep_targets", "tune_batch_size"]


@dataclass
class Bench:
    """What every sweep needs: the model, the sizes, and where progress and outputs go.

    Attributes
    ----------
    model : torch.nn.Module
        Beluga (or any (B, 4, ``config.length``) -> (B, T) network), eval mode.
    config : ~tism_tutorial.benchmark.config.Config
        The sizes of every sweep (from :data:`tism_tutorial.profiles.TIMING`).
    label : str
        The weights' label, recorded with every number.
    env : dict
        :func:`~tism_tutorial.benchmark.environment`.
    tuned_batch_size : int
        Batch size of the tuned ISM methods (set by :func:`run`).
    progress : Progress or None
        Advanced once per measurement.
    outputs : dict
        Values of the timed runs kept for :func:`~tism_tutorial.benchmark.float32_agreement`.
    """

    model: torch.nn.Module
    config: Config
    label: str
    env: dict
    tuned_batch_size: int = paper.ISM_BATCH
    progress: Progress | None = None
    outputs: dict = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        """The model's device."""
        return model_device_dtype(self.model)[0]

    def step(self) -> None:
        """Advance the progress display by one measurement."""
        if self.progress is not None:
            self.progress.update()


def _random_one_hot(n: int, length: int, seed: int) -> torch.Tensor:
    return random_one_hot((n, 4, length), random_state=seed).float()


def tune_batch_size(bench: Bench, length: int | None = None) -> tuple[int, list[Record]]:
    """The ISM batch size with the highest forward throughput (sequences per second).

    One batch of each candidate size of random sequences is predicted with
    tangermeme's ``predict`` and timed with
    :func:`~tism_tutorial.benchmark.measure`; a CUDA out-of-memory error ends
    the search.

    Parameters
    ----------
    bench: Bench
        Model and ``config.tune_candidates`` (increasing batch sizes).
    length: int, optional
        Sequence length, bp; default ``config.length``.

    Returns
    -------
    best: int
        The fastest batch size per sequence.
    records: list of Record
        One per candidate (``sweep="tune"``; ``seconds`` per batch).

    Raises
    ------
    ValueError
        If ``tune_candidates`` is empty or holds a non-positive value.
    """
    cfg, device = bench.config, bench.device
    candidates = [check_positive_int(c, "tune_candidates") for c in cfg.tune_candidates]
    if not candidates:
        raise ValueError("tune_candidates must hold at least one batch size")
    length = length or cfg.length
    X = _random_one_hot(max(candidates), length, cfg.seed).to(device, model_device_dtype(bench.model)[1])
    records, best, best_rate = [], candidates[0], 0.0
    for bs in candidates:
        xb = X[:bs]
        try:
            m = measure(partial(predict, bench.model, xb, batch_size=bs, device=device), device, cfg.min_run_time,
                        label=f"forward, batch {bs}")
        except torch.OutOfMemoryError:
            free_memory(device)
            break
        rate = bs / m.median
        records.append(measured_record(m, sweep="tune", method="forward pass", length=length, n_sequences=bs,
                                       n_targets=0, batch_size=bs, target_batch_size=None, model=bench.label,
                                       note=f"{rate:.3g} sequences/s", env=bench.env))
        if rate > best_rate:
            best, best_rate = bs, rate
    del X
    free_memory(device)
    return best, records


def subset_widths(batch_size: int, batches: tuple, length: int) -> list[int]:
    """Window widths (positions) holding ``k`` batches of variants for each k in ``batches``, within the sequence."""
    return sorted({min(length, max(1, round(k * batch_size / 3))) for k in batches})


def _centred(width: int, length: int) -> tuple[int, int]:
    start = (length - width) // 2
    return start, start + width


def ism_fits(bench: Bench, model: torch.nn.Module, X1: torch.Tensor, methods: dict, keep: bool = False) -> dict:
    """Time each ISM method on centred windows of one sequence (the basis of extrapolations).

    Parameters
    ----------
    bench: Bench
        Sizes (``ism_batches``, ``fastism_batches``, ``min_run_time``), target and progress.
    model: torch.nn.Module
        The network timed (Beluga or a network of a length sweep).
    X1: torch.Tensor, shape=(1, 4, L)
        One one-hot sequence.
    methods: dict of str -> int
        ISM method name -> batch size.
    keep: bool, optional
        Keep every subset's values in ``bench.outputs[("ism", method)]`` as (start, end, values).

    Returns
    -------
    dict of str -> list of (forward passes, Measurement), or str
        The measured subsets of each method; a method tangermeme refused maps
        to its reason.
    """
    cfg, length = bench.config, X1.shape[-1]
    basis: dict = {}
    for method, bs in methods.items():
        fn = ism_function(method)
        basis[method] = []
        for width in subset_widths(bs, cfg.fastism_batches if method == TM_FAST else cfg.ism_batches, length):
            start, end = _centred(width, length)
            try:
                m, values = measure(partial(fn, model, X1, cfg.target, start, end, batch_size=bs), bench.device,
                                    cfg.min_run_time, label=f"{method}, {width} positions", keep_output=True)
            except FastISMUnavailable as err:
                basis[method] = str(err)
                break
            basis[method].append((ism_forward_passes(1, width), m))
            if keep:
                bench.outputs.setdefault(("ism", method), []).append((start, end, values))
            bench.step()
    return basis


def _ism_record(bench: Bench, net: torch.nn.Module, X: torch.Tensor, method: str, bs: int, basis, n: int,
                **fields) -> Record | None:
    """Measure a whole ISM run of ``X[:n]`` when the fit projects it within budget, else extrapolate."""
    if isinstance(basis, str):
        return None
    cfg, length = bench.config, X.shape[-1]
    fields = dict(method=method, length=length, n_sequences=n, n_targets=1, batch_size=bs, target_batch_size=None,
                  env=bench.env, **fields)
    units = ism_forward_passes(n, length)
    projected, _ = extrapolate([u for u, _ in basis], [m.median for _, m in basis], units)
    if 2 * projected <= cfg.ism_full_budget_s and n <= X.shape[0]:
        repeats = max(1, min(3, int(cfg.ism_full_budget_s // projected) - 1))  # a warm-up + what fits the budget
        try:
            m = measure(lambda: ism_function(method)(net, X[:n], cfg.target, batch_size=bs), bench.device,
                        cfg.min_run_time, label=f"{method}, N={n}", min_repeats=repeats)
            return measured_record(m, **fields, note="whole run measured")
        except FastISMUnavailable:
            pass
    sizes = " and ".join(f"{int(u):,}" for u, _ in basis)
    return extrapolated_record(basis, units, "forward passes", **fields,
                               note=f"extrapolated from {sizes} timed forward passes on one sequence")


def sweep_sequences(bench: Bench) -> tuple[list[Record], dict]:
    """Table 1 analogue: time against the number of sequences N at ``config.length`` bp.

    TISM (batched and reference loop) is measured up to ``tism_max_n``
    sequences and extrapolated linearly in N beyond; every ISM method is
    timed on subsets of one sequence and extrapolated to N (3 L + 1) forward
    passes, unless a whole run fits the budget. The TISM values of the
    largest measured N go to ``bench.outputs[("tism", method)]`` and the ISM
    subsets' values to ``bench.outputs[("ism", method)]``.

    Returns
    -------
    records: list of Record
    ism_basis: dict
        The ISM subset timings (see :func:`ism_fits`).
    """
    cfg, model = bench.config, bench.model
    n_max = max(n for n in cfg.n_sequences if n <= cfg.tism_max_n)
    X = _random_one_hot(n_max, cfg.length, cfg.seed)
    common = dict(sweep="sequences", length=cfg.length, n_targets=1, target_batch_size=None, model=bench.label,
                  env=bench.env)
    records = []
    for method, bs in ((TISM_BATCHED, cfg.tism_batch_size), (TISM_LOOP, 1)):
        fn, kw, basis = tism_function(method), ({"batch_size": bs} if method == TISM_BATCHED else {}), []
        for n in cfg.n_sequences:
            if n <= cfg.tism_max_n:
                m, values = measure(partial(fn, model, X[:n], cfg.target, **kw), bench.device, cfg.min_run_time,
                                    label=f"{method}, N={n}", keep_output=True)
                bench.outputs[("tism", method)] = values
                basis.append((n, m))
                records.append(measured_record(m, method=method, n_sequences=n, batch_size=bs, **common))
            else:
                records.append(extrapolated_record(basis, n, "sequences", method=method, n_sequences=n,
                                                   batch_size=bs, note="extrapolated linearly in N", **common))
            bench.step()
    tuned = bench.tuned_batch_size
    methods = {ISM_20: paper.ISM_BATCH, ISM_TUNED: tuned, TM_SLOW: tuned, TM_FAST: cfg.fastism_batch_size or tuned}
    ism_basis = ism_fits(bench, model, X[:1], methods, keep=True)
    for method, bs in methods.items():
        if isinstance(ism_basis[method], str):
            records.append(Record(method=method, n_sequences=0, batch_size=bs, seconds=float("nan"),
                                  extrapolated=False, note=f"not run: {ism_basis[method]}", **common))
            continue
        for n in cfg.n_sequences:
            records.append(_ism_record(bench, model, X, method, bs, ism_basis[method], n, sweep="sequences",
                                       model=bench.label))
    del X
    free_memory(bench.device)
    return records, ism_basis


def sweep_lengths(bench: Bench, reuse: dict | None = None) -> list[Record]:
    """Table 2 analogue: time against sequence length on untrained Beluga-style networks.

    For each L up to ``max_length``, :func:`~tism_tutorial.benchmark.beluga_style`
    builds the network (dense layer sized to L; 251 bp is zero-padded to 310),
    TISM is measured on ``n_length`` sequences and ISM at batch 20 timed on a
    subset of one sequence and extrapolated (or measured whole within the budget).

    Parameters
    ----------
    bench: Bench
    reuse: dict, optional
        {"tism": Record, "ism": Record} of the sequences sweep at ``n_length``
        sequences of ``config.length`` bp, reused at that length (same architecture).

    Returns
    -------
    list of Record
    """
    cfg, device = bench.config, bench.device
    records = []
    lengths = [L for L in cfg.lengths if L <= cfg.max_length]
    if not lengths:
        return records
    X_all = _random_one_hot(cfg.n_length, max(lengths), cfg.seed)
    for L in lengths:
        X = X_all[:, :, :L].contiguous()
        if reuse is not None and L == cfg.length:
            for rec in (reuse["tism"], reuse["ism"]):
                note = f"from the sequences sweep, Beluga's architecture at {L:,} bp" + (
                    f"; {rec.note}" if rec.note else "")
                records.append(Record(**{**rec.to_dict(), "sweep": "length", "note": note}))
        else:
            model = beluga_style(L, device, cfg.seed)
            desc = (f"untrained Beluga-style network, L = {L:,} bp"
                    + (f" (zero-padded to {min_beluga_length()})" if L < min_beluga_length() else "")
                    + f", {n_parameters(model) / 1e6:,.0f} M parameters")
            m = measure(partial(tism_function(TISM_BATCHED), model, X, cfg.target, batch_size=cfg.tism_batch_size),
                        device, cfg.min_run_time, label=f"TISM, L={L}")
            records.append(measured_record(m, sweep="length", method=TISM_BATCHED, length=L, n_sequences=X.shape[0],
                                           n_targets=1, batch_size=cfg.tism_batch_size, target_batch_size=None,
                                           model=desc, env=bench.env))
            basis = ism_fits(bench, model, X[:1], {ISM_20: paper.ISM_BATCH})[ISM_20]
            records.append(_ism_record(bench, model, X, ISM_20, paper.ISM_BATCH, basis, X.shape[0], sweep="length",
                                       model=desc))
            del model
            free_memory(device)
        bench.step()
    return records


def sweep_aitac(bench: Bench) -> list[Record]:
    """Like-for-like rows: TISM and ISM at batch 20 on an untrained AI-TAC-style network at the paper's lengths.

    For each L in ``config.aitac_lengths``, :func:`~tism_tutorial.benchmark.aitac_style`
    (chapter 5's network, 81 outputs) is timed on 1 and on ``n_length``
    sequences: batched TISM for one output (measured), and ISM at batch 20
    (which scores all outputs at once), measured whole where the budget
    allows and otherwise extrapolated from subsets of one sequence of
    ``aitac_ism_batches`` batches.
    Untrained weights do not change the time.

    Returns
    -------
    list of Record
        ``sweep="aitac"``.
    """
    cfg, device = bench.config, bench.device
    aitac_bench = replace(bench, config=replace(cfg, target=0, ism_batches=cfg.aitac_ism_batches))
    records = []
    for L in cfg.aitac_lengths:
        model = aitac_style(L, device, cfg.seed)
        desc = f"untrained AI-TAC-style network (chapter 5), L = {L:,} bp, {n_parameters(model):,} parameters"
        X = _random_one_hot(cfg.n_length, L, cfg.seed)
        for n in sorted({1, cfg.n_length}):
            # a call takes milliseconds: three times the run time gives a median robust to a busy machine
            m = measure(partial(tism_function(TISM_BATCHED), model, X[:n], 0, batch_size=cfg.tism_batch_size),
                        device, 3 * cfg.min_run_time, label=f"AI-TAC TISM, L={L}, N={n}")
            records.append(measured_record(m, sweep="aitac", method=TISM_BATCHED, length=L, n_sequences=n,
                                           n_targets=1, batch_size=cfg.tism_batch_size, target_batch_size=None,
                                           model=desc, env=bench.env))
            bench.step()
        basis = ism_fits(aitac_bench, model, X[:1], {ISM_20: paper.ISM_BATCH})[ISM_20]
        for n in sorted({1, cfg.n_length}):
            records.append(_ism_record(aitac_bench, model, X, ISM_20, paper.ISM_BATCH, basis, n, sweep="aitac",
                                       model=desc))
            bench.step()
        del model
        free_memory(device)
    return records


def spread_targets(n_targets: int, n_outputs: int, first: int) -> list[int]:
    """``n_targets`` distinct outputs spread over ``[0, n_outputs)``, starting with ``first``."""
    if n_targets >= n_outputs:
        return list(range(n_outputs))
    rest = [int(t) for t in np.linspace(0, n_outputs - 1, n_targets + 1).round() if int(t) != first]
    return ([first] + rest)[:n_targets]


def _n_outputs(model: torch.nn.Module, length: int) -> int:
    device, dtype = model_device_dtype(model)
    return int(predict(model, torch.zeros(1, 4, length, dtype=dtype), batch_size=1, device=device).shape[1])


def sweep_targets(bench: Bench, ism_records: dict) -> tuple[list[Record], dict]:
    """Time against the number of targets T at ``config.length`` bp, and the crossover with ISM.

    TISM needs one backward pass per target; batched vector-Jacobian
    products are measured against the Python loop up to ``targets_max_t``
    targets and extrapolated linearly in T beyond. One ISM run yields every
    target, so the ISM times of the sequences sweep for
    ``n_targets_sequences`` sequences are reported for every T. The TISM
    values of the largest measured T go to ``bench.outputs[("vjp", method)]``.

    Parameters
    ----------
    bench: Bench
    ism_records: dict of str -> Record or None
        ISM method -> its record of the sequences sweep at ``n_targets_sequences`` sequences.

    Returns
    -------
    records: list of Record
    crossovers: dict of str -> float
        ISM method -> T at which batched TISM takes as long, from the line
        fitted to the measured T (may exceed the number of outputs, or be inf).
    """
    cfg, model, device = bench.config, bench.model, bench.device
    n = cfg.n_targets_sequences
    X = _random_one_hot(n, cfg.length, cfg.seed + 1)
    n_outputs = _n_outputs(model, cfg.length)
    records, fits = [], {}
    for method in (TISM_BATCHED, TISM_LOOP):
        basis, batched = [], method == TISM_BATCHED
        kw = {"batch_size": cfg.tism_batch_size, "target_batch_size": cfg.target_batch_size} if batched else {}
        for T in cfg.n_targets:
            targets = spread_targets(T, n_outputs, cfg.target)
            common = dict(sweep="targets", method=method, length=cfg.length, n_sequences=n, n_targets=len(targets),
                          batch_size=cfg.tism_batch_size if batched else 1,
                          target_batch_size=cfg.target_batch_size if batched else None, model=bench.label,
                          env=bench.env)
            if T <= cfg.targets_max_t:
                m, values = measure(partial(tism_function(method), model, X, targets, **kw), device,
                                    cfg.min_run_time, label=f"{method}, T={T}", keep_output=True)
                bench.outputs[("vjp", method)] = values
                del values
                basis.append((len(targets), m))
                records.append(measured_record(m, **common))
                free_memory(device)
            else:
                sizes = " and ".join(str(u) for u, _ in basis)
                records.append(extrapolated_record(basis, len(targets), "targets", **common,
                                                   note=f"extrapolated linearly in T from T = {sizes}"))
            bench.step()
        fits[method] = fit_linear([u for u, _ in basis], [m.median for _, m in basis])
    crossovers = {}
    for method, rec in ism_records.items():
        if rec is None or not math.isfinite(rec.seconds):
            continue
        for T in cfg.n_targets:
            note = "one ISM run scores every target (from the sequences sweep)" + (f"; {rec.note}" if rec.note else "")
            records.append(Record(**{**rec.to_dict(), "sweep": "targets", "n_targets": min(T, n_outputs),
                                     "note": note}))
        crossovers[method] = crossover(fits[TISM_BATCHED], rec.seconds)
    del X
    free_memory(device)
    return records, crossovers


def n_steps(cfg: Config) -> int:
    """Progress steps of :func:`run` (measurements and sweep points)."""
    ism_subsets = 3 * len(cfg.ism_batches) + len(cfg.fastism_batches)
    lengths = sum(1 for L in cfg.lengths if L <= cfg.max_length)
    aitac = len(cfg.aitac_lengths) * (4 + len(cfg.aitac_ism_batches))
    return 2 + 2 * len(cfg.n_sequences) + ism_subsets + lengths * (1 + len(cfg.ism_batches)) \
        + 2 * len(cfg.n_targets) + aitac


def run(config: str | Config = "default", model: torch.nn.Module | None = None, info: WeightsInfo | None = None,
        out: str | Path | None = None, progress: bool = True) -> dict:
    """Run the agreement checks and every sweep; optionally write the results as JSON.

    The checks (:func:`~tism_tutorial.benchmark.correctness_checks`, float64,
    asserted by the chapter) run first; after the sweeps,
    :func:`~tism_tutorial.benchmark.float32_agreement` compares the outputs
    of the timed runs themselves (reported).

    Parameters
    ----------
    config : str or ~tism_tutorial.benchmark.config.Config, optional
        A profile name for :func:`get_config` ("quick", "default", "full") or a
        :class:`~tism_tutorial.benchmark.config.Config`.
    model: torch.nn.Module, optional
        Beluga; default: :func:`~tism_tutorial.load_beluga` (CUDA if available).
    info: tism_tutorial.WeightsInfo, optional
        Provenance of ``model``; its ``label`` goes into every record.
    out: str or pathlib.Path, optional
        Where to write the JSON.
    progress: bool, optional
        Show one progress line (updated in place in a notebook).

    Returns
    -------
    dict
        ``profile`` (the Config as a dict), ``environment``, ``model``, ``target``,
        ``tuned_batch_size``, ``checks``, ``float32_agreement``, ``crossovers``,
        ``records`` (list of :class:`Record` dicts), ``wall_seconds``,
        ``phase_seconds`` (wall seconds of each step).
    """
    if model is None:
        model, info = load_beluga()
    device, dtype = model_device_dtype(model)
    cfg = config if isinstance(config, Config) else get_config(config, device)
    check_int(cfg.target, "target", 0)
    label = info.label if info is not None else f"{type(model).__name__} (weights of unknown provenance)"
    bench = Bench(model, cfg, label, environment(device, dtype),
                  progress=Progress(n_steps(cfg), f"benchmark ({cfg.name})") if progress else None)
    t0, phases = time.perf_counter(), {}

    def lap(name: str) -> None:
        phases[name] = time.perf_counter() - t0 - sum(phases.values())

    bench.tuned_batch_size, tune_records = tune_batch_size(bench)
    bench.step()
    lap("tune batch size")
    X_check = _random_one_hot(2, cfg.length, cfg.seed + 2)
    targets = spread_targets(3, _n_outputs(model, cfg.length), cfg.target)
    checks = correctness_checks(model, X_check, cfg.target, targets, cfg.check_window, bench.tuned_batch_size,
                                cfg.target_batch_size)
    bench.step()
    lap("checks")
    rec_n, _ = sweep_sequences(bench)
    lap("Table 1: sequences")

    def at(method: str, n: int) -> Record | None:
        return next((r for r in rec_n if r is not None and r.method == method and r.n_sequences == n), None)

    reuse = {"tism": at(TISM_BATCHED, cfg.n_length), "ism": at(ISM_20, cfg.n_length)}
    reuse = None if None in reuse.values() or reuse["tism"].extrapolated else reuse
    rec_l = sweep_lengths(bench, reuse)
    lap("Table 2: length")
    rec_a = sweep_aitac(bench)
    lap("AI-TAC-style rows")
    rec_t, crossovers = sweep_targets(bench, {m: at(m, cfg.n_targets_sequences) for m in ISM_METHODS})
    lap("targets")
    float32 = float32_agreement(bench.outputs)
    bench.outputs.clear()
    if bench.progress is not None:
        bench.progress.close()
    records = [r for r in tune_records + rec_n + rec_l + rec_a + rec_t if r is not None]
    results = {
        "profile": asdict(cfg), "environment": bench.env, "model": label, "target": cfg.target,
        "tuned_batch_size": bench.tuned_batch_size, "checks": checks, "float32_agreement": float32,
        "crossovers": crossovers, "records": [r.to_dict() for r in records],
        "wall_seconds": time.perf_counter() - t0, "phase_seconds": phases,
    }
    if out is not None:
        save(results, out)
    return results
