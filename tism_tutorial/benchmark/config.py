"""The sizes of one benchmark run.

:class:`~tism_tutorial.benchmark.config.Config`, built from :data:`tism_tutorial.profiles.TIMING`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from .. import profiles

__all__ = ["Config", "get_config"]


@dataclass(frozen=True)
class Config:
    """Sizes of one benchmark run (one entry of :data:`tism_tutorial.profiles.TIMING`), target and seed.

    Attributes
    ----------
    name: str
        Profile name ("quick", "default" or "full"; anything for a custom run).
    length: int
        Sequence length of the sequences and targets sweeps, bp (Beluga's 2,000).
    n_sequences: tuple of int
        Table 1 analogue: numbers of sequences N reported.
    tism_max_n: int
        Largest N whose TISM is measured; larger N are extrapolated.
    lengths: tuple of int
        Table 2 analogue: sequence lengths L reported (the paper's, plus 2,000).
    max_length: int
        Longest L that is built and run; longer ones are left out.
    n_length: int
        Sequences per length (the paper used 10).
    n_targets: tuple of int
        Targets sweep: numbers of targets T reported.
    targets_max_t: int
        Largest T measured; larger T are extrapolated.
    n_targets_sequences: int
        Sequences per measurement of the targets sweep.
    ism_batches: tuple of int
        Subset sizes for the plain ISM loops and tangermeme's fast=False, in
        batches: a subset of k batches mutates round(k B / 3) positions.
    fastism_batches: tuple of int
        The same for fastISM; two sizes separate its fixed cost (capturing the
        model) from the cost per variant.
    fastism_batch_size: int
        Batch size of fastISM; 0 means the tuned batch size.
    ism_full_budget_s: float
        A whole ISM run is measured (a warm-up and one to three timed runs,
        as many as fit) when the subset fit projects it to at most half this
        many seconds; otherwise its time is extrapolated.
    tune_candidates: tuple of int
        Batch sizes tried by :func:`tune_batch_size`.
    tism_batch_size: int
        Sequences per forward/backward pass of batched TISM.
    target_batch_size: int
        Targets per batched vector-Jacobian product.
    min_run_time: float
        Seconds ``Timer.blocked_autorange`` keeps repeating a call.
    check_window: int
        Positions mutated by the ISM agreement check.
    aitac_lengths: tuple of int
        Lengths (bp) of the AI-TAC-style rows; ``()`` skips them.
    aitac_ism_batches: tuple of int
        Subset sizes (in batches of 20) that the AI-TAC-style ISM is timed on;
        the network is small, so larger subsets than Beluga's keep the
        per-call overhead and the noise of a shared machine out of the fit.
    target: int
        Beluga target of single-target timings (267, H1-hESC JunD).
    seed: int
        Seed of the random sequences and untrained networks.
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
    aitac_lengths: tuple = ()
    aitac_ism_batches: tuple = (3, 9)
    target: int = 267
    seed: int = 0


def get_config(profile: str = "default", device: str | torch.device | None = None, **overrides) -> Config:
    """The :class:`~tism_tutorial.benchmark.config.Config` of a profile of :data:`tism_tutorial.profiles.TIMING`.

    Parameters
    ----------
    profile: str, optional
        "quick", "default" or "full"; "default" is GPU-sized on CUDA and
        "quick" elsewhere (:func:`tism_tutorial.profiles.resolve`).
    device: str, torch.device or None, optional
        The device the benchmark runs on; ``None``: CUDA when visible.
    **overrides
        Fields of :class:`~tism_tutorial.benchmark.config.Config` to change (e.g. ``target=53``).

    Returns
    -------
    Config

    Raises
    ------
    ValueError
        If ``profile`` is unknown or an override is not a :class:`~tism_tutorial.benchmark.config.Config` field.
    """
    name = profiles.resolve(profile, device)
    known = {f.name for f in fields(Config)}
    bad = sorted(set(overrides) - known)
    if bad:
        raise ValueError(f"unknown Config field(s) {bad}")
    return Config(name=name, **{**profiles.TIMING[name], **overrides})
