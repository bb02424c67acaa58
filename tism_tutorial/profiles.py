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
