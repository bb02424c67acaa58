# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The Taylor link between ISM and the gradient
#
# **Overview.** In this chapter you will learn
#
# * why the gradient of a sequence model predicts the effect of every single-base
#   mutation, and what Taylor-approximated ISM (TISM) is {cite}`sasse2024tism`;
# * how TISM relates to the other gradient attributions you meet in the
#   literature: gradient×input, the corrected gradient {cite}`majdandzic2023correcting`,
#   hypothetical attributions and the mean effect per position;
# * how to check each of these claims numerically, to machine precision where
#   they are exact and by the rate of convergence where they are approximate.
#
# Everything here runs on small models the chapter builds itself, in float64.
# **Run time:** under a minute on a laptop CPU; a few seconds on a GPU. No
# downloads.

# %% tags=["parameters"]
# Papermill parameters; the tests and `make book` override them, and the chapter prints the profile it ran.
# profile: "quick" (minutes on a CPU), "default" (sized for one GPU; "quick" without CUDA) or "full".
profile = "default"
seed = 0  # seed of the random sequences and model weights

# %% [markdown]
# The next cell installs the book's package when the chapter runs on Google
# Colab and does nothing elsewhere. It also picks the GPU when there is one.

# %% tags=["hide-input"]
import subprocess
import sys

if "google.colab" in sys.modules:  # pragma: no cover - only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "tism_tutorial @ git+https://github.com/tism-book/tism-book@main"], check=True)

import warnings

warnings.filterwarnings("ignore", message="IProgress not found")  # text progress bars are fine

import matplotlib.pyplot as plt
import numpy as np
import torch
from tangermeme.utils import random_one_hot

from tism_tutorial import (
    center,
    corrected,
    global_attribution,
    gradient,
    hypothetical,
    ism,
    mean_effect,
    profiles,
    resolve_device,
    tism,
)
from tism_tutorial.book import glue, glue_paper
from tism_tutorial.metrics import pearson_alt

device = resolve_device(None)
P = profiles.sizes(profiles.TAYLOR_LINK, profile, device)
print(f"profile {P['profile']!r} on {device}")
torch.manual_seed(seed)
print(f"device: {device}, torch {torch.__version__}")
glue_paper()  # the paper's numbers, quoted in the prose from tism_tutorial.paper

# %% [markdown]
# ## From ISM to the gradient
#
# Write a sequence of length $L$ as a one-hot matrix $s_0 \in \{0, 1\}^{4 \times L}$
# (rows A, C, G, T) and let $f$ be a model output, for example the logit of
# one chromatin track. Near $s_0$, a differentiable $f$ is approximated by its
# first-order Taylor expansion
#
# $$
# f(s) = f(s_0) + \nabla f(s_0) \cdot (s - s_0) + O(\lVert s - s_0 \rVert^2),
# $$ (eq-taylor)
#
# where $\nabla f(s_0)$ is the $4 \times L$ gradient (the *saliency* map) and
# $\cdot$ sums over bases and positions.
#
# In silico saturation mutagenesis (ISM) replaces the reference base $b_0$ at
# position $l$ by each alternative $b$ and records the change of the output,
#
# $$
# \mathrm{ISM}(s_0, l, b) = f\big(s_0(l, b_0 \to b)\big) - f(s_0).
# $$ (eq-ism)
#
# That costs $3L$ forward passes per sequence. The mutated sequence differs
# from $s_0$ in one column only: $s - s_0 = e_{l,b} - e_{l,b_0}$, a $+1$ at
# base $b$ and a $-1$ at base $b_0$. Put that into {eq}`eq-taylor` and the
# ISM value is predicted by two entries of the gradient:
#
# $$
# \mathrm{TISM}(s_0, l, b) = \frac{\partial f}{\partial s_0}[l, b] - \frac{\partial f}{\partial s_0}[l, b_0].
# $$ (eq-tism)
#
# One forward and one backward pass give TISM for all $3L$ variants. TISM is
# zero at the reference base, like ISM. If $f$ is linear in $s$ the remainder
# in {eq}`eq-taylor` vanishes and **TISM equals ISM exactly**; for a
# non-linear model the error of the expansion along the straight line
# $s_0 + \varepsilon (s_1 - s_0)$ shrinks as $\varepsilon^2$.
#
# ## Attributions built from ISM and from the gradient
#
# ISM values at a position are often turned into an *attribution* by
# subtracting their mean over the four bases,
#
# $$
# A_{\mathrm{ISM}}(l, b) = \mathrm{ISM}(l, b) - \tfrac14 \sum_j \mathrm{ISM}(l, j),
# $$ (eq-ism-attr)
#
# which at the reference base is $-\tfrac14 \sum_j \mathrm{ISM}(l, j)$. The same
# centering applied to TISM removes the $\partial f / \partial s_0[l, b_0]$ term
# and leaves the gradient minus its mean over bases,
#
# $$
# A_{\mathrm{TISM}}(l, b) = \frac{\partial f}{\partial s_0}[l, b]
#   - \tfrac14 \sum_j \frac{\partial f}{\partial s_0}[l, j],
# $$ (eq-corrected)
#
# which is exactly the *corrected gradient* that Majdandzic, Rajesh & Koo
# proposed to remove off-simplex gradient noise {cite}`majdandzic2023correcting`.
#
# Attribution methods that propagate a multiplier $m$ (the gradient for
# saliency, the rescaled multiplier for DeepLIFT {cite}`shrikumar2017deeplift`)
# come in three flavours:
#
# $$
# a_{\text{local}} = m, \qquad
# a_{\text{global}} = m \odot (s_0 - s_{\text{baseline}}), \qquad
# a_{\text{hyp}}(l, j) = m(l, j) - \sum_i p_i\, m(l, i),
# $$ (eq-flavours)
#
# with background base probabilities $p$. With $s_{\text{baseline}} = 0$ the
# global attribution is gradient×input; with $p_i = \tfrac14$ the hypothetical
# attribution is the corrected gradient {eq}`eq-corrected`.
#
# Finally, a single number per position, the *mean effect* of mutating it,
# is drawn on the reference base:
#
# $$
# \bar A(l) = -\tfrac13 \sum_b \mathrm{ISM}(l, b) \quad\text{or}\quad -\tfrac13 \sum_b \mathrm{TISM}(l, b).
# $$ (eq-mean-effect)
#
# Because TISM is zero at $b_0$, the TISM mean effect simplifies to
# $\tfrac13 \sum_b \big(g[l, b_0] - g[l, b]\big) = \tfrac43 \big(g[l, b_0] - \tfrac14 \sum_b g[l,b]\big)$,
# that is, $\tfrac43$ times the global attribution with the uniform baseline
# $s_{\text{baseline}} = \tfrac14$, summed over the four bases:
#
# $$
# \bar A_{\mathrm{TISM}}(l) = \tfrac43 \sum_b g[l, b]\,\big(s_0[l, b] - \tfrac14\big).
# $$ (eq-mean-tism)
#
# It differs from plain gradient×input, $g[l, b_0]$, by the term
# $\tfrac13 g[l, b_0] - \tfrac13 \sum_b g[l, b]$. The rest of the chapter checks
# {eq}`eq-tism` to {eq}`eq-mean-tism` numerically, with the functions of
# `tism_tutorial` that every later chapter uses.

# %% [markdown]
# ## Check 1: for a linear model, TISM is ISM
#
# A model linear in the one-hot input, $f_t(s) = \sum_{b,l} W_t[b, l]\, s[b, l] + c_t$,
# with three outputs (tracks), on eight random 200-bp sequences.

# %%
L_SMALL = 200
X = random_one_hot((8, 4, L_SMALL), random_state=seed).double()

linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * L_SMALL, 3)).double().to(device).eval()

grad_lin = gradient(linear, X, [0, 1, 2])  # (N, T, 4, L): one backward per batch of targets
tism_lin = tism(grad_lin, X)
ism_lin = ism(linear, X, [0, 1, 2])  # 3 x 200 forward passes per sequence
err_linear = (tism_lin - ism_lin).abs().max().item()
glue("err_linear", err_linear, "{:.2e}")
glue("n_variants_linear", int(X.shape[0] * 3 * 3 * L_SMALL))
assert err_linear < 1e-10, err_linear
assert (tism_lin * X[:, None]).abs().max() == 0  # zero at the reference base

# %% [markdown]
# The largest difference between TISM and ISM over all
# {glue:text}`n_variants_linear` variants (8 sequences x 3 tracks x 600
# substitutions) is {glue:text}`err_linear:.1e` logit; the assertion allows
# $10^{-10}$, the scale of float64 rounding.

# %% [markdown]
# ## Check 2: for a non-linear CNN, the error falls as $\varepsilon^2$
#
# Now a small convolutional network with GELU activations (smooth, so the
# expansion holds with a quadratic remainder). We move from $s_0$ towards a
# second sequence $s_1$ and compare the model with its first-order prediction,
#
# $$
# r(\varepsilon) = \big| f(s_0 + \varepsilon (s_1 - s_0)) - f(s_0)
#   - \varepsilon\, \nabla f(s_0) \cdot (s_1 - s_0) \big|.
# $$
#
# On a log–log plot $r(\varepsilon)$ should be a line of slope 2.

# %%
cnn = torch.nn.Sequential(
    torch.nn.Conv1d(4, 16, kernel_size=9, padding=4), torch.nn.GELU(),
    torch.nn.Conv1d(16, 16, kernel_size=9, padding=4), torch.nn.GELU(),
    torch.nn.AdaptiveAvgPool1d(20), torch.nn.Flatten(), torch.nn.Linear(16 * 20, 3),
).double().to(device).eval()

x0 = X[:1]
x1 = random_one_hot((1, 4, L_SMALL), random_state=seed + 1).double()
g0 = gradient(cnn, x0, 0)
with torch.no_grad():
    f0 = cnn(x0.to(device))[0, 0].item()
    eps = torch.logspace(-4, 0, P["n_eps"], dtype=torch.float64)
    f_eps = torch.stack([cnn((x0 + e * (x1 - x0)).to(device))[0, 0] for e in eps]).cpu()
linear_term = (g0 * (x1 - x0)).sum().item()
remainder = (f_eps - f0 - eps * linear_term).abs().numpy()
eps = eps.numpy()

fit = (eps >= 1e-3) & (eps <= 1e-1)  # away from rounding error (small eps) and higher orders (eps ~ 1)
slope, intercept = np.polyfit(np.log10(eps[fit]), np.log10(remainder[fit]), 1)
glue("taylor_slope", float(slope), "{:.3f}")
assert 1.9 < slope < 2.1, slope

# %%
fig, ax = plt.subplots(figsize=(5, 4))
ax.loglog(eps, remainder, "o", label=r"$r(\varepsilon)$ measured")
ax.loglog(eps[fit], 10 ** (intercept + slope * np.log10(eps[fit])), "-", label=f"fit, slope {slope:.2f}")
ax.loglog(eps, remainder[-1] * eps ** 2, ":", color="grey", label=r"$\propto \varepsilon^2$")
ax.set_xlabel(r"step $\varepsilon$ from $s_0$ towards $s_1$")
ax.set_ylabel("|model - first-order prediction| (logit)")
ax.set_title("Taylor remainder of a GELU CNN (float64)")
ax.legend()
plt.show()

# %% [markdown]
# The remainder falls with a fitted slope of {glue:text}`taylor_slope:.2f` on
# the log–log scale (the theory says 2). At $\varepsilon = 1$ the step is a
# whole change of sequence, and for a single-base change this is exactly the
# gap between TISM and ISM. How large is it in practice? We compare the two
# over all $3 \times 200$ variants of each sequence.

# %%
tism_cnn = tism(gradient(cnn, X, 0), X)
ism_cnn = ism(cnn, X, 0)
alt = (X == 0).numpy()  # the three alternative bases at each position
r_cnn = np.corrcoef(tism_cnn.numpy()[alt], ism_cnn.numpy()[alt])[0, 1]  # all sequences pooled
r_per_seq = pearson_alt(tism_cnn, ism_cnn, X)  # the paper's definition: one value per sequence
glue("pearson_cnn", float(r_cnn), "{:.4f}")
glue("pearson_cnn_mean", float(r_per_seq.mean()), "{:.4f}")
assert r_cnn > 0.9 and r_per_seq.min() > 0.8, (r_cnn, r_per_seq)

fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.plot(ism_cnn.numpy()[alt], tism_cnn.numpy()[alt], ".", ms=2, alpha=0.4)
lim = np.abs(ism_cnn.numpy()[alt]).max()
ax.plot([-lim, lim], [-lim, lim], "k--", lw=0.8)
ax.set_xlabel("ISM (logit change)")
ax.set_ylabel("TISM (logit change)")
ax.set_title(f"Small random GELU CNN: Pearson r = {r_cnn:.3f}")
plt.show()

# %% [markdown]
# On this small random network the Pearson correlation between TISM and ISM
# over all alternative bases of all eight sequences pooled is
# {glue:text}`pearson_cnn:.3f`; computed per sequence, as the paper does, its
# mean is {glue:text}`pearson_cnn_mean:.3f`. Deep networks trained on genomic
# data are far more non-linear: chapters 2 and 4 compute the same correlation
# on Beluga (with trained weights when they could be downloaded, otherwise on
# an untrained network, which each chapter says), and the paper reports a mean
# of {glue:text}`paper_mean:.2f` per sequence and cell type on AI-TAC models
# {cite}`sasse2024tism`.
#
# ## Check 3: corrected gradient = hypothetical (uniform) = centered TISM
#
# Equations {eq}`eq-corrected` and {eq}`eq-flavours` say three maps are one.

# %%
grad_cnn = gradient(cnn, X, [0, 1, 2])
tism_all = tism(grad_cnn, X)
maps = {
    "corrected": corrected(grad_cnn),
    "hypothetical (uniform)": hypothetical(grad_cnn, [0.25, 0.25, 0.25, 0.25]),
    "centered TISM": center(tism_all),
}
err_identity = max((m - maps["corrected"]).abs().max().item() for m in maps.values())
glue("err_identity", err_identity, "{:.2e}")
assert err_identity < 1e-12, err_identity

# A non-uniform background gives a different map: the identity is specific to p = 1/4.
gc_rich = hypothetical(grad_cnn, [0.2, 0.3, 0.3, 0.2])
glue("diff_gc_background", (gc_rich - maps["corrected"]).abs().max().item(), "{:.3g}")
assert (gc_rich - maps["corrected"]).abs().max() > 1e-6

# %% [markdown]
# The three maps agree to {glue:text}`err_identity:.1e` in float64; a GC-rich
# background (p = 0.2, 0.3, 0.3, 0.2) moves the hypothetical map by up to
# {glue:text}`diff_gc_background:.3g` logit, so the background matters once it
# is not uniform.
#
# ## Check 4: the TISM mean effect and gradient×input
#
# Equation {eq}`eq-mean-tism` says the TISM mean effect is $\tfrac43$ times the
# uniform-baseline global attribution summed over bases. Gradient×input, the
# most common gradient attribution, is close to it but not the same.

# %%
mean_tism = mean_effect(tism_all, X).sum(dim=-2)  # (N, T, L): value on the reference base
uniform_global = global_attribution(grad_cnn, X, 0.25).sum(dim=-2)
grad_x_input = global_attribution(grad_cnn, X, 0.0).sum(dim=-2)
err_mean_effect = (mean_tism - 4 / 3 * uniform_global).abs().max().item()
glue("err_mean_effect", err_mean_effect, "{:.2e}")
assert err_mean_effect < 1e-12, err_mean_effect

mean_ism = mean_effect(ism(cnn, X, [0, 1, 2]), X).sum(dim=-2)
r_gxi = np.corrcoef(grad_x_input.flatten(), mean_ism.flatten())[0, 1]
r_mean_tism = np.corrcoef(mean_tism.flatten(), mean_ism.flatten())[0, 1]
glue("r_gxi_vs_ism", float(r_gxi), "{:.4f}")
glue("r_mean_tism_vs_ism", float(r_mean_tism), "{:.4f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, constrained_layout=True)
for ax, values, name, r in [(axes[0], grad_x_input, "gradient×input", r_gxi),
                            (axes[1], mean_tism, "TISM mean effect", r_mean_tism)]:
    ax.plot(values.flatten(), mean_ism.flatten(), ".", ms=2, alpha=0.4)
    ax.set_xlabel(f"{name} (logit)")
    ax.set_title(f"{name} vs ISM mean effect\nPearson r = {r:.3f}", fontsize=10)
axes[0].set_ylabel("ISM mean effect (logit)")
fig.suptitle(f"Per-position attributions of a small GELU CNN, 3 outputs x {X.shape[0]} sequences", fontsize=11)
plt.show()

# %% [markdown]
# The identity holds to {glue:text}`err_mean_effect:.1e`. Against the ISM mean
# effect, the TISM mean effect correlates at {glue:text}`r_mean_tism_vs_ism:.3f`
# and gradient×input at {glue:text}`r_gxi_vs_ism:.3f`: the mean over the
# bases that gradient×input leaves in is what separates them.
#
# ## Summary
#
# * The gradient at a sequence predicts the effect of every single-base
#   substitution: TISM {eq}`eq-tism` is the first-order Taylor term, exact for
#   models linear in the input and accurate to second order otherwise.
# * Centered TISM is the corrected gradient of Majdandzic et al., and the
#   hypothetical attribution with a uniform background; the TISM mean effect is
#   $\tfrac43$ times the uniform-baseline gradient×input.
# * Every claim above is an `assert` in this chapter: running it is testing it.
#
# Chapter 2 computes all of these maps, and ISM and DeepLIFT/SHAP beside
# them, on the DeepSEA Beluga model.
#
# ## Exercises
#
# Solutions are folded under each exercise: try first, then open them.
#
# ````{exercise}
# :label: taylor-relu
#
# Replace the GELU activations by ReLU and re-run Check 2. Why does the
# fitted slope no longer hold? (Hint: a ReLU network is piecewise linear.)
# ````
#
# ````{solution} taylor-relu
# :class: dropdown
#
# A ReLU network is linear inside each region of input space where no unit
# changes sign, so its second derivative is zero almost everywhere. Moving from
# $s_0$ towards $s_1$ by $\varepsilon$, the remainder $r(\varepsilon)$ is exactly
# zero (up to rounding) until the path crosses the first kink, then it grows
# *linearly* in $\varepsilon$, not quadratically: the log-log plot shows a floor
# of rounding errors followed by a slope of about 1, and a fitted slope of 2 no
# longer describes it. Swap the activation and rerun the cell:
#
# ```python
# cnn_relu = torch.nn.Sequential(
#     torch.nn.Conv1d(4, 16, kernel_size=9, padding=4), torch.nn.ReLU(),
#     torch.nn.Conv1d(16, 16, kernel_size=9, padding=4), torch.nn.ReLU(),
#     torch.nn.AdaptiveAvgPool1d(20), torch.nn.Flatten(), torch.nn.Linear(16 * 20, 3),
# ).double().eval()
# ```
#
# The Taylor argument for TISM still applies region by region; what fails is
# the smoothness that makes the error shrink as $\varepsilon^2$.
# ````
#
# ````{exercise}
# :label: taylor-hypothetical-sum
#
# Show with `hypothetical` that for any background $p$ the hypothetical
# attributions at a position sum to zero when weighted by $p$.
# ````
#
# ````{solution} taylor-hypothetical-sum
# :class: dropdown
#
# By Eq. (6), $a(j) = m(j) - \sum_i p_i m(i)$, so
# $\sum_j p_j a(j) = \sum_j p_j m(j) - (\sum_j p_j)\sum_i p_i m(i) = 0$ because
# $\sum_j p_j = 1$. Numerically, for a gradient `g` of shape (N, 4, L):
#
# ```python
# p = torch.tensor([0.3, 0.2, 0.2, 0.3], dtype=torch.float64)
# a = hypothetical(g, baseline=p)
# weighted = (p[:, None] * a).sum(dim=-2)          # (N, L)
# assert weighted.abs().max() < 1e-12
# ```
#
# With the uniform background this is the statement that the corrected
# gradient has zero mean over the four bases at every position.
# ````

