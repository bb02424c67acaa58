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

from . import paper
from .validate import resolve_device

#: The profile names every chapter accepts.
NAMES = ("quick", "default", "full")


def resolve(profile: str, device: str | torch.device | None = None) -> str:
    """The profile a chapter runs: ``"default"`` becomes ``"quick"`` without CUDA.

    Parameters
    ----------
    profile : str
        ``"quick"``, ``"default"`` or ``"full"``.
    device : str, torch.device or None, optional
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
        If ``profile`` is not one of :data:`NAMES`, or ``device`` is not a
        usable device (only checked for ``"default"``).
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
    chapter : dict
        One of this module's chapter tables, e.g. :data:`CONCORDANCE`.
    profile : str
        ``"quick"``, ``"default"`` or ``"full"``, as in :func:`resolve`.
    device : str, torch.device or None, optional
        As in :func:`resolve`.

    Returns
    -------
    dict
        A copy of the chosen sizes, with the resolved name under ``"profile"``.

    Raises
    ------
    ValueError
        If ``profile`` is unknown, or ``device`` is not a usable device.
    """
    name = resolve(profile, device)
    return {"profile": name, **chapter[name]}


# --------------------------------------------------------------------------- #
# Each chapter's sizes: profile name -> sizes. "default" is used only on CUDA.
# --------------------------------------------------------------------------- #

#: Chapter 1 (Taylor link): points on the Taylor-remainder sweep.
TAYLOR_LINK = {
    "quick": {"n_eps": 13},
    "default": {"n_eps": 25},
    "full": {"n_eps": 25},
}

#: Chapter 2 (every variant on Beluga): ISM over the whole 2 kb or the shown window,
#: the most DeepLIFT/SHAP shuffles, and repeats of the timing teaser (seconds of
#: ``blocked_autorange``; 1 means a single run).
ATTRIBUTIONS = {
    "quick": {"full_ism": False, "max_shuffles": 10, "timing_repeats": 1},
    "default": {"full_ism": True, "max_shuffles": 20, "timing_repeats": 3},
    "full": {"full_ism": True, "max_shuffles": 20, "timing_repeats": 3},
}

#: Chapter 4 (concordance on Beluga): test sequences, central ISM window (bp), targets.
CONCORDANCE = {
    "quick": {"n_sequences": 6, "window": 50, "n_targets": 6},
    "default": {"n_sequences": 100, "window": 200, "n_targets": 20},
    "full": {"n_sequences": 500, "window": 200, "n_targets": 20},
}

#: Chapter 5 (robustness on simulated data): data, training, the compared settings
#: and the held-out sequences that ISM runs on.
ROBUSTNESS = {
    "quick": dict(n_train=3000, n_val=500, epochs=8, patience=3, n_filters=64, seeds=[0, 1],
                  fractions=[0.05, 0.25, 1.0], ablations=["full model", "ReLU", "AdamW", "shallow CNN"],
                  n_attr=24, n_epoch_attr=8, n_shuffles=10),
    "default": dict(n_train=6000, n_val=1000, epochs=12, patience=4, n_filters=64, seeds=[0, 1, 2],
                    fractions=[0.05, 0.1, 0.25, 0.5, 1.0], ablations=list(paper.ABLATIONS),
                    n_attr=50, n_epoch_attr=12, n_shuffles=20),
    "full": dict(n_train=15000, n_val=2000, epochs=25, patience=5, n_filters=64, seeds=[0, 1, 2, 3, 4],
                 fractions=[0.05, 0.1, 0.25, 0.5, 1.0], ablations=list(paper.ABLATIONS),
                 n_attr=150, n_epoch_attr=30, n_shuffles=20),
}

#: Chapter 7 (motif discovery): simulated data and model as in chapter 5, the
#: tasks whose motifs are sought, held-out sequences fed to the pipeline
#: (``n_attr``; ISM costs 750 forward passes each), DeepLIFT/SHAP references,
#: TF-MoDISco's Leiden runs, and the Beluga section's motif-seeded 2-kb
#: sequences and DeepLIFT/SHAP references. TF-MoDISco runs on the CPU and
#: dominates the larger profiles (about 30 s per run on 800 sequences on a
#: 2-core CPU, 4 variants x len(tasks) runs), which sets ``n_attr``.
MOTIF_DISCOVERY = {
    "quick": dict(n_train=4000, n_val=500, epochs=10, patience=3, n_filters=32, tasks=[0, 4, 8], n_attr=160,
                  n_shuffles=5, n_leiden_runs=5, beluga_n=6, beluga_shuffles=2),
    "default": dict(n_train=15000, n_val=2000, epochs=20, patience=4, n_filters=64, tasks=[0, 4, 8],
                    n_attr=500, n_shuffles=20, n_leiden_runs=10, beluga_n=64, beluga_shuffles=10),
    "full": dict(n_train=30000, n_val=3000, epochs=30, patience=5, n_filters=64, tasks=list(range(10)),
                 n_attr=1000, n_shuffles=20, n_leiden_runs=20, beluga_n=256, beluga_shuffles=20),
}

#: Chapter 6 (marginalization): Beluga backgrounds and attributions (B1), motif lengths and
#: sample sizes of the Taylor-versus-exact comparisons, the JASPAR scan, the timing and the
#: simulated model (``sim_*``) trained on chapter 5's grammar.
MARGINALIZATION = {
    "quick": dict(n_backgrounds=8, n_attr_backgrounds=3, n_shuffles=4,
                  beluga_ks=[1, 2, 5, 10, 20], beluga_motifs=2, beluga_positions=4, beluga_acc_backgrounds=2,
                  scan_backgrounds=2, scan_exact_positions=[990], n_top=50,
                  bench_batch_sizes=[8, 32], bench_pairs=32, bench_taylor_motifs=[1, 10, 100],
                  sim_train=2000, sim_val=400, sim_filters=32, sim_epochs=6,
                  sim_ks=list(range(1, 11)) + [12, 14, 16, 18, 20], sim_motifs=5, sim_positions=6,
                  sim_backgrounds=6,
                  sim_scan_backgrounds=32, sim_exact_backgrounds=16, sim_exact_positions=[40, 120, 200],
                  sim_pair_backgrounds=64),
    "default": dict(n_backgrounds=100, n_attr_backgrounds=20, n_shuffles=20,
                    beluga_ks=list(range(1, 21)), beluga_motifs=5, beluga_positions=10, beluga_acc_backgrounds=4,
                    scan_backgrounds=10, scan_exact_positions=[500, 990, 1500], n_top=50,
                    bench_batch_sizes=[16, 64, 128], bench_pairs=256, bench_taylor_motifs=[1, 10, 100],
                    sim_train=10000, sim_val=1000, sim_filters=64, sim_epochs=15,
                    sim_ks=list(range(1, 21)), sim_motifs=10, sim_positions=20, sim_backgrounds=32,
                    sim_scan_backgrounds=128, sim_exact_backgrounds=64,
                    sim_exact_positions=[20, 60, 100, 140, 180, 210],
                    sim_pair_backgrounds=256),
    "full": dict(n_backgrounds=100, n_attr_backgrounds=50, n_shuffles=20,
                 beluga_ks=list(range(1, 21)), beluga_motifs=10, beluga_positions=20, beluga_acc_backgrounds=8,
                 scan_backgrounds=50, scan_exact_positions=[250, 500, 750, 990, 1250, 1500, 1750], n_top=50,
                 bench_batch_sizes=[16, 64, 128, 256], bench_pairs=1024, bench_taylor_motifs=[1, 10, 100],
                 sim_train=20000, sim_val=2000, sim_filters=64, sim_epochs=25,
                 sim_ks=list(range(1, 21)), sim_motifs=20, sim_positions=40, sim_backgrounds=64,
                 sim_scan_backgrounds=256, sim_exact_backgrounds=128,
                 sim_exact_positions=list(range(10, 211, 20)), sim_pair_backgrounds=1024),
}

#: Chapter 3 (timing), read by :func:`tism_tutorial.benchmark.get_config`; field meanings
#: in :class:`tism_tutorial.benchmark.config.Config`. "quick" times subsets of every Beluga ISM run
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
