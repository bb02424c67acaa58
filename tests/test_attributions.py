"""Unit tests of tism_tutorial.attributions: identities, shapes and input checks.

The math is checked in float64 on the small models of conftest.py (a model
linear in X and a Conv1d -> ReLU -> Linear model), where the identities of
the book hold to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tangermeme.saturation_mutagenesis import saturation_mutagenesis

from tism_tutorial import (
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

ATOL = 1e-10
UNIFORM = (0.25, 0.25, 0.25, 0.25)
SKEWED = (0.1, 0.2, 0.3, 0.4)


def n_outputs(model, X):
    with torch.no_grad():
        return model(X[:1]).shape[1]


# ----------------------------------------------------------------------------
# 1. Identities
# ----------------------------------------------------------------------------

def test_gradient_of_linear_model_is_its_weight(linear_model, X):
    """For f = W vec(X) + b, the input gradient of target t is W[t] reshaped to (4, L)."""
    W = linear_model[1].weight.detach()
    for t in range(W.shape[0]):
        g = gradient(linear_model, X, t)
        expected = W[t].reshape(4, X.shape[-1]).expand_as(g)
        torch.testing.assert_close(g, expected, atol=ATOL, rtol=0)


def test_gradient_matches_autograd_jacobian(conv_model, X):
    """The batched multi-target gradient equals the Jacobian rows computed by torch.autograd."""
    targets = [3, 0, 4]
    g = gradient(conv_model, X, targets, batch_size=2, target_batch_size=2)
    for n in range(X.shape[0]):
        jac = torch.autograd.functional.jacobian(lambda x: conv_model(x[None])[0], X[n])  # (n_out, 4, L)
        torch.testing.assert_close(g[n], jac[targets], atol=ATOL, rtol=0)


def test_tism_equals_ism_for_linear_model(linear_model, X):
    """For a model linear in X, TISM (Eq. 3) equals exact ISM (Eq. 2) to 1e-10."""
    targets = [0, 2, 4]
    t = tism(gradient(linear_model, X, targets), X)
    i = ism(linear_model, X, targets)
    assert t.shape == i.shape == (X.shape[0], 3, 4, X.shape[-1])
    torch.testing.assert_close(t, i, atol=ATOL, rtol=0)
    assert t.abs().max() > 1e-3  # not trivially zero


def test_tism_and_ism_are_exactly_zero_at_reference_base(conv_model, X):
    """TISM and ISM are exactly 0 at the reference base and generally non-zero elsewhere."""
    g = gradient(conv_model, X, [1, 2])
    t = tism(g, X)
    i = ism(conv_model, X, [1, 2])
    ref = X.bool()[:, None].expand_as(t)
    assert torch.equal(t[ref], torch.zeros_like(t[ref]))
    assert torch.equal(i[ref], torch.zeros_like(i[ref]))
    assert (t[~ref] != 0).float().mean() > 0.5
    assert (i[~ref] != 0).float().mean() > 0.5


def test_tism_is_gradient_minus_gradient_at_reference(conv_model, X):
    """tism(g, X)[l, b] == g[l, b] - g[l, ref(l)], computed independently with gather."""
    g = gradient(conv_model, X, 2)
    ref_idx = X.argmax(dim=1, keepdim=True)  # (N, 1, L)
    expected = g - g.gather(1, ref_idx)
    torch.testing.assert_close(tism(g, X), expected, atol=ATOL, rtol=0)


def test_corrected_equals_uniform_hypothetical_and_centered_tism(conv_model, X):
    """corrected(g) == hypothetical(g, uniform) == tism - mean of tism over bases (Eq. 5)."""
    g = gradient(conv_model, X, [0, 3])
    c = corrected(g)
    t = tism(g, X)
    torch.testing.assert_close(c, hypothetical(g, UNIFORM), atol=ATOL, rtol=0)
    torch.testing.assert_close(c, hypothetical(g), atol=ATOL, rtol=0)
    torch.testing.assert_close(c, t - t.mean(dim=-2, keepdim=True), atol=ATOL, rtol=0)
    torch.testing.assert_close(c.sum(dim=-2), torch.zeros_like(c.sum(dim=-2)), atol=ATOL, rtol=0)


def test_hypothetical_non_uniform_baseline_sums_to_zero_under_baseline(conv_model, X):
    """With baseline b, sum_j b_j * hypothetical(g, b)[j] == 0 at every position; it differs from corrected."""
    g = gradient(conv_model, X, 1)
    b = torch.tensor(SKEWED, dtype=torch.float64)[:, None]
    h = hypothetical(g, b[:, 0])
    weighted = (b * h).sum(dim=-2)
    torch.testing.assert_close(weighted, torch.zeros_like(weighted), atol=ATOL, rtol=0)
    expected = g - (b * g).sum(dim=-2, keepdim=True)
    torch.testing.assert_close(h, expected, atol=ATOL, rtol=0)
    assert not torch.allclose(h, corrected(g))


@pytest.mark.parametrize("fn", ["hypothetical", "global_attribution"])
def test_python_float_baseline_keeps_float64_precision(conv_model, X, fn):
    """A baseline given as Python floats gives the same float64 result as the same baseline as a float64 tensor."""
    g = gradient(conv_model, X, 1)
    b64 = torch.tensor(SKEWED, dtype=torch.float64)
    if fn == "hypothetical":
        got, expected = hypothetical(g, SKEWED), hypothetical(g, b64)
    else:
        got, expected = global_attribution(g, X, SKEWED), global_attribution(g, X, b64)
    torch.testing.assert_close(got, expected, atol=1e-12, rtol=0)


def test_mean_effect_of_tism_is_four_thirds_uniform_global_attribution(conv_model, X):
    """mean_effect(tism(g)) == 4/3 * sum_b global_attribution(g, X, 0.25), placed on the reference base.

    Algebra: sum_b tism = sum_b g - 4 g_ref, so mean_effect = (4 g_ref - sum_b g) / 3 on the
    reference; sum_b g (X - 1/4) = g_ref - sum_b g / 4 = (4 g_ref - sum_b g) / 4.
    """
    for target in (2, [2, 4]):
        g = gradient(conv_model, X, target)
        me = mean_effect(tism(g, X), X)
        ga = global_attribution(g, X, 0.25).sum(dim=-2, keepdim=True)
        Xe = X if g.ndim == 3 else X[:, None]
        torch.testing.assert_close(me, 4 / 3 * ga * Xe, atol=ATOL, rtol=0)
        assert torch.equal(me * (1 - Xe), torch.zeros_like(me))  # zero off the reference base


def test_mean_effect_of_ism_is_minus_mean_substitution_effect(conv_model, X):
    """mean_effect(ism) at the reference base is minus the mean of the three substitution effects (Eq. 7)."""
    i = ism(conv_model, X, 0)
    me = mean_effect(i, X)
    expected = -(i.sum(dim=1) / 3)
    torch.testing.assert_close(me.sum(dim=1), expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(me, expected[:, None] * X, atol=ATOL, rtol=0)


def test_global_attribution_with_zero_baseline_is_gradient_times_input(conv_model, X):
    """global_attribution(g, X, 0) == g * X, the default baseline is 0, and a 4-vector baseline broadcasts."""
    g = gradient(conv_model, X, [1, 3])
    torch.testing.assert_close(global_attribution(g, X, 0), g * X[:, None], atol=0, rtol=0)
    torch.testing.assert_close(global_attribution(g, X), g * X[:, None], atol=0, rtol=0)
    b = torch.tensor(SKEWED, dtype=torch.float64)
    torch.testing.assert_close(global_attribution(g, X, b), g * (X[:, None] - b[:, None]), atol=ATOL, rtol=0)


def test_center_subtracts_mean_over_bases(conv_model, X):
    """center(ism) == ism - mean over bases; at the reference base it is -1/4 sum_j ISM (Eq. 4)."""
    i = ism(conv_model, X, 3)
    c = center(i)
    torch.testing.assert_close(c, i - i.mean(dim=1, keepdim=True), atol=ATOL, rtol=0)
    at_ref = (c * X).sum(dim=1)
    torch.testing.assert_close(at_ref, -i.sum(dim=1) / 4, atol=ATOL, rtol=0)


@pytest.mark.parametrize("start,end", [(0, 24), (5, 17), (20, 24)])
def test_center_of_ism_matches_tangermeme_hypothetical(conv_model, X, start, end):
    """center(ism(...)) equals tangermeme's saturation_mutagenesis(hypothetical=True, fast=False) per target."""
    for t in (0, 4):
        ours = center(ism(conv_model, X, t, start=start, end=end))
        theirs = saturation_mutagenesis(conv_model, X, start=start, end=end, hypothetical=True, target=t,
                                        fast=False, device="cpu")
        assert ours.shape == theirs.shape == (X.shape[0], 4, end - start)
        torch.testing.assert_close(ours, theirs.to(ours.dtype), atol=ATOL, rtol=0)


def test_ism_is_difference_of_forward_passes(conv_model, X):
    """ism(...)[n, b, l] == f(X with base b at l)[t] - f(X)[t], checked by explicit forwards at a few spots."""
    t = 2
    i = ism(conv_model, X, t)
    with torch.no_grad():
        y0 = conv_model(X)[:, t]
        for n, b, pos in [(0, 0, 0), (1, 3, 11), (2, 2, 23)]:
            Xv = X[n:n + 1].clone()
            Xv[0, :, pos] = 0
            Xv[0, b, pos] = 1
            expected = conv_model(Xv)[0, t] - y0[n]
            torch.testing.assert_close(i[n, b, pos], expected, atol=ATOL, rtol=0)


def test_results_keep_model_dtype_and_accept_int8_input(conv_model, X):
    """An int8 one-hot X is accepted and gives the same float64 gradient and ISM as float64 X."""
    Xi = X.to(torch.int8)
    g = gradient(conv_model, Xi, 1)
    assert g.dtype == torch.float64
    torch.testing.assert_close(g, gradient(conv_model, X, 1), atol=0, rtol=0)
    torch.testing.assert_close(ism(conv_model, Xi, 1), ism(conv_model, X, 1), atol=ATOL, rtol=0)


def test_deep_lift_shap_deltas_are_small_and_shaped(conv_model, X):
    """deep_lift_shap(return_deltas=True) gives (N,) or (N, T) convergence deltas near zero for a ReLU model."""
    attr, deltas = deep_lift_shap(conv_model, X, 1, n_shuffles=4, return_deltas=True)
    assert attr.shape == X.shape and deltas.shape == (X.shape[0],)
    assert deltas.max() < 1e-6
    attr, deltas = deep_lift_shap(conv_model, X, [1, 0], n_shuffles=4, return_deltas=True)
    assert attr.shape == (X.shape[0], 2, 4, X.shape[-1]) and deltas.shape == (X.shape[0], 2)
    assert deltas.max() < 1e-6


# ----------------------------------------------------------------------------
# 2. Shapes and target lists
# ----------------------------------------------------------------------------

def test_int_target_gives_n4l_and_list_target_gives_nt4l(conv_model, X):
    """An int target gives (N, 4, L); a list of T targets gives (N, T, 4, L) for every model-based function."""
    N, _, L = X.shape
    assert gradient(conv_model, X, 0).shape == (N, 4, L)
    assert gradient(conv_model, X, [0, 1, 2]).shape == (N, 3, 4, L)
    assert ism(conv_model, X, 0).shape == (N, 4, L)
    assert ism(conv_model, X, [0, 1]).shape == (N, 2, 4, L)
    assert deep_lift_shap(conv_model, X, 0, n_shuffles=2).shape == (N, 4, L)
    assert deep_lift_shap(conv_model, X, [0, 1], n_shuffles=2).shape == (N, 2, 4, L)
    assert gradient(conv_model, X, [3]).shape == (N, 1, 4, L)


@pytest.mark.parametrize("method", ["gradient", "ism", "deep_lift_shap"])
def test_list_target_slices_equal_single_target_results_in_order(conv_model, X, method):
    """Slice k of a list-target result equals the single-target result for targets[k], in the order given."""
    targets = [4, 0, 2]
    if method == "gradient":
        run = lambda t: gradient(conv_model, X, t, target_batch_size=2)  # noqa: E731
    elif method == "ism":
        run = lambda t: ism(conv_model, X, t, start=2, end=9)  # noqa: E731
    else:
        run = lambda t: deep_lift_shap(conv_model, X, t, n_shuffles=3, random_state=7)  # noqa: E731
    many = run(targets)
    assert many.shape[1] == len(targets)
    for k, t in enumerate(targets):
        torch.testing.assert_close(many[:, k], run(t), atol=ATOL, rtol=0)
    assert not torch.allclose(many[:, 0], many[:, 1])  # different targets really differ


def test_gradient_batching_does_not_change_result(conv_model, one_hot):
    """Sequence batches and target batches of any size give the same gradient."""
    X = one_hot(5, seed=3)
    ref = gradient(conv_model, X, [0, 1, 2, 3, 4])
    torch.testing.assert_close(gradient(conv_model, X, [0, 1, 2, 3, 4], batch_size=2, target_batch_size=3),
                               ref, atol=ATOL, rtol=0)
    torch.testing.assert_close(gradient(conv_model, X, [0, 1, 2, 3, 4], batch_size=1, target_batch_size=1),
                               ref, atol=ATOL, rtol=0)


def test_ism_window_width_and_last_base_included(linear_model, X):
    """ism(start, end) has width end - start and equals the full ISM sliced; end=None means L (last base included)."""
    L = X.shape[-1]
    full = ism(linear_model, X, 1)
    assert full.shape[-1] == L
    win = ism(linear_model, X, 1, start=5, end=13)
    assert win.shape == (X.shape[0], 4, 8)
    torch.testing.assert_close(win, full[..., 5:13], atol=ATOL, rtol=0)
    tail = ism(linear_model, X, 1, start=L - 3, end=None)
    assert tail.shape[-1] == 3
    torch.testing.assert_close(tail, full[..., L - 3:], atol=ATOL, rtol=0)
    # The last position is really scored (linear model: ISM == TISM, non-zero off the reference).
    t = tism(gradient(linear_model, X, 1), X)
    torch.testing.assert_close(tail[..., -1], t[..., -1], atol=ATOL, rtol=0)
    assert tail[..., -1].abs().max() > 1e-3
    one = ism(linear_model, X, 1, start=L - 1, end=L)
    assert one.shape[-1] == 1


def test_attribution_transforms_keep_4d_shape(conv_model, X):
    """tism, corrected, hypothetical, global_attribution, mean_effect and center keep (N, T, 4, L)."""
    g = gradient(conv_model, X, [0, 1])
    for out in (tism(g, X), corrected(g), hypothetical(g, SKEWED), global_attribution(g, X, 0.25),
                mean_effect(g, X), center(g)):
        assert out.shape == g.shape and out.dtype == g.dtype


# ----------------------------------------------------------------------------
# 3. Bad inputs raise ValueError naming the argument
# ----------------------------------------------------------------------------

def _bad_X(kind: str, X: torch.Tensor) -> torch.Tensor:
    X = X.clone()
    if kind == "rank2":
        return X[0]
    if kind == "rank4":
        return X[None]
    if kind == "5 channels":
        return torch.cat([X, torch.zeros_like(X[:, :1])], dim=1)
    if kind == "length-major (N, L, 4)":
        return X.transpose(1, 2)
    if kind == "empty":
        return X[:0]
    if kind == "value 2":
        X[0, :, 3] = torch.tensor([0.0, 2.0, 0.0, 0.0])
        return X
    if kind == "two bases set":
        X[1, :, 5] = torch.tensor([1.0, 1.0, 0.0, 0.0])
        return X
    if kind == "all-zero column":
        X[2, :, 7] = 0
        return X
    if kind == "fractional":
        X[0, :, 0] = 0.25
        return X
    if kind == "nan":
        X[0, 0, 2] = float("nan")
        return X
    if kind == "inf":
        X[1, 2, 9] = float("inf")
        return X
    raise AssertionError(kind)


BAD_X = {
    "rank2": r"shape|rank",
    "rank4": r"shape|rank",
    "5 channels": r"channel|shape",
    "length-major (N, L, 4)": r"channel|shape",
    "empty": r"empty",
    "value 2": r"one-hot",
    "two bases set": r"one-hot",
    "all-zero column": r"one-hot",
    "fractional": r"one-hot",
    "nan": r"NaN|inf",
    "inf": r"NaN|inf",
}

X_CALLERS = {
    "gradient": lambda m, g, X: gradient(m, X, 0),
    "ism": lambda m, g, X: ism(m, X, 0),
    "deep_lift_shap": lambda m, g, X: deep_lift_shap(m, X, 0, n_shuffles=2),
    "tism": lambda m, g, X: tism(g, X),
    "global_attribution": lambda m, g, X: global_attribution(g, X),
    "mean_effect": lambda m, g, X: mean_effect(g, X),
}


@pytest.mark.parametrize("caller", list(X_CALLERS))
@pytest.mark.parametrize("kind", list(BAD_X))
def test_bad_X_raises_value_error_naming_X(conv_model, X, kind, caller):
    """Every malformed X (rank, channels, not one-hot, NaN/inf, empty) raises ValueError naming X."""
    g = torch.zeros(X.shape, dtype=torch.float64)
    bad = _bad_X(kind, X)
    with pytest.raises(ValueError, match=rf"\bX\b.*({BAD_X[kind]})"):
        X_CALLERS[caller](conv_model, g, bad)


GRAD_CALLERS = {
    "tism": (lambda v, X: tism(v, X), "grad"),
    "global_attribution": (lambda v, X: global_attribution(v, X), "grad"),
    "corrected": (lambda v, X: corrected(v), "grad"),
    "hypothetical": (lambda v, X: hypothetical(v), "grad"),
    "mean_effect": (lambda v, X: mean_effect(v, X), "values"),
    "center": (lambda v, X: center(v), "ism_values"),
}


@pytest.mark.parametrize("caller", list(GRAD_CALLERS))
@pytest.mark.parametrize("kind", ["nan", "inf", "rank2", "rank5", "3 bases"])
def test_bad_grad_raises_value_error_naming_it(X, caller, kind):
    """NaN/inf or a wrong shape in the attribution argument raises ValueError naming that argument."""
    fn, name = GRAD_CALLERS[caller]
    g = torch.ones(X.shape, dtype=torch.float64)
    if kind == "nan":
        g[0, 1, 2] = float("nan")
    elif kind == "inf":
        g[2, 3, 4] = -float("inf")
    elif kind == "rank2":
        g = g[0]
    elif kind == "rank5":
        g = g[:, None, None]
    else:
        g = g[:, :3]
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        fn(g, X)


@pytest.mark.parametrize("caller", ["tism", "global_attribution", "mean_effect"])
@pytest.mark.parametrize("mismatch", ["length", "batch", "length 4d"])
def test_grad_not_matching_X_raises(X, caller, mismatch):
    """An attribution whose N or L differs from X's raises ValueError naming both."""
    fn, name = GRAD_CALLERS[caller]
    N, _, L = X.shape
    shape = {"length": (N, 4, L - 1), "batch": (N + 1, 4, L), "length 4d": (N, 2, 4, L + 2)}[mismatch]
    with pytest.raises(ValueError, match=rf"\b{name}\b.*\bX\b"):
        fn(torch.zeros(shape, dtype=torch.float64), X)


TARGET_CALLERS = {
    "gradient": lambda m, X, t: gradient(m, X, t),
    "ism": lambda m, X, t: ism(m, X, t),
    "deep_lift_shap": lambda m, X, t: deep_lift_shap(m, X, t, n_shuffles=2),
}


@pytest.mark.parametrize("caller", list(TARGET_CALLERS))
@pytest.mark.parametrize("target", [-1, 5, 1000, [0, 5], [-1, 2], 1.5, None, "a", True, [0, True], [], ()],
                         ids=repr)
def test_bad_target_raises_value_error_naming_target(conv_model, X, caller, target):
    """Out-of-range (negative, >= n_outputs), non-int, bool and empty targets raise ValueError naming target."""
    assert n_outputs(conv_model, X) == 5
    with pytest.raises(ValueError, match=r"\btarget\b"):
        TARGET_CALLERS[caller](conv_model, X, target)


@pytest.mark.parametrize("target", ["1", "12", [1.5], [0, 2.7], torch.tensor(1.7)], ids=repr)
def test_non_integer_target_values_are_rejected(conv_model, X, target):
    """A str target or a fractional float inside a target list raises ValueError instead of being truncated."""
    with pytest.raises(ValueError, match=r"\btarget\b"):
        gradient(conv_model, X, target)


def test_numpy_integer_target_is_accepted(conv_model, X):
    """A numpy integer target behaves like the same Python int."""
    torch.testing.assert_close(gradient(conv_model, X, np.int64(2)), gradient(conv_model, X, 2))


@pytest.mark.parametrize("start,end", [(4, 4), (0, 0), (10, 3), (0, 25), (-1, 10), (24, None), (30, None),
                                       (1.0, 5), (0, 5.0)], ids=str)
def test_bad_ism_window_raises_value_error_naming_start_end(conv_model, X, start, end):
    """Empty (start == end), inverted, out-of-sequence or non-int windows raise ValueError naming start/end."""
    with pytest.raises(ValueError, match=r"\bstart\b.*\bend\b"):
        ism(conv_model, X, 0, start=start, end=end)


@pytest.mark.parametrize("baseline", [(0.5, 0.5), (0.2, 0.2, 0.2, 0.2, 0.2), ((0.25,) * 4,) * 2, (0.3,) * 4,
                                      (0.1, 0.1, 0.1, 0.1), (-0.5, 0.5, 0.5, 0.5), (float("nan"), 0.25, 0.25, 0.5),
                                      0.25], ids=str)
def test_bad_hypothetical_baseline_raises(conv_model, X, baseline):
    """hypothetical() rejects baselines of the wrong length, not summing to 1, negative or NaN, naming baseline."""
    g = gradient(conv_model, X, 0)
    with pytest.raises(ValueError, match=r"\bbaseline\b"):
        hypothetical(g, baseline)


@pytest.mark.parametrize("baseline", [(0.5, 0.5), (0.2,) * 5, torch.zeros(4, 2), float("nan"), float("inf"),
                                      "x"], ids=str)
def test_bad_global_baseline_raises(conv_model, X, baseline):
    """global_attribution() rejects a baseline that is neither a finite scalar nor 4 values, naming baseline."""
    g = gradient(conv_model, X, 0)
    with pytest.raises(ValueError, match=r"\bbaseline\b"):
        global_attribution(g, X, baseline)


def test_non_module_model_raises(X):
    """Passing something that is not a torch.nn.Module as the model raises ValueError naming model."""
    with pytest.raises(ValueError, match=r"\bmodel\b"):
        gradient(lambda x: x.sum(dim=(1, 2))[:, None], X, 0)


def test_deep_lift_shap_rejects_zero_shuffles(conv_model, X):
    """deep_lift_shap(n_shuffles=0) raises ValueError naming n_shuffles."""
    with pytest.raises(ValueError, match=r"\bn_shuffles\b"):
        deep_lift_shap(conv_model, X, 0, n_shuffles=0)


def test_training_mode_model_warns(conv_model, X):
    """A model left in training mode triggers a warning telling the user to call eval()."""
    conv_model.train()
    with pytest.warns(UserWarning, match=r"eval\(\)"):
        gradient(conv_model, X, 0)


@pytest.mark.parametrize("call, name", [
    (lambda m, X: gradient(m, X, 0, batch_size=0), "batch_size"),
    (lambda m, X: gradient(m, X, 0, target_batch_size=-1), "target_batch_size"),
    (lambda m, X: ism(m, X, 0, batch_size=0), "batch_size"),
    (lambda m, X: deep_lift_shap(m, X, 0, n_shuffles=1.5), "n_shuffles"),
    (lambda m, X: deep_lift_shap(m, X, 0, n_shuffles=0), "n_shuffles"),
    (lambda m, X: ism(m, X, 0, start=True, end=3), "start"),
])
def test_bad_counts_and_window_types_raise_value_error(conv_model, X, call, name):
    """Batch sizes and shuffle counts below 1 or not integers, and boolean window ends, raise ValueError."""
    with pytest.raises(ValueError, match=name):
        call(conv_model, X)


def test_numpy_integer_window_is_accepted(linear_model, X):
    """A window given as NumPy integers (e.g. from np.argmax) works like Python ints."""
    a = ism(linear_model, X, 0, start=np.int64(2), end=np.int64(5))
    assert a.shape[-1] == 3


# ----------------------------------------------------------------------------
# Precision and target arrays
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_model_is_refused_with_its_dtype(conv_model, X, dtype):
    """A float16/bfloat16 model gives attributions off by up to ~12 %: refused, naming the dtype."""
    half = conv_model.to(dtype)
    for call in (lambda: gradient(half, X, 0), lambda: ism(half, X, 0, start=0, end=3),
                 lambda: deep_lift_shap(half, X, 0, n_shuffles=2)):
        with pytest.raises(ValueError, match=str(dtype)):
            call()


def test_half_precision_beluga_is_refused(beluga):
    """The same on Beluga, including a model with only some parameters in half precision."""
    layer = beluga.model[0][0]
    original = layer.weight.data
    try:
        layer.weight.data = original.to(torch.bfloat16)
        X = torch.nn.functional.one_hot(torch.zeros(1, 2000, dtype=torch.long), 4).transpose(1, 2).float()
        with pytest.raises(ValueError, match="bfloat16"):
            gradient(beluga, X, 267)
    finally:
        layer.weight.data = original
    assert beluga.model[0][0].weight.dtype == torch.float32


@pytest.mark.parametrize("target", [np.array([[0, 1]]), torch.tensor([[0], [1]])])
def test_two_dimensional_target_arrays_are_refused(conv_model, X, target):
    """A 2-d array of targets is refused rather than silently flattened."""
    with pytest.raises(ValueError, match="1-d"):
        gradient(conv_model, X, target)


def test_one_dimensional_target_arrays_are_accepted(conv_model, X):
    g = gradient(conv_model, X, np.array([0, 2]))
    torch.testing.assert_close(g[:, 1], gradient(conv_model, X, 2))
