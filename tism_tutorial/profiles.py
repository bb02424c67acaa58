"""Every chapter's run sizes, in one place, with one meaning of each profile name.

Each chapter takes a papermill parameter ``profile``:

``"quick"``
    Minutes on a 2-core CPU; what the tests and CI run.
``"default"``
    Sized for one GPU (about 10 minutes on a Colab T4) when CUDA is visible,
    and the same as ``"quick"`` otherwise, so a reader who runs a chapter as it
    comes never waits hours on a laptop.
``"full"``
    The paper's sizes where they fit on one GPU; hours on a CPU.

A chapter reads its sizes with ``sizes(CHAPTER, profile, device)``, where
``CHAPTER`` is one of the dictionaries below (profile name -> sizes).
"""

from __future__ import annotations

import torch

from .validate import resolve_device

#: The profile names every chapter accepts.
NAMES = ("quick", "default", "full")


def resolve(profile: str, device: str | torch.device | None = None) -> str:
    """The profile a chapter runs: ``"default"`` becomes ``"quick"`` without CUDA.

    Parameters
    ----------
    profile: str
        ``"quick"``, ``"default"`` or ``"full"``.
    device: str, torch.device or None, optional
        The device the chapter computes on (see
        :func:`~tism_tutorial.validate.resolve_device`); ``None`` means CUDA
        when visible.

    Returns
    -------
    str
        ``"quick"``, ``"default"`` (only on CUDA) or ``"full"``.

    Raises
    ------
    ValueError
        If ``profile`` is not one of :data:`NAMES`.
    """
    if profile not in NAMES:
        raise ValueError(f"profile must be one of {NAMES}, got {profile!r}")
    if profile == "default" and resolve_device(device).type != "cuda":
        return "quick"
    return profile


def sizes(chapter: dict, profile: str, device: str | torch.device | None = None) -> dict:
    """The sizes of ``chapter`` under ``profile`` (after :func:`resolve`), as a new dict.

    Parameters
    ----------
    chapter: dict
        One of this module's chapter tables, e.g. :data:`CONCORDANCE`.
    profile, device:
        As in :func:`resolve`.

    Returns
    -------
    dict
        A copy of the chosen sizes, with the resolved name under ``"profile"``.

    Raises
    ------
    ValueError
        If ``profile`` is unknown.
    """
    name = resolve(profile, device)
    return {"profile": name, **chapter[name]}

#: Chapter 3 (timing), read by :func:`tism_tutorial.benchmark.get_config`; field meanings
#: in :class:`tism_tutorial.benchmark.Config`. "quick" times subsets of every Beluga ISM run
#: and extrapolates, but measures the AI-TAC-style 251-bp row whole; "default" is budgeted
#: for about 10 minutes on a Colab T4; "full" has the paper's sizes (N up to 1,000, L up to
#: 20,000 bp, all 2,002 targets) and needs a GPU with 16 GB or more.
TIMING = {
    "quick": dict(length=2000, n_sequences=(1, 10, 100, 500, 1000), tism_max_n=10,
                  lengths=(251, 1000, 2000, 5000, 20000), max_length=5000, n_length=10,
                  n_targets=(1, 10, 100, 2002), targets_max_t=10, n_targets_sequences=1,
                  ism_batches=(1,), fastism_batches=(3, 24), fastism_batch_size=8, ism_full_budget_s=60.0,
                  tune_candidates=(8, 32), tism_batch_size=16, target_batch_size=64, min_run_time=1.0,
                  check_window=6, aitac_lengths=(251, 1000), aitac_ism_batches=(3, 24)),
    "default": dict(length=2000, n_sequences=(1, 10, 100, 500, 1000), tism_max_n=100,
                    lengths=(251, 1000, 2000, 5000, 20000), max_length=5000, n_length=10,
                    n_targets=(1, 10, 100, 2002), targets_max_t=100, n_targets_sequences=10,
                    ism_batches=(3, 9), fastism_batches=(3, 9), fastism_batch_size=0, ism_full_budget_s=20.0,
                    tune_candidates=(20, 64, 128, 256), tism_batch_size=64, target_batch_size=64,
                    min_run_time=1.0, check_window=30, aitac_lengths=(251, 1000), aitac_ism_batches=(3, 24)),
    "full": dict(length=2000, n_sequences=(1, 10, 100, 500, 1000), tism_max_n=1000,
                 lengths=(251, 1000, 2000, 5000, 20000), max_length=20000, n_length=10,
                 n_targets=(1, 10, 100, 2002), targets_max_t=2002, n_targets_sequences=10,
                 ism_batches=(3, 9), fastism_batches=(3, 9), fastism_batch_size=0, ism_full_budget_s=60.0,
                 tune_candidates=(20, 64, 128, 256, 512, 1024), tism_batch_size=64, target_batch_size=64,
                 min_run_time=1.0, check_window=30, aitac_lengths=(251, 1000), aitac_ism_batches=(3, 24)),
}
