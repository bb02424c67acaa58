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
# # Every attribution variant on Beluga, side by side
#
# **Overview.** In this chapter you will
#
# * compute every common attribution map of a genomic deep-learning model on
#   one sequence of the DeepSEA Beluga model {cite}`zhou2018expecto`: the
#   gradient, gradient×input, TISM and its mean effect, ISM and its mean
#   effect, the corrected gradient, hypothetical attributions, centered ISM and
#   DeepLIFT/SHAP {cite}`shrikumar2017deeplift,lundberg2017shap`;
# * see, with numbers, which of them are the same map written differently,
#   and how closely the others agree;
# * learn three pitfalls that silently corrupt such maps: channel order,
#   logits versus probabilities, and what a library's "ISM" returns.
#
# **Model and data.** Beluga (2,000 bp in, 2,002 chromatin targets out) with
# its published weights when they can be downloaded, otherwise a seeded
# untrained Beluga, which every output below names. One random 2,000-bp
# sequence carrying the AP-1 site `GTGACTCATC` at its centre; target 267,
# H1-hESC JunD (an AP-1 factor).
#
# **Run time.** About 2 minutes on a 2-core CPU (ISM over a 100-bp window);
# on a GPU under a minute, including ISM over the full 2 kb.

# %% tags=["parameters"]
# Papermill parameters; the tests and `make book` override them, and the chapter prints the profile it ran.
# profile: "quick" (minutes on a CPU), "default" (sized for one GPU; "quick" without CUDA) or "full".
profile = "default"
weights = "auto"  # "auto" (download or untrained fallback), "untrained", or a path to deepsea.beluga.pth
device = None  # None: CUDA when available, else CPU
target = 267  # H1-hESC JunD
motif = "GTGACTCATC"  # AP-1 site, in A,C,G,T reading of the forward strand
window = (950, 1050)  # positions shown and compared
n_shuffles = 20  # DeepLIFT/SHAP references per sequence
seed = 1  # random background sequence

# %% [markdown]
# The next cell installs the package on Colab (and only there) and imports
# everything the chapter uses.

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
import pandas as pd
import torch
from tangermeme.ersatz import substitute
from tangermeme.saturation_mutagenesis import saturation_mutagenesis
from tangermeme.utils import random_one_hot
from torch.utils.benchmark import Timer

import tism_tutorial as tt
from tism_tutorial import profiles
from tism_tutorial.book import glue, glue_paper

P = profiles.sizes(profiles.ATTRIBUTIONS, profile, device)
n_shuffles = min(n_shuffles, P["max_shuffles"])
print(f"profile {P['profile']!r}")
pd.set_option("display.precision", 3)  # tables show three decimals
glue_paper()  # the paper's numbers, quoted in the prose from tism_tutorial.paper

# %% [markdown]
# ## Set-up: the model, its weights, the sequence
#
# `load_beluga` returns the model in evaluation mode on the GPU when there is
# one, and a record of where its weights came from. Offline it falls back to
# an untrained Beluga; `info.label` says which, and goes into every figure title.

# %%
model, info = tt.load_beluga(weights, device=device)
dev = next(model.parameters()).device
names = tt.target_names()
target_name = names[target]
print(f"weights: {info.label}")
print(f"device: {dev}; target {target}: {target_name}")
full_ism = P["full_ism"]

# %% [markdown]
# The sequence is random (seeded) with the AP-1 site substituted at the
# centre by tangermeme's `substitute`, so we know where a motif is.

# %%
X = substitute(random_one_hot((1, 4, 2000), random_state=seed), motif).float()
motif_start = (X.shape[-1] - len(motif)) // 2
glue("motif_first", motif_start)
glue("motif_last", motif_start + len(motif) - 1)
start, end = window
W = end - start
glue("motif_share_window", len(motif) / W, "{:.0%}")
with torch.no_grad():
    logit = model(X.to(dev))[0, target].item()
print(f"motif {motif} at {motif_start}-{motif_start + len(motif) - 1}; "
      f"predicted logit {logit:.3f} (probability {torch.sigmoid(torch.tensor(logit)):.3f})")
with torch.no_grad():
    all_logits = model(X.to(dev))[0].cpu()
glue("logit_sd_targets", float(all_logits.std()), "{:.2f}")
glue("logit_range", f"{float(all_logits.min()):.2f} to {float(all_logits.max()):.2f}")

# %% [markdown]
# Across Beluga's 2,002 targets the logits of this sequence spread with a
# standard deviation of {glue:text}`logit_sd_targets:.2f` (range
# {glue:text}`logit_range`). When the published weights are missing, the
# untrained fallback is initialised with He (Kaiming) normal weights and zero
# biases (`tism_tutorial.weights.untrained_beluga`), which keeps activations
# at their size through the ReLU layers, so its logits spread like a network's
# instead of collapsing towards zero as with PyTorch's default initialisation
# (`tests/test_weights.py` checks the spread); it is still random and
# labelled UNTRAINED everywhere.
#
# ## The gradient and everything built from it
#
# One forward and one backward pass give the gradient of the target's logit
# with respect to the one-hot input, $g = \partial f / \partial X$, of shape
# (1, 4, 2000). Every gradient attribution is a transform of $g$ (chapter 1):
#
# | variant | formula | function |
# |---|---|---|
# | gradient (local) | $g$ | `gradient` |
# | gradient×input (global, zero baseline) | $g \odot X$ | `global_attribution(g, X, 0)` |
# | global, uniform baseline | $g \odot (X - \tfrac14)$ | `global_attribution(g, X, 0.25)` |
# | TISM | $g[l,b] - g[l, b_0]$ | `tism` |
# | TISM mean effect | $-\tfrac13\sum_b \mathrm{TISM}[l,b]$ on $b_0$ | `mean_effect` |
# | corrected gradient | $g - \tfrac14\sum_b g$ | `corrected` |
# | hypothetical (uniform) | $g - \sum_i p_i g_i$, $p_i = \tfrac14$ | `hypothetical` |

# %%
grad = tt.gradient(model, X, target)
grad_maps = {
    "gradient": grad,
    "gradient×input": tt.global_attribution(grad, X, 0.0),
    "global, uniform baseline": tt.global_attribution(grad, X, 0.25),
    "TISM": tt.tism(grad, X),
    "corrected gradient": tt.corrected(grad),
    "hypothetical (uniform)": tt.hypothetical(grad, [0.25] * 4),
}
grad_maps["TISM mean effect"] = tt.mean_effect(grad_maps["TISM"], X)

# %% [markdown]
# ## ISM and what is built from it
#
# ISM predicts every variant in the window, $3W$ forward passes
# (on a GPU, in the default profile, all 6,000 variants of the sequence).
# `tt.ism` returns $f(\text{variant}) - f(\text{reference})$ in logits, zero at
# the reference base; the mean effect and centered ISM are transforms of it.

# %%
if full_ism:
    ism_full = tt.ism(model, X, target, 0, X.shape[-1], batch_size=128)
    ism_values = ism_full[..., start:end]
else:
    ism_values = tt.ism(model, X, target, start, end)
X_win = X[..., start:end]
ism_maps = {
    "ISM": ism_values,
    "ISM mean effect": tt.mean_effect(ism_values, X_win),
    "centered ISM": tt.center(ism_values),
}
print(f"ISM computed over {'the full 2 kb' if full_ism else f'positions {start}-{end - 1}'}")

# %% [markdown]
# ## DeepLIFT/SHAP
#
# tangermeme's DeepLIFT/SHAP compares the sequence with dinucleotide-shuffled
# references (fixed `random_state`) and propagates multipliers with the
# rescale rule. Its hypothetical attributions are the analogue of the
# hypothetical gradient; multiplied by the input they sum, per sequence, to
# $f(X)$ minus the mean of $f$ over the references. The gap is the convergence
# delta, which we report.

# %%
dls_hyp, deltas = tt.deep_lift_shap(model, X, target, n_shuffles=n_shuffles, random_state=0,
                                    hypothetical=True, return_deltas=True)
dls_input = dls_hyp * X
max_delta = deltas.max().item()
glue("dls_max_delta", max_delta, "{:.2e}")
glue("n_shuffles_used", n_shuffles)
assert max_delta < 1e-3, f"DeepLIFT/SHAP convergence delta {max_delta} above tangermeme's 1e-3 threshold"

# %% [markdown]
# With {glue:text}`n_shuffles_used` references the largest convergence delta
# is {glue:text}`dls_max_delta:.1e` logit, below tangermeme's warning
# threshold of $10^{-3}$.

# %% [markdown]
# ## The identities, asserted
#
# Some of these maps are the same map. The chapter asserts each identity on
# Beluga in float32 (tolerances relative to the map's largest value):
#
# 1. TISM is zero at the reference base.
# 2. corrected gradient = hypothetical attributions with a uniform background.
# 3. centered ISM = `center(ism)` = tangermeme's `saturation_mutagenesis(...,
#    hypothetical=True)` for the same target (checked on the motif, 10 bp, to
#    keep the extra ISM short).
# 4. TISM mean effect = $\tfrac43$ × corrected gradient at the reference base.
#    Because TISM is 0 at $b_0$, $-\tfrac13 \sum_b (g_b - g_{b_0}) =
#    \tfrac43 (g_{b_0} - \tfrac14 \sum_b g_b)$, which is $\tfrac43$ times the
#    corrected gradient read at $b_0$; it is placed on $b_0$, zero elsewhere.

# %%
def rel_err(a, b):
    """Largest absolute difference relative to the largest absolute value."""
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()


assert (grad_maps["TISM"] * X).abs().max() == 0
err_corr_hyp = rel_err(grad_maps["corrected gradient"], grad_maps["hypothetical (uniform)"])
assert err_corr_hyp < 1e-5, err_corr_hyp

m0, m1 = motif_start, motif_start + len(motif)
tm_hyp = saturation_mutagenesis(model, X, start=m0, end=m1, target=target, hypothetical=True,
                                fast=False, device=dev).cpu()
ism_motif = ism_values[..., m0 - start:m1 - start] if start <= m0 and m1 <= end else tt.ism(model, X, target, m0, m1)
err_center = rel_err(tt.center(ism_motif), tm_hyp)
assert err_center < 1e-4, err_center

err_mean_effect = rel_err(grad_maps["TISM mean effect"], 4 / 3 * grad_maps["corrected gradient"] * X)
assert err_mean_effect < 1e-5, err_mean_effect
for name, value in [("err_corr_hyp", err_corr_hyp), ("err_center", err_center),
                    ("err_mean_effect", err_mean_effect)]:
    glue(name, value, "{:.1e}")

# %% [markdown]
# Relative errors: corrected vs hypothetical {glue:text}`err_corr_hyp:.1e`;
# centered ISM vs tangermeme {glue:text}`err_center:.1e`; TISM mean effect vs
# $\tfrac43$ corrected {glue:text}`err_mean_effect:.1e`: float32 rounding.
#
# ## Each variant as a logo and a heatmap
#
# One helper, `tt.plot_attribution`, draws every map the same way: a sequence
# logo (tangermeme's `plot_logo`) above a heatmap of all four bases, colour
# scale symmetric about zero, in logit units. For per-position maps (mean
# effects, ×input) the logo shows the reference base; for TISM and ISM the
# logo shows the mean effect and the heatmap the three substitutions.
# A gold band (shaded on the logo, outlined on the heatmap) marks the
# inserted AP-1 site in every figure.

# %%
win = slice(start, end)
panels = [
    ("Gradient (local attribution)", grad_maps["gradient"][0, :, win], None),
    ("Gradient×input (global, zero baseline)", grad_maps["gradient×input"][0, :, win], None),
    ("Global attribution, uniform 0.25 baseline", grad_maps["global, uniform baseline"][0, :, win], None),
    ("TISM (heatmap) and its mean effect (logo)", grad_maps["TISM"][0, :, win],
     grad_maps["TISM mean effect"][0, :, win]),
    ("ISM (heatmap) and its mean effect (logo)", ism_maps["ISM"][0], ism_maps["ISM mean effect"][0]),
    ("Corrected gradient (Majdandzic et al.)", grad_maps["corrected gradient"][0, :, win], None),
    ("Hypothetical attributions, uniform background", grad_maps["hypothetical (uniform)"][0, :, win], None),
    ("Centered ISM (Eq. 4), ISM's hypothetical map", ism_maps["centered ISM"][0], None),
    ("DeepLIFT/SHAP, hypothetical", dls_hyp[0, :, win], None),
    ("DeepLIFT/SHAP × input", dls_input[0, :, win], None),
]
for title, values, logo_values in panels:
    fig = tt.plot_attribution(values, title, start=start, logo_values=logo_values, highlight=[(m0, m1)],
                              suptitle=f"{info.label} | target {target} {target_name}")
    plt.show()

# %% [markdown]
# Does the inserted AP-1 site (positions {glue:text}`motif_first`–{glue:text}`motif_last`)
# stand out? JunD binds AP-1 sites, so with Beluga's published weights it
# should; with untrained weights nothing should. The next cell measures it
# instead of assuming it: the share of the window's ten positions with the
# largest absolute ISM mean effect that fall inside the motif (chance: the
# motif's share of the window, {glue:text}`motif_share_window:.0%`).

# %%
score = ism_maps["ISM mean effect"][0].sum(0).abs()
top10 = torch.topk(score, 10).indices + start
in_motif = ((top10 >= m0) & (top10 < m1)).float().mean().item()
glue("top10_in_motif", in_motif, "{:.0%}")
glue("weights_kind", "Beluga's published weights" if info.trained else "the UNTRAINED fallback (random weights)")
if info.trained:
    print(f"{in_motif:.0%} of the 10 strongest ISM positions lie in the AP-1 site ({info.label}).")
else:
    print(f"{in_motif:.0%} of the 10 strongest ISM positions lie in the AP-1 site; with the "
          "UNTRAINED fallback no motif is expected to stand out.")

# %% [markdown]
# On {glue:text}`weights_kind`, {glue:text}`top10_in_motif:.0%` of the ten
# strongest ISM positions lie in the AP-1 site (chance
# {glue:text}`motif_share_window:.0%`).
#
# ## All variants together, and how they correlate
#
# The overview stacks every map over the same window. Below it, the
# correlations: maps that assign a value to **all four bases** are compared
# over the $3W$ alternative-base entries (the paper's definition for TISM and
# ISM; at the reference base TISM and ISM are zero by construction, which
# would inflate their correlation), maps that assign **one value per
# position** (on the reference base) over the $W$ positions.

# %%
overview = {title: (lv if lv is not None else v) for title, v, lv in panels}
fig = tt.plot_overview(overview, start=start, highlight=[(m0, m1)],
                       suptitle=f"All variants | {info.label} | target {target_name}")
plt.show()

# %%
hyp_like = {
    "gradient": grad_maps["gradient"][0, :, win],
    "corrected": grad_maps["corrected gradient"][0, :, win],
    "hypothetical": grad_maps["hypothetical (uniform)"][0, :, win],
    "TISM": grad_maps["TISM"][0, :, win],
    "ISM": ism_maps["ISM"][0],
    "centered ISM": ism_maps["centered ISM"][0],
    "DeepLIFT/SHAP hyp.": dls_hyp[0, :, win],
}
per_position = {
    "gradient×input": grad_maps["gradient×input"][0, :, win].sum(0),
    "global uniform": grad_maps["global, uniform baseline"][0, :, win].sum(0),
    "TISM mean effect": grad_maps["TISM mean effect"][0, :, win].sum(0),
    "ISM mean effect": ism_maps["ISM mean effect"][0].sum(0),
    "centered ISM at ref.": (ism_maps["centered ISM"][0] * X_win[0]).sum(0),
    "DeepLIFT/SHAP × input": dls_input[0, :, win].sum(0),
}


def correlation_table(maps, entries=None):
    """Pearson correlation of every pair of maps over the selected entries (all if None)."""
    flat = torch.stack([(m if entries is None else m[entries]).flatten().double() for m in maps.values()])
    return pd.DataFrame(torch.corrcoef(flat).numpy(), index=list(maps), columns=list(maps))


alt = X_win[0] == 0  # the three alternative bases at each window position
corr_hyp = correlation_table(hyp_like, alt)
corr_pos = correlation_table(per_position)
pearson_tism_ism = np.corrcoef(hyp_like["TISM"][alt], hyp_like["ISM"][alt])[0, 1]
pearson_grad_ism = np.corrcoef(hyp_like["gradient"][alt], hyp_like["ISM"][alt])[0, 1]
glue("pearson_tism_ism", float(pearson_tism_ism), "{:.3f}")
glue("pearson_grad_ism", float(pearson_grad_ism), "{:.3f}")
corr_hyp.round(3).style.format(precision=3, thousands=",", na_rep="–").set_caption(f"Pearson r over the 3W alternative-base entries | {info.label}")

# %%
corr_pos.round(3).style.format(precision=3, thousands=",", na_rep="–").set_caption(f"Pearson r over the W positions | {info.label}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 5.5), constrained_layout=True)
for ax, table, title in [(axes[0], corr_hyp, "maps over all four bases (3W alternative entries)"),
                         (axes[1], corr_pos, "per-position maps (W positions)")]:
    im = ax.imshow(table.values, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(table)), table.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(table)), table.index)
    for i in range(len(table)):
        for j in range(len(table)):
            ax.text(j, i, f"{table.values[i, j]:.2f}", ha="center", va="center", fontsize=8)
    ax.set_title(f"Pearson r, {title}")
fig.colorbar(im, ax=axes, label="Pearson r", shrink=0.8)
fig.suptitle(f"Agreement between attribution variants, positions {start}-{end - 1} | {info.label}")
plt.show()

# %% [markdown]
# Over the three alternative bases in the window, Pearson(TISM, ISM) is
# {glue:text}`pearson_tism_ism:.3f` here, against {glue:text}`pearson_grad_ism:.3f`
# for the raw gradient. The original TISM notebook reported
# {glue:text}`paper_ref_pearson:.3f` for Beluga's published weights and track
# {glue:text}`paper_ref_target` over positions {glue:text}`paper_ref_start`–{glue:text}`paper_ref_end`
# of *its own* example sequence, but with a different definition and input:
# it correlates all four bases, including the reference base where TISM and
# ISM are both zero, and it fed A, C, G, T to a network trained on A, G, C, T
# (pitfall (a) below). After that pitfall we recompute its number both ways
# on this chapter's sequence, so the two definitions can be compared here.
# The identities show up as correlations of exactly 1: corrected and
# hypothetical in the first table (centered TISM, the same map, is left out);
# in the second, the TISM mean effect with the uniform-baseline global
# attribution (it is $\tfrac43$ of it), and the ISM mean effect with centered
# ISM at the reference base ($-\tfrac14\sum_b \mathrm{ISM}$, which is
# $\tfrac34$ of the mean effect). The remaining entries say how close the
# cheap scores come to the ISM mean effect.
#
# ## Pitfalls
#
# :::{admonition} Three ways to get a wrong map without an error
# :class: warning
#
# **(a) Channel order.** Beluga was trained on A, G, C, T. Feeding an
# A, C, G, T one-hot to the raw network makes it read every C as G and every G
# as C: the map is the correct map of the complement-swapped sequence, drawn
# with C and G exchanged. The original TISM README does this, so its motif
# `CTCAGTGATG` is seen by the network as `GTGACTCATC`.
#
# **(b) Logits vs probabilities.** The sigmoid at Beluga's output squashes
# large effects. TISM on the probability is the logit TISM scaled by
# $\sigma'(f) = p(1-p)$, while ISM on the probability passes each variant through
# the sigmoid separately: the extra non-linearity lowers their agreement
# whenever predictions are near 0 or 1. The book uses logits.
#
# **(c) Library defaults.** tangermeme's `saturation_mutagenesis` returns,
# by default, centered ISM multiplied by the input: $-\tfrac14 \sum_b
# \mathrm{ISM}(l, b)$ on the reference base. That is $\tfrac34$ of the ISM mean
# effect (which divides by 3), and neither is the raw ISM of `tt.ism`.
# :::
#
# The cells below demonstrate each pitfall with this chapter's model.

# %%
class RawOrderBeluga(torch.nn.Module):
    """The pitfall: Beluga's network fed A,C,G,T without the A,G,C,T permutation."""

    def __init__(self, beluga):
        super().__init__()
        self.net = beluga.model

    def forward(self, X):
        return self.net(X.unsqueeze(2))


wrong = RawOrderBeluga(model).eval()
grad_wrong = tt.gradient(wrong, X, target)
# What the wrong model computes is the right model's gradient on the C<->G-swapped sequence.
swap = [0, 2, 1, 3]
grad_swapped_seq = tt.gradient(model, X[:, swap], target)[:, swap]
err_swap = rel_err(grad_wrong, grad_swapped_seq)
assert err_swap < 1e-5, err_swap
glue("err_swap", err_swap, "{:.1e}")

fig, axes = plt.subplots(2, 1, figsize=(12, 4), constrained_layout=True)
m_win = slice(m0 - 10, m1 + 10)
tt.plotting.logo(tt.mean_effect(grad_maps["TISM"], X)[0, :, m_win], axes[0],
                 "correct: A,C,G,T permuted to Beluga's A,G,C,T", m0 - 10, highlight=[(m0, m1)])
tt.plotting.logo(tt.mean_effect(tt.tism(grad_wrong, X), X)[0, :, m_win], axes[1],
                 "pitfall: A,C,G,T fed to the raw network (C and G swapped)", m0 - 10, highlight=[(m0, m1)])
axes[1].set_xlabel("position (bp)")
fig.suptitle(f"TISM mean effect around the motif | {info.label}")
plt.show()

# %% [markdown]
# The wrong-order gradient equals the correct gradient of the C↔G-swapped
# sequence to {glue:text}`err_swap:.1e`: the mistake raises no error and
# produces a plausible-looking map of a different sequence.
#
# **The original notebook's correlation, recomputed.** Its definition
# (Pearson over all four bases of the window, reference zeros included) and
# its input (A, C, G, T fed to the raw network, the model `wrong` above)
# against ours (the three alternative bases, channels permuted), in all four
# combinations, over this chapter's window and sequence. ISM of the
# wrong-order model costs another $3W$ forward passes.

# %%
ism_wrong = tt.ism(wrong, X, target, start, end)[0]
tism_wrong = tt.tism(grad_wrong, X)[0, :, win]
every_base = torch.ones_like(alt)
original_vs_ours = pd.DataFrame(
    [[np.corrcoef(t[m].double(), i[m].double())[0, 1] for m in (every_base, alt)]
     for t, i in ((hyp_like["TISM"], hyp_like["ISM"]), (tism_wrong, ism_wrong))],
    index=["channels permuted to A,G,C,T (ours)", "A,C,G,T fed to the raw network (original notebook)"],
    columns=["all four bases, reference zeros included (original)", "three alternative bases (ours, the paper's)"])
glue("r_orig_def_orig_order", float(original_vs_ours.iloc[1, 0]), "{:.3f}")
glue("r_our_def_our_order", float(original_vs_ours.iloc[0, 1]), "{:.3f}")
glue("r_orig_def_our_order", float(original_vs_ours.iloc[0, 0]), "{:.3f}")
glue("zeros_effect", "raises" if original_vs_ours.iloc[0, 0] > original_vs_ours.iloc[0, 1] else "lowers")
original_vs_ours.style.format(precision=3).set_caption(
    f"Pearson(TISM, ISM), positions {start}-{end - 1}, target {target} | {info.label}")

# %% [markdown]
# With the original notebook's definition and channel order, this chapter's
# sequence gives {glue:text}`r_orig_def_orig_order:.3f` (its published number,
# on its own sequence, window and the published weights:
# {glue:text}`paper_ref_pearson:.3f`); with our definition and the correct
# channel order, {glue:text}`r_our_def_our_order:.3f`. Counting the reference
# zeros alone {glue:text}`zeros_effect` ours to {glue:text}`r_orig_def_our_order:.3f`:
# the zeros are pairs that agree by construction, not by the model, so numbers
# computed under the two definitions are not comparable.
#
# For (b), ISM on probabilities needs no new forward pass: it is
# $\sigma(f + \mathrm{ISM}) - \sigma(f)$, and TISM on probabilities is
# $\sigma'(f)\,\mathrm{TISM}$ by the chain rule.

# %%
ism64 = ism_values[0].double()  # float64: tiny effects must not cancel to 0 in the sigmoid difference
p0 = torch.sigmoid(torch.tensor(logit, dtype=torch.float64))
ism_prob = torch.sigmoid(logit + ism64) - p0
tism_prob = p0 * (1 - p0) * grad_maps["TISM"][0, :, win]
r_prob = np.corrcoef(tism_prob[alt], ism_prob[alt])[0, 1]
glue("r_tism_ism_prob", float(r_prob), "{:.3f}")
glue("prob0", float(p0), "{:.3f}")
print(f"Pearson(TISM, ISM): logits {pearson_tism_ism:.3f}, probabilities {r_prob:.3f} (p = {p0:.3f})")

# %% [markdown]
# How much the sigmoid matters depends on where the prediction sits. Adding a
# constant $c$ to the logit (a different output bias) leaves logit ISM and TISM
# unchanged, so we can replay the comparison for predictions across the whole
# probability range without another forward pass.

# %%
offsets = torch.linspace(-8, 8, 17, dtype=torch.float64)
p_shifted = torch.sigmoid(logit + offsets)
tism64 = grad_maps["TISM"][0, :, win].double()
# The same maps scaled so that the largest ISM effect is 2 logits: an illustration of the
# effect sizes of a trained model (a linear rescaling leaves the logit-scale correlation unchanged).
scale = 2.0 / float(ism64[alt].abs().max())


def r_on_probabilities(ism_logit, tism_logit, c):
    """Pearson(TISM, ISM) on the probability scale for a prediction shifted by c logits."""
    ism_p = torch.sigmoid(logit + c + ism_logit) - torch.sigmoid(logit + c)
    return np.corrcoef(tism_logit[alt], ism_p[alt])[0, 1]


r_shifted = [r_on_probabilities(ism64, tism64, c) for c in offsets]
r_scaled = [r_on_probabilities(scale * ism64, scale * tism64, c) for c in offsets]
assert np.isfinite(r_shifted).all() and np.isfinite(r_scaled).all(), (r_shifted, r_scaled)
fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
ax.plot(p_shifted, r_shifted, "o-", label="this model's effects, on probabilities")
ax.plot(p_shifted, r_scaled, "s-", label="effects scaled to a largest 2 logits (illustration)")
ax.axhline(pearson_tism_ism, color="k", ls="--", label="on logits (any offset, any scale)")
ax.ticklabel_format(axis="y", useOffset=False)
ax.set_ylim(min(0.0, float(np.min(r_scaled)) - 0.05), 1.0)
ax.set_xlabel("predicted probability of the reference sequence")
ax.set_ylabel("Pearson(TISM, ISM), alternative bases")
ax.set_title(f"Sigmoid saturation | {info.label}", fontsize=10)
ax.legend(fontsize=8, loc="lower center")
plt.show()
glue("r_prob_min", float(np.min(r_shifted)), "{:.3f}")
glue("r_prob_drop", float(pearson_tism_ism - np.min(r_shifted)), "{:.1e}")
glue("ism_max_logit", float(ism64[alt].abs().max()), "{:.2g}")
glue("r_scaled_min", float(np.min(r_scaled)), "{:.3f}")

# %% [markdown]
# At the model's own prediction (probability {glue:text}`prob0:.3f`),
# Pearson(TISM, ISM) is {glue:text}`pearson_tism_ism:.3f` on logits and
# {glue:text}`r_tism_ism_prob:.3f` on probabilities; across the shifted
# predictions its lowest value on probabilities is {glue:text}`r_prob_min:.3f`,
# a drop of {glue:text}`r_prob_drop:.1e` from the logit scale (the y axis starts
# at zero, so a drop that small is a flat line). The size of the drop depends
# on how large the ISM effects are on the logit scale: this model's largest
# effect is {glue:text}`ism_max_logit:.2g` logits. Scaled so that the largest
# effect is 2 logits, the same maps fall to {glue:text}`r_scaled_min:.3f` on
# probabilities for predictions near 0 or 1: effects of logit size are bent by
# the sigmoid there, tiny ones see an almost linear sigmoid.
#
# For (c), tangermeme's default output on the motif against our raw ISM:

# %%
tm_default = saturation_mutagenesis(model, X, start=m0, end=m1, target=target, fast=False, device=dev).cpu()
X_motif = X[..., m0:m1]
err_tm_default = rel_err(tm_default, tt.center(ism_motif) * X_motif)
err_tm_three_quarters = rel_err(tm_default, 0.75 * tt.mean_effect(ism_motif, X_motif))
assert err_tm_default < 1e-4 and err_tm_three_quarters < 1e-4, (err_tm_default, err_tm_three_quarters)
print(f"tangermeme default = centered ISM x input (rel. err {err_tm_default:.1e}) "
      f"= 3/4 x ISM mean effect (rel. err {err_tm_three_quarters:.1e}); "
      f"largest raw |ISM| on the motif {ism_motif.abs().max():.3g}, largest |default| {tm_default.abs().max():.3g}")

# %% [markdown]
# ## Timing teaser
#
# How long does each variant take for this one sequence on this device?
# Times come from `torch.utils.benchmark`: medians of repeated runs in the
# default profile, a single run in the quick profile. The
# gradient transforms cost microseconds on top of the gradient, so their row
# is the gradient's. ISM is timed on a 10-bp window (30 variants) and
# **extrapolated** linearly to the chapter's window and to the full 2 kb.
# Chapter 3 measures all this properly.

# %%
n_rep = P["timing_repeats"]
timers = {
    "gradient (all gradient variants, TISM)": Timer(
        "tt.gradient(model, X, target)", globals=globals()),
    "ISM, 10-bp window (30 variants)": Timer(
        "tt.ism(model, X, target, m0, m0 + 10, verbose=False)", globals=globals()),
    f"DeepLIFT/SHAP, {n_shuffles} references": Timer(
        "tt.deep_lift_shap(model, X, target, n_shuffles=n_shuffles)", globals=globals()),
}
rows = []
for name, timer in timers.items():
    m = timer.timeit(1) if n_rep == 1 else timer.blocked_autorange(min_run_time=n_rep)
    rows.append({"variant": name, "seconds": m.median, "how": "measured"})
t_ism10 = rows[1]["seconds"]
rows.append({"variant": f"ISM, {W}-bp window", "seconds": t_ism10 * W / 10, "how": "extrapolated"})
rows.append({"variant": "ISM, full 2,000 bp", "seconds": t_ism10 * 200, "how": "extrapolated"})
timing = pd.DataFrame(rows)
timing["x gradient"] = timing["seconds"] / timing["seconds"][0]
timing["weights"] = info.label
glue("ism_full_over_grad", float(timing["x gradient"].iloc[-1]), "{:,.0f}")
print(f"device {dev}, {torch.get_num_threads()} CPU threads, {info.label}")
timing.style.format({"seconds": "{:,.3g}", "x gradient": "{:,.3g}"}).hide(axis="index")

# %% [markdown]
# On this device, ISM over the full sequence would take about
# {glue:text}`ism_full_over_grad:,.0f` times as long as the gradient that
# gives TISM (extrapolated from the 10-bp timing).
#
# ## Summary
#
# * One gradient gives seven maps: local, global (two baselines), TISM, its
#   mean effect, the corrected gradient and the hypothetical attribution; three
#   of them (corrected, hypothetical with a uniform background, centered TISM)
#   are one map, and the TISM mean effect is $\tfrac43$ of it at the reference base.
# * ISM needs $3L$ forward passes and gives ISM, its mean effect and centered
#   ISM; TISM approximates it at the cost of one backward pass.
# * DeepLIFT/SHAP needs one forward and backward pass per reference and
#   satisfies its summation property to the reported convergence delta.
# * Feed Beluga A, G, C, T (the package does it for you), compute attributions
#   on logits, and know what your library's ISM returns.
#
# ## Exercises
#
# Solutions are folded under each exercise: try first, then open them.
#
# ````{exercise}
# :label: beluga-dnase
#
# Set `target = 53` (GM12878 DNase) and rerun: does the AP-1 site matter for
# accessibility in this sequence?
# ````
#
# ````{solution} beluga-dnase
# :class: dropdown
#
# Run the chapter with papermill, `-p target 53`, or change the parameters
# cell. The measuring cell then reports the share of the ten strongest ISM
# positions that fall inside the AP-1 site, against the chance level it prints.
# With the published weights, a share well above chance says that the model
# uses the AP-1 site for accessibility in GM12878 too; a share at chance says that in this random
# background the site alone does not change the DNase prediction. With the
# untrained fallback the share stays near chance for any target, which is the
# point of measuring it rather than expecting it.
# ````
#
# ````{exercise}
# :label: beluga-reverse
#
# Replace `motif` with its reverse complement `GATGAGTCAC`. Which maps
# change, and why should a model trained on both strands barely care?
# ````
#
# ````{solution} beluga-reverse
# :class: dropdown
#
# Every map changes position by position, because the bases in the window
# change: the logos read the reverse complement, and the heatmaps' rows swap
# accordingly. What should barely change is the *size* of the effect: a
# transcription factor binds either strand, a model that learned the motif
# from genomic data has seen it in both orientations, and the AP-1 consensus
# `TGA(C/G)TCA` is its own reverse complement, so with the published weights
# the ISM mean effect summed over the site should be similar for both
# orientations. Compare `ism_maps["ISM mean effect"][0].sum()` over the motif's
# positions for the two runs. The untrained fallback has no reason to treat
# the two orientations alike.
# ````

