"""The DeepSEA Beluga network (Zhou et al. 2018) in the book's conventions.

The layer layout follows the Kipoi release so that the published state dict
(``deepsea.beluga.pth``) loads unchanged and strictly. Two conventions differ
from the released model and are the ones every chapter uses:

* input channels are in **A, C, G, T** order; Beluga was trained on
  A, G, C, T, so :meth:`Beluga.forward` permutes the channels itself;
* the output is the **logit** (pre-sigmoid) of each of the 2,002 targets.
"""

from __future__ import annotations

import torch
from torch import nn

#: Channel order of the book's one-hot ``X``.
ALPHABET = "ACGT"
#: Index into an A, C, G, T tensor that gives Beluga's A, G, C, T order.
BELUGA_CHANNELS = [0, 2, 1, 3]
#: Number of Beluga targets (chromatin profiles).
N_TARGETS = 2002
#: Input length of the published model, in base pairs.
SEQUENCE_LENGTH = 2000


def _conv_output_length(length: int) -> int:
    """Length left after Beluga's six unpadded width-8 convolutions and two pools."""
    for _ in range(2):
        length = (length - 14) // 4
    return length - 14


class Beluga(nn.Module):
    """DeepSEA Beluga with A, C, G, T input and logit output.

    Parameters
    ----------
    sequence_length : int, optional
        Input length in bp. 2,000 (the default) is the published model; other
        lengths give a Beluga-style network whose first dense layer is sized
        to the length (used for the timing sweep, never with Beluga's weights).

    Raises
    ------
    ValueError
        If ``sequence_length`` is below 310 bp, too short for the unpadded
        convolutions and pools.

    Notes
    -----
    Layout (Kipoi names, Zhou et al. 2018): ``model.0`` = six width-8
    convolutions (320, 320, 480, 480, 640, 640 channels) with ReLU, dropout
    and two max-pools of 4; ``model.1`` = dropout, flatten, Linear(67,840 ->
    2,003), ReLU, Linear(2,003 -> 2,002). The final sigmoid of the released
    model is left out: :meth:`forward` returns logits.
    """

    def __init__(self, sequence_length: int = SEQUENCE_LENGTH) -> None:
        super().__init__()
        n_flat = 640 * _conv_output_length(sequence_length)
        if n_flat <= 0:
            raise ValueError(f"sequence_length={sequence_length} is too short for Beluga's "
                             "unpadded convolutions and pools (at least 310 bp are needed)")
        self.sequence_length = sequence_length
        conv = nn.Sequential(
            nn.Conv2d(4, 320, (1, 8)), nn.ReLU(),
            nn.Conv2d(320, 320, (1, 8)), nn.ReLU(),
            nn.Dropout(0.2), nn.MaxPool2d((1, 4), (1, 4)),
            nn.Conv2d(320, 480, (1, 8)), nn.ReLU(),
            nn.Conv2d(480, 480, (1, 8)), nn.ReLU(),
            nn.Dropout(0.2), nn.MaxPool2d((1, 4), (1, 4)),
            nn.Conv2d(480, 640, (1, 8)), nn.ReLU(),
            nn.Conv2d(640, 640, (1, 8)), nn.ReLU(),
        )
        # nn.Identity() placeholders keep Kipoi's key names (model.1.2.1, model.1.4.1).
        head = nn.Sequential(
            nn.Dropout(0.5), nn.Flatten(),
            nn.Sequential(nn.Identity(), nn.Linear(n_flat, 2003)), nn.ReLU(),
            nn.Sequential(nn.Identity(), nn.Linear(2003, N_TARGETS)),
        )
        self.model = nn.Sequential(conv, head)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Predict target logits.

        Parameters
        ----------
        X : torch.Tensor, shape=(N, 4, sequence_length), float
            One-hot sequences in A, C, G, T channel order.

        Returns
        -------
        torch.Tensor, shape=(N, 2002)
            Pre-sigmoid logits, in the model's dtype and on its device;
            ``torch.sigmoid`` gives Beluga's probabilities.

        Raises
        ------
        ValueError
            If ``X`` is not of shape (N, 4, ``sequence_length``).
        """
        if X.ndim != 3 or X.shape[1] != 4 or X.shape[2] != self.sequence_length:
            raise ValueError(f"X must have shape (N, 4, {self.sequence_length}), got {tuple(X.shape)}")
        return self.model(X[:, BELUGA_CHANNELS].unsqueeze(2))


def conv_output_length(length: int) -> int:
    """Positions left after Beluga's six unpadded width-8 convolutions and two pools of 4.

    Parameters
    ----------
    length : int
        Input length in bp.

    Returns
    -------
    int
        Length of the last convolution's output; below 1 means the input is
        too short for Beluga (``length`` under 310 bp).
    """
    return _conv_output_length(length)
