"""Unit tests of tism_tutorial.model: Beluga's published layout, shapes and channel order."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tism_tutorial.model import ALPHABET, BELUGA_CHANNELS, N_TARGETS, Beluga

#: The published state-dict keys and shapes (REFERENCE.md, Kipoi layout of deepsea.beluga.pth).
PUBLISHED = {
    "model.0.0.weight": (320, 4, 1, 8), "model.0.0.bias": (320,),
    "model.0.2.weight": (320, 320, 1, 8), "model.0.2.bias": (320,),
    "model.0.6.weight": (480, 320, 1, 8), "model.0.6.bias": (480,),
    "model.0.8.weight": (480, 480, 1, 8), "model.0.8.bias": (480,),
    "model.0.12.weight": (640, 480, 1, 8), "model.0.12.bias": (640,),
    "model.0.14.weight": (640, 640, 1, 8), "model.0.14.bias": (640,),
    "model.1.2.1.weight": (2003, 67840), "model.1.2.1.bias": (2003,),
    "model.1.4.1.weight": (2002, 2003), "model.1.4.1.bias": (2002,),
}


def test_state_dict_has_exactly_the_published_keys_and_shapes(beluga):
    """Beluga().state_dict() has exactly the 16 published keys with the published shapes."""
    found = {k: tuple(v.shape) for k, v in beluga.state_dict().items()}
    assert len(found) == 16
    assert found == PUBLISHED


def test_parameter_count_is_published(beluga):
    """Beluga has 149,536,251 parameters, all trainable."""
    assert sum(p.numel() for p in beluga.parameters()) == 149_536_251
    assert all(p.requires_grad for p in beluga.parameters())


def test_constants():
    """The alphabet is A, C, G, T, the permutation to Beluga's A, G, C, T is [0, 2, 1, 3], and 2002 targets."""
    assert ALPHABET == "ACGT"
    assert [ALPHABET[i] for i in BELUGA_CHANNELS] == list("AGCT")
    assert N_TARGETS == 2002


def test_forward_returns_logits_of_shape_n_2002(beluga):
    """A (N, 4, 2000) one-hot batch gives finite (N, 2002) logits; no sigmoid layer is applied."""
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 2000), generator=torch.Generator().manual_seed(0)),
                                    4).transpose(1, 2).float()
    with torch.no_grad():
        y = beluga(X)
    assert y.shape == (2, 2002)
    assert torch.isfinite(y).all()
    assert not any(isinstance(m, nn.Sigmoid) for m in beluga.modules())


@pytest.mark.parametrize("shape", [(1, 4, 1999), (1, 4, 2001), (1, 2000, 4), (1, 5, 2000), (4, 2000)], ids=str)
def test_wrong_input_shape_raises(beluga, shape):
    """An input that is not (N, 4, 2000) raises ValueError giving the expected shape."""
    with pytest.raises(ValueError, match=r"\(N, 4, 2000\)"):
        beluga(torch.zeros(shape))


def test_forward_permutes_acgt_input_to_beluga_agct(beluga):
    """Each internal first-layer channel k of Beluga reads X channel BELUGA order 'AGCT'[k] and nothing else.

    For each internal channel k (A, G, C, T), all first-layer weights but channel k's are zeroed.
    Replacing that base by another in a window must change the output; cycling the other three
    bases among themselves everywhere must not. Without the permutation (internal channel 1 read
    as C) or with any other wrong one, some check fails. Four forwards of three sequences.
    """
    conv = beluga.model[0][0]
    saved = conv.weight.detach().clone()
    gen = torch.Generator().manual_seed(1)
    idx = torch.randint(0, 4, (2000,), generator=gen)
    window = (torch.arange(2000) >= 900) & (torch.arange(2000) < 1100)
    try:
        for k, letter in enumerate("AGCT"):
            b = ALPHABET.index(letter)  # the base internal channel k must read, in A, C, G, T indexing
            others = [i for i in range(4) if i != b]
            replaced = idx.clone()
            replaced[(idx == b) & window] = others[0]
            cycled = idx.clone()  # others[0] -> others[1] -> others[2] -> others[0]; base b untouched
            for src, dst in zip(others, others[1:] + others[:1]):
                cycled[idx == src] = dst
            X = torch.nn.functional.one_hot(torch.stack([idx, replaced, cycled]), 4).transpose(1, 2).float()
            with torch.no_grad():
                conv.weight.copy_(saved)
                conv.weight[:, [i for i in range(4) if i != k]] = 0
                y = beluga(X)
            scale = float(y[0].abs().max())
            assert (y[1] - y[0]).abs().max() > 1e-3 * scale, f"internal channel {k} ignores {letter}"
            torch.testing.assert_close(y[2], y[0], atol=1e-6 * scale, rtol=0,
                                       msg=f"internal channel {k} reads a base other than {letter}")
    finally:
        with torch.no_grad():
            conv.weight.copy_(saved)
    assert torch.equal(conv.weight, saved)


def test_other_sequence_lengths_size_the_dense_layer():
    """Beluga(sequence_length=L) sizes its first dense layer to the length and accepts (N, 4, L)."""
    model = Beluga(sequence_length=310).eval()
    assert model.model[1][2][1].in_features == 640
    with torch.no_grad():
        assert model(torch.zeros(1, 4, 310)).shape == (1, 2002)
    with pytest.raises(ValueError, match=r"\(N, 4, 310\)"):
        model(torch.zeros(1, 4, 2000))


@pytest.mark.parametrize("length", [0, 78, 79, 309])
def test_too_short_sequence_length_raises(length):
    """A sequence_length too short for the convolutions and pools raises ValueError naming sequence_length."""
    with pytest.raises(ValueError, match=r"sequence_length"):
        Beluga(sequence_length=length)


def test_too_short_error_states_the_true_minimum():
    """The too-short error message states the real minimum length, 310 bp."""
    with pytest.raises(ValueError, match=r"\b310\b"):
        Beluga(sequence_length=309)
