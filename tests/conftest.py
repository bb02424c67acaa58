"""Shared fixtures: small float64 models for the math, one untrained Beluga per session."""

from __future__ import annotations

import pytest
import torch

#: Sequence length and number of outputs of the small test models.
L = 24
N_OUT = 5


def random_one_hot(n: int, length: int = L, seed: int = 0, dtype=torch.float64) -> torch.Tensor:
    """Random one-hot DNA of shape (n, 4, length), A, C, G, T."""
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=gen)
    return torch.nn.functional.one_hot(idx, 4).transpose(1, 2).to(dtype)


@pytest.fixture
def one_hot():
    """Factory for random one-hot sequences: one_hot(n, length=24, seed=0)."""
    return random_one_hot


@pytest.fixture
def X():
    """Three random one-hot sequences of length 24, float64."""
    return random_one_hot(3, L, seed=1)


@pytest.fixture
def conv_model():
    """A small non-linear model: Conv1d -> ReLU -> Flatten -> Linear, float64, eval mode."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv1d(4, 6, 5), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(6 * (L - 4), N_OUT),
    )
    return model.double().eval()


@pytest.fixture
def linear_model():
    """A model linear in X: Flatten -> Linear(4 L, N_OUT), float64, eval mode."""
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * L, N_OUT))
    return model.double().eval()


@pytest.fixture(scope="session")
def beluga():
    """One untrained full-size Beluga (seed 0, CPU, eval mode) for the whole session (~600 MB)."""
    from tism_tutorial.weights import untrained_beluga

    return untrained_beluga(seed=0).eval()
