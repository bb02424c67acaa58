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
