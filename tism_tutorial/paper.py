"""Every published number the book compares with, each defined once, with its source.

Sasse A., Chikina M., Mostafavi S. (2024). *Quick and effective approximation
of in silico saturation mutagenesis experiments with first-order Taylor
expansion.* iScience 27, 110807. doi:10.1016/j.isci.2024.110807.

Chapters glue these values into their prose (``glue("paper_mean", CONCORDANCE["mean"])``)
instead of typing them, so a number that is corrected here is corrected in every
chapter. Our own results are never stored here.
"""

from __future__ import annotations

#: Citation of the paper all numbers below come from.
CITATION = ("Sasse A., Chikina M., Mostafavi S. (2024). Quick and effective approximation of in silico "
            "saturation mutagenesis experiments with first-order Taylor expansion. iScience 27, 110807. "
            "doi:10.1016/j.isci.2024.110807")

# --------------------------------------------------------------------------- #
# Concordance of TISM and ISM on AI-TAC (paper Fig. 1, Fig. S1)
# --------------------------------------------------------------------------- #

#: Fig. 1A-D: Pearson(TISM, ISM) per sequence and cell type on AI-TAC
#: (251 bp, 9,158 held-out OCRs x 81 cell types). ``frac_above`` is the share of
#: profiles with Pearson >= ``threshold``; ``r_prediction`` is the correlation
#: between concordance and mean predicted accessibility (Fig. 1D).
CONCORDANCE = {"mean": 0.70, "median": 0.73, "frac_above": 0.87, "threshold": 0.6, "r_prediction": 0.29}

#: AI-TAC's data behind Fig. 1: sequence length (bp), held-out sequences, cell types.
AITAC_DATA = {"length": 251, "n_sequences": 9158, "n_cell_types": 81}

# --------------------------------------------------------------------------- #
# Robustness (paper Fig. 3)
# --------------------------------------------------------------------------- #

#: Fig. 3A: mean Pearson across two trainings with different seeds (and the same-model reference, Fig. 1A).
SEEDS = {"TISM vs ISM (same model)": 0.70, "ISM vs ISM (two seeds)": 0.58, "TISM vs TISM (two seeds)": 0.52}

#: Fig. 3C: mean Pearson(TISM, ISM) during training; epochs as the paper labels them.
EPOCHS = {"early epoch (7 of 400)": 0.85, "best validation epoch (11)": 0.71, "last epoch (400)": 0.71}

#: Fig. 3C: the epoch numbers behind :data:`EPOCHS` (early, best validation, last).
EPOCH_NUMBERS = {"early": 7, "best": 11, "last": 400}

#: Fig. 3D: mean Pearson(TISM, ISM) for each ablation ("full model" is Fig. 1A's mean).
ABLATIONS = {
    "full model": 0.70, "ReLU": 0.61, "max-pooling": 0.66, "no batch norm": 0.68, "AdamW": 0.82,
    "MSE loss": 0.76, "no shift augmentation": 0.74, "shallow CNN": 0.70,
}

#: Fig. 3B: the smallest training fraction the paper shows (it reports higher concordance there).
SMALLEST_TRAINING_FRACTION = 0.05

# --------------------------------------------------------------------------- #
# Timing (paper Tables 1 and 2)
# --------------------------------------------------------------------------- #

#: GPU of the paper's timings.
DEVICE = "NVIDIA RTX A4000"
#: Batch size of the paper's ISM.
ISM_BATCH = 20
#: Sequence length of Table 1, in bp.
TABLE1_LENGTH = 1000
#: Table 1: N sequences of 1,000 bp -> (ISM seconds, TISM seconds).
TABLE1 = {10: (22.41, 0.15), 100: (320.01, 2.84), 500: (1483.57, 8.83), 1000: (2382.91, 10.63)}
#: Number of sequences in Table 2.
TABLE2_N = 10
#: Table 2: 10 sequences of L bp -> (ISM seconds, TISM seconds).
TABLE2 = {251: (3.29, 0.13), 1000: (22.41, 0.15), 5000: (238.41, 0.23), 20000: (6126.65, 0.75)}
#: Speed-ups of other fast ISM methods quoted in the paper's discussion (x over plain ISM):
#: Yuzu on a 3-conv and an 8-conv model, and fastISM's "more than 10x" (Nair et al. 2022).
OTHER_METHODS = {"Yuzu, 3 conv layers": 10.0, "Yuzu, 8 conv layers": 5.0, "fastISM (at least)": 10.0}

# --------------------------------------------------------------------------- #
# The original TISM repository's Beluga notebook (LXsasse/TISM)
# --------------------------------------------------------------------------- #

#: The reference notebook's Beluga example: Pearson(TISM, ISM) for track 267 over
#: positions [900, 1100), computed over all four bases (reference zeros included)
#: with channels fed in A, C, G, T order to a network trained on A, G, C, T; and
#: its full-2-kb ISM time extrapolated on the authors' CPU, in seconds.
REFERENCE_NOTEBOOK = {"pearson": 0.797, "target": 267, "start": 900, "end": 1100, "ism_cpu_seconds": 72.7}
