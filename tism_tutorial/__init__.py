"""tism_tutorial: the math of the TISM book (Sasse, Chikina & Mostafavi 2024).

Taylor-approximated in silico saturation mutagenesis (TISM) and the
attribution variants around it, for one-hot DNA ``X`` of shape (N, 4, L) in
A, C, G, T order, on the DeepSEA Beluga model or any PyTorch model that maps
(N, 4, L) to (N, n_targets) logits.
"""

from .attributions import (
                           center,
                           corrected,
                           deep_lift_shap,
                           global_attribution,
                           gradient,
                           hypothetical,
                           ism,
                           mean_effect,
                           tism,
)
from .model import ALPHABET, BELUGA_CHANNELS, N_TARGETS, Beluga
from .plotting import plot_attribution, plot_overview
from .validate import resolve_device
from .weights import ChecksumError, WeightsInfo, cache_dir, load_beluga, target_names

__version__ = "0.1.0"

__all__ = [
    "ALPHABET", "BELUGA_CHANNELS", "N_TARGETS", "Beluga", "ChecksumError", "WeightsInfo", "cache_dir",
    "center", "corrected", "deep_lift_shap", "global_attribution", "gradient",
    "hypothetical", "ism", "load_beluga", "mean_effect", "plot_attribution", "plot_overview",
    "resolve_device", "target_names", "tism",
]
