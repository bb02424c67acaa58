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
# # From bases to motifs: in silico marginalization and its Taylor approximation
#
# **Overview.** In this chapter you will
#
# * reproduce tangermeme's marginalization experiment {cite}`schreiber2024tangermeme`
#   on the DeepSEA Beluga model {cite}`zhou2018expecto`: substitute the AP-1
#   site `GTGACTCATC` into random 2-kb backgrounds and compare predictions
#   and attributions before and after;
# * extend the paper's first-order Taylor expansion {cite}`sasse2024tism`
#   from single bases to whole motifs: the effect of *every* motif at
#   *every* position from one gradient per background, as a convolution;
# * measure where that approximation holds and where it breaks (motif
#   length, interacting motifs), and how much faster it is than substituting
#   and predicting.
#
# **Models and data.** Beluga (2,000 bp in, 2,002 chromatin targets out) with
# its published weights when they can be downloaded, otherwise a seeded
# **untrained** Beluga, which every figure and table names. On an untrained
# network the exact-versus-Taylor comparisons run but say nothing about
# biology, so the chapter repeats them on a small AI-TAC-style model trained
# here on chapter 5's simulated sequences, whose planted motifs we know. The
# motif scan uses every JASPAR 2024 CORE vertebrate matrix
# {cite}`rauluseviciute2024jaspar`, read offline through pyjaspar.
#
# **Run time.** The `quick` profile (CI): about a minute after the imports on
# an otherwise idle 2-core CPU (measured in CI, 2026-11-23; up to 6.5 minutes
# on a machine shared with three other jobs), a third of it training the
# simulated model. The `default` profile is the same
# on a CPU and GPU-sized on CUDA (100 backgrounds as in tangermeme's
# tutorial, every motif length from 1 to 20 bp on Beluga; about 10 minutes on
# a Colab T4). The `full` profile is larger still (hours on a CPU).

# %% tags=["parameters"]
# Papermill parameters. profile: "quick" (CI), "default" (GPU-sized on CUDA, quick on a CPU) or "full".
profile = "default"
weights = "auto"  # "auto" (download or untrained fallback), "untrained", or a path to deepsea.beluga.pth
device = None  # None: CUDA when available, else the CPU
target = 267  # H1-hESC JunD
motif = "GTGACTCATC"  # AP-1 site, A,C,G,T reading of the forward strand
window = (950, 1050)  # positions shown in the logos
seed = 0  # backgrounds, motif panels, simulated data
threads = 2  # CPU threads for torch

# %% [markdown]
# The next cell installs the package on Colab (and only there), imports what
# the chapter uses and picks the device.

# %% tags=["hide-input"]
import subprocess
import sys

if "google.colab" in sys.modules:  # pragma: no cover - only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "tism_tutorial @ git+https://github.com/tism-book/tism-book@main"], check=True)

import time
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")  # text progress bars are fine

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display
from scipy.stats import spearmanr
from tangermeme.deep_lift_shap import deep_lift_shap
from tangermeme.ersatz import substitute
from tangermeme.marginalize import marginalize
from tangermeme.plot import plot_logo
from tangermeme.utils import random_one_hot
from torch.utils.benchmark import Timer

import tism_tutorial as tt
from tism_tutorial import aitac, metrics, profiles
from tism_tutorial import marginalize as mg
from tism_tutorial import simulate as sim
from tism_tutorial.book import glue, show

dev = tt.resolve_device(device)
if dev.type == "cpu":
    torch.set_num_threads(threads)
P = profiles.sizes(profiles.MARGINALIZATION, profile, dev)
print(f"device: {dev}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, profile {P['profile']!r}")
t_start = time.perf_counter()


# %% [markdown]
# The profile sets every size in the chapter:

# %%
pd.Series({k: v for k, v in P.items()}, name=P["profile"]).astype(str).to_frame()

# %% [markdown]
# ## Set-up: Beluga and random backgrounds
#
# `load_beluga` returns the model in evaluation mode and a record of where
# its weights came from; `info.label` goes into every figure title. The
# backgrounds are uniform random 2-kb sequences (tangermeme's
# `random_one_hot`), as in tangermeme's marginalization tutorial.

# %%
model, info = tt.load_beluga(weights, device=dev)
names = tt.target_names()
L = 2000
X = random_one_hot((P["n_backgrounds"], 4, L), random_state=seed).float()
print(f"weights: {info.label}")
print(f"target {target}: {names[target]}; {len(X)} backgrounds of {L} bp")
if not info.trained:
    print("These weights are UNTRAINED: the numbers below show the method, not Beluga's biology.")

# %% [markdown]
# ## A. Exact marginalization on Beluga
#
# tangermeme's `marginalize(model, X, motif)` substitutes the motif into the
# middle of every background (`ersatz.substitute`) and predicts both
# versions: two forward passes per background. The difference is the
# motif's *marginal* effect on every one of the 2,002 targets, in logits.

# %%
y_before, y_after = marginalize(model, X, motif, device=dev, batch_size=16)
delta = (y_after - y_before).double()  # (backgrounds, 2002)
mean_delta = delta.mean(dim=0)
order = torch.argsort(mean_delta, descending=True)
top = torch.cat([order[:30], order[-30:]])
glue("n_backgrounds", len(X))
glue("top_target", names[int(order[0])])
glue("top_delta", float(mean_delta[order[0]]))
glue("bottom_target", names[int(order[-1])])
glue("bottom_delta", float(mean_delta[order[-1]]))
glue("frac_up", float((mean_delta > 0).double().mean()))
glue("target_delta", float(mean_delta[target]))

# %%
fig, ax = plt.subplots(figsize=(10, 9), constrained_layout=True)
vmax = float(delta[:, top].abs().max())
im = ax.imshow(delta[:, top].T.numpy(), aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax,
               interpolation="nearest")
ax.set_yticks(range(len(top)), [names[int(t)] for t in top], fontsize=6)
ax.set_xlabel("background sequence")
ax.set_ylabel("Beluga target (30 most increased, then 30 most decreased)")
ax.axhline(29.5, color="k", lw=0.8)
plt.colorbar(im, ax=ax, label="change in logit after inserting the motif", fraction=0.03)
ax.set_title(f"Marginal effect of {motif} at the centre\n{info.label}", fontsize=10)
plt.show()

# %% [markdown]
# **Figure 1.** The change in logit when `GTGACTCATC` is substituted into
# the middle of each background (columns), for the 30 targets whose mean
# change is largest and the 30 whose mean change is most negative (rows,
# named from the Kipoi names file, zero-based). Weights as in the title.
#
# Over {glue:text}`n_backgrounds` backgrounds the largest mean increase is
# {glue:text}`top_delta:.3g` logit for {glue:text}`top_target`, the largest
# decrease {glue:text}`bottom_delta:.3g` for {glue:text}`bottom_target`; a
# share of {glue:text}`frac_up:.3g` of all targets goes up, and target 267
# changes by {glue:text}`target_delta:.3g` logit. If Beluga has learned
# AP-1, its published weights should put AP-1 ChIP-seq tracks (JunD, c-Jun,
# c-Fos, ...) near the top of this list; offline we cannot check that. With
# the untrained fallback the list is noise of the random weights, the
# effects are tiny, and the names mean nothing.

# %%
fig, ax = plt.subplots(figsize=(5, 5), constrained_layout=True)
mb, ma = y_before.double().mean(0).numpy(), y_after.double().mean(0).numpy()
ax.scatter(mb, ma, s=4, alpha=0.5, color="grey", label="all targets")
ax.scatter(mb[top[:30]], ma[top[:30]], s=8, color="C3", label="30 most increased")
ax.scatter(mb[top[30:]], ma[top[30:]], s=8, color="C0", label="30 most decreased")
lim = [min(mb.min(), ma.min()), max(mb.max(), ma.max())]
ax.plot(lim, lim, "k:", lw=0.8, label="no change")
ax.set_xlabel("mean logit before (background)")
ax.set_ylabel(f"mean logit after inserting {motif}")
ax.legend(fontsize=8)
ax.set_title(f"Mean prediction before and after, {len(X)} backgrounds\n{info.label}", fontsize=9)
plt.show()

# %% [markdown]
# **Figure 2.** Each point is one of the 2,002 targets: its logit averaged
# over the backgrounds before (x) and after (y) the substitution.
#
# ### Attributions before and after
#
# `marginalize` applies any function before and after the substitution. With
# tangermeme's DeepLIFT/SHAP (dinucleotide-shuffled references) and with
# TISM (the gradient, from which TISM and its mean effect follow, chapter 1),
# both for target 267, we average the attributions over backgrounds and
# draw them around the insertion site.

# %%
Xa = X[:P["n_attr_backgrounds"]]
dls_before, dls_after = marginalize(model, Xa, motif, func=deep_lift_shap, target=target,
                                    n_shuffles=P["n_shuffles"], random_state=seed, device=dev,
                                    batch_size=8, only_warn=True)
grad_before, grad_after = marginalize(model, Xa, motif, func=tt.gradient, target=target, batch_size=8)

# %%
Xa_after = substitute(Xa, motif).float()  # the sequences marginalize built
tism_me_before = tt.mean_effect(tt.tism(grad_before, Xa), Xa)
tism_me_after = tt.mean_effect(tt.tism(grad_after, Xa_after), Xa_after)
s, e = window
panels_attr = {"DeepLIFT/SHAP, before": dls_before, "DeepLIFT/SHAP, after": dls_after,
               "TISM mean effect, before": tism_me_before, "TISM mean effect, after": tism_me_after}
fig, axes = plt.subplots(4, 1, figsize=(11, 8), constrained_layout=True)
for ax, (name, values) in zip(axes, panels_attr.items()):
    plot_logo(values.double().mean(0)[:, s:e].numpy(), ax=ax)
    ax.set_xticks(range(0, e - s, 10), [str(s + t) for t in range(0, e - s, 10)])
    ax.set_ylabel("logit")
    ax.set_title(f"{name} (mean over {len(Xa)} backgrounds)", fontsize=9, loc="left")
axes[-1].set_xlabel("position (bp)")
fig.suptitle(f"Attributions for target {target} ({names[target]}) around the insertion\n{info.label}",
             fontsize=10)
plt.show()

# %% [markdown]
# **Figure 3.** Mean attribution logos over positions
# {glue:text}`win_start`–{glue:text}`win_end`, before (rows 1, 3) and after
# (rows 2, 4) inserting `GTGACTCATC` at the centre: DeepLIFT/SHAP ×input
# and the TISM mean effect (Eq. 7 of chapter 1), target 267. On random
# backgrounds the "before" logos average towards zero; after the
# substitution a model that has learned AP-1 shows the motif at
# 995–1004. An untrained model has learned nothing, and its logos are
# noise.

# %%
glue("win_start", s)
glue("win_end", e - 1)

# %% [markdown]
# ## B. Marginalization from one gradient
#
# The Taylor expansion of the paper (Eq. 1), $f(s) \approx f(s_0) + g\cdot(s -
# s_0)$ with $g = \partial f/\partial s_0$, does not care how many bases
# change. Substituting a motif $M$ (one-hot, $4\times k$) at position $p$ of
# $X$ changes only the columns $p, \dots, p+k-1$, so its first-order effect is
#
# $$\hat\Delta(p) = \sum_{j=0}^{k-1}\sum_{b} g[b, p+j]\,\bigl(M[b,j] - X[b,p+j]\bigr)
#  = \underbrace{\sum_{j,b} g[b,p+j]\,M[b,j]}_{\text{cross-correlation of } g \text{ with } M}
#  \;-\; \underbrace{\sum_{j} g[x_{p+j}, p+j]}_{\text{window sum of } g \text{ at the reference}}
#  \qquad\text{(M1)}$$
#
# For $k = 1$ this is TISM (Eq. 3). The first term is exactly what a 1-d
# convolution layer computes (`torch.nn.functional.conv1d` is a
# cross-correlation): with the motifs of one length stacked as the
# kernels, one call gives every motif at every position. The second term is
# a moving sum. `mg.taylor_marginalize(grad, X, motifs)` groups the motifs by
# length and does both; no forward pass is needed beyond the one behind $g$.
#
# ### The identities, asserted (float64)
#
# On two small float64 models (a random Conv1d–ReLU–Linear network and a
# model linear in $X$, both 200 bp) the chapter checks that Eq. M1 at $k=1$
# is TISM, that for the linear model it equals exact marginalization for
# every $k$, and that the vectorized version equals a plain loop over the
# motif's columns.

# %%
torch.manual_seed(seed)
L_small = 200
conv_model = torch.nn.Sequential(torch.nn.Conv1d(4, 8, 9), torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Linear(8 * (L_small - 8), 3)).double().eval()
linear_model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * L_small, 3)).double().eval()
Xs = random_one_hot((4, 4, L_small), random_state=seed).double()
g_conv, g_lin = tt.gradient(conv_model, Xs, 0), tt.gradient(linear_model, Xs, 0)

k1 = mg.taylor_marginalize(g_conv, Xs, list("ACGT"))
err_k1 = float((k1 - tt.tism(g_conv, Xs)).abs().max())
err_linear = 0.0
for k in (1, 2, 5, 10, 20, 50):
    motifs_k = list(mg.motif_panel(k, 3, random_state=k).motif)
    positions_k = list(range(0, L_small - k + 1, 7))
    exact_k = mg.exact_marginalize(linear_model, Xs, motifs_k, positions_k, 0)
    taylor_k = mg.taylor_marginalize(g_lin, Xs, motifs_k)[..., positions_k]
    err_linear = max(err_linear, float((exact_k - taylor_k).abs().max()))
loop_motifs = ["GTGACTCATC", "CACGTG", "A"]
vec = mg.taylor_marginalize(g_conv, Xs, loop_motifs)
err_loop = max(float((vec[:, m, p] - mg.taylor_marginalize_loop(g_conv, Xs, mm, p)).abs().max())
               for m, mm in enumerate(loop_motifs) for p in range(0, L_small - len(mm) + 1))
print(f"max |Eq. M1 at k=1 - TISM|               = {err_k1:.2e}")
print(f"max |Eq. M1 - exact|, linear model, k<=50 = {err_linear:.2e}")
print(f"max |vectorized - loop|                    = {err_loop:.2e}")
assert err_k1 < 1e-12 and err_linear < 1e-10 and err_loop < 1e-12

# %% [markdown]
# The same $k = 1$ identity holds on Beluga's own gradient (float32):

# %%
n_grad = max(P["beluga_acc_backgrounds"], P["scan_backgrounds"])
G = tt.gradient(model, X[:n_grad], target, batch_size=8)  # (n_grad, 4, 2000): one backward per background
k1_beluga = mg.taylor_marginalize(G, X[:n_grad], list("ACGT"))
rel_k1 = float((k1_beluga - tt.tism(G, X[:n_grad])).abs().max() / G.abs().max())
print(f"Beluga: max |Eq. M1 at k=1 - TISM| / max |g| = {rel_k1:.1e}")
assert rel_k1 < 1e-5

# %% [markdown]
# ### How good is first order as the motif grows?
#
# For each length $k$ we take random $k$-mers and JASPAR $k$-mers (the most
# informative $k$-bp window of the consensus of a random JASPAR matrix at
# least $k$ bp wide), put each at several positions of a few backgrounds,
# and compare Eq. M1 with the exact change (substitute and predict,
# `mg.exact_marginalize`, which loops tangermeme's `substitute` and
# `predict`). Three measures per $k$: Pearson correlation, the slope of
# Taylor on exact (1: right scale) and the relative error
# $\lVert\hat\Delta - \Delta\rVert / \lVert\Delta\rVert$.

# %%
jaspar = mg.jaspar_consensus()
glue("n_jaspar", len(jaspar))
rng = np.random.default_rng(seed)
beluga_panels = {k: mg.motif_panel(k, P["beluga_motifs"], jaspar, random_state=seed + k) for k in P["beluga_ks"]}
beluga_positions = np.linspace(100, L - 120, P["beluga_positions"]).astype(int).tolist()
nb = P["beluga_acc_backgrounds"]
beluga_rows = mg.taylor_vs_exact(model, X[:nb], G[:nb], beluga_panels, beluga_positions, target, batch_size=16)


def accuracy_by_k(rows: pd.DataFrame) -> pd.DataFrame:
    """Agreement of Taylor with exact per motif length (all kinds pooled), and mean ||s - s0||^2."""
    out = {k: {**metrics.agreement(part.taylor, part.exact), "mean ||s - s0||^2": part.dist2.mean(),
               "mean |exact|": part.exact.abs().mean()} for k, part in rows.groupby("k")}
    return pd.DataFrame(out).T.rename_axis("k")


beluga_acc = accuracy_by_k(beluga_rows)
show(beluga_acc)

# %% [markdown]
# Table: Taylor against exact marginalization on Beluga ({glue:text}`beluga_label`),
# target 267, by motif length $k$ (random and JASPAR motifs pooled).

# %%
glue("beluga_label", info.label)
glue("beluga_pearson_k1", float(beluga_acc.pearson.iloc[0]))
glue("beluga_pearson_kmax", float(beluga_acc.pearson.iloc[-1]))
glue("beluga_kmax", int(beluga_acc.index[-1]))

# %% [markdown]
# On this Beluga, Pearson(Taylor, exact) is {glue:text}`beluga_pearson_k1:.3g`
# for single bases and {glue:text}`beluga_pearson_kmax:.3g` for
# {glue:text}`beluga_kmax`-bp motifs. These are measured on the weights named
# above; on the untrained fallback they describe a random ReLU network, not
# Beluga. Section C repeats the measurement on a trained model.
#
# ### Why accuracy falls with $k$: the Taylor remainder
#
# The error of Eq. M1 is the remainder of the expansion, which for a twice
# differentiable $f$ is $R = \tfrac12 (s-s_0)^\top H(\xi)\,(s-s_0)$ for some
# $\xi$ between $s_0$ and $s$, so $|R| \le \tfrac12 \lVert H\rVert\,\lVert s -
# s_0\rVert^2$. (Beluga is a ReLU network: piecewise linear, with a Hessian
# of zero almost everywhere. There the error comes from the units that
# switch on or off on the way from $s_0$ to $s$, and the more bases change,
# the more of them can switch.) Each base the motif changes moves one 1 to
# another channel, adding 2 to $\lVert s - s_0\rVert^2$; a random $k$-mer
# changes on average $3k/4$ bases of a random background, so $\lVert s -
# s_0\rVert^2 \approx 1.5k$ (the table's column). The first-order term grows
# at most linearly with the number of changed bases, the bound on the
# remainder quadratically: we should expect the relative error to grow with
# $k$, fastest where the model is most non-linear, where the bases of a
# motif act together, which is what a motif is.
#
# ### Scanning every JASPAR motif at every position
#
# With the gradients already in hand, Eq. M1 scores all
# {glue:text}`n_jaspar` JASPAR 2024 CORE vertebrate consensus sequences at
# every position of each background in a few convolutions. We rank the motifs
# by their mean $\hat\Delta$ over positions and backgrounds.

# %%
ns = P["scan_backgrounds"]
scan = mg.taylor_marginalize(G[:ns], X[:ns], list(jaspar.consensus))  # (ns, n_motifs, L), NaN off the end
jaspar["taylor_mean"] = torch.nanmean(scan.double(), dim=(0, 2)).numpy()
ranked = jaspar.sort_values("taylor_mean", ascending=False).reset_index(drop=True)
show(ranked[["matrix_id", "name", "consensus", "width", "taylor_mean"]].head(10))

# %% [markdown]
# Table: the ten JASPAR motifs with the largest mean Taylor effect on target
# 267 (logit), {glue:text}`beluga_label`.
#
# Is the ranking right? Exact marginalization of every pair is out of reach
# on a CPU (that is the point), so we check the top 50 and a random 50 other
# motifs exactly at fixed positions of the same backgrounds, and compare with
# Eq. M1 at the same positions.

# %%
n_top = P["n_top"]
check_ids = list(range(n_top)) + sorted(rng.choice(np.arange(n_top, len(ranked)), n_top, replace=False).tolist())
check = ranked.iloc[check_ids].copy()
check["group"] = ["top 50"] * n_top + ["random 50"] * n_top
exact_check = mg.exact_marginalize(model, X[:ns], list(check.consensus), P["scan_exact_positions"], target,
                                   batch_size=16, verbose=True)
taylor_check = mg.taylor_marginalize(G[:ns], X[:ns], list(check.consensus))[..., P["scan_exact_positions"]]
check["exact"] = exact_check.double().mean(dim=(0, 2)).numpy()
check["taylor_same_positions"] = taylor_check.double().mean(dim=(0, 2)).numpy()


def rank_agreement(check: pd.DataFrame, top_k: int = 10) -> dict:
    """Spearman and top-k overlap between Taylor and exact motif effects."""
    top_t = set(check.nlargest(top_k, "taylor_same_positions").matrix_id)
    top_e = set(check.nlargest(top_k, "exact").matrix_id)
    return {"spearman (same positions)": spearmanr(check.taylor_same_positions, check.exact)[0],
            "spearman (Taylor over all positions)": spearmanr(check.taylor_mean, check.exact)[0],
            f"top-{top_k} overlap": len(top_t & top_e) / top_k,
            "pearson (same positions)": np.corrcoef(check.taylor_same_positions, check.exact)[0, 1]}


beluga_rank = rank_agreement(check)
show(pd.Series(beluga_rank, name=info.label))

# %% [markdown]
# Table: agreement between the Taylor and the exact effects of the 100
# checked JASPAR motifs on {glue:text}`beluga_label` (Spearman and Pearson
# over motifs; top-10 overlap: the share of the exact top 10 that is also
# in Taylor's top 10).

# %%
def taylor_vs_exact_scatter(table: pd.DataFrame, title: str, named: pd.DataFrame | None = None) -> None:
    """Taylor against exact mean effect of the checked motifs (top 50 and random 50 by Taylor), with y = x."""
    fig, ax = plt.subplots(figsize=(5.5, 5), constrained_layout=True)
    for grp, color in [("top 50", "C3"), ("random 50", "C0")]:
        part = table[table.group == grp]
        ax.scatter(part.exact, part.taylor_same_positions, s=14, color=color, alpha=0.7, label=f"{grp} by Taylor")
    for row in (named if named is not None else table.iloc[:0]).itertuples():
        ax.annotate(row.name, (row.exact, row.taylor_same_positions), fontsize=7)
    values = table[["exact", "taylor_same_positions"]]
    lim = [values.min().min(), values.max().max()]
    ax.plot(lim, lim, "k:", lw=0.8, label="Taylor = exact")
    ax.set_xlabel("exact mean change in logit (substitute + predict)")
    ax.set_ylabel("Taylor mean change in logit (Eq. M1)")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    plt.show()


taylor_vs_exact_scatter(check, f"JASPAR motifs, target {target}, same positions\n{info.label}")

# %% [markdown]
# **Figure 4.** Each point is a JASPAR consensus motif, its effect averaged
# over the backgrounds and the positions {glue:text}`scan_positions`:
# exact (x) against Eq. M1 (y); red, the 50 motifs Eq. M1 ranks highest over
# all positions; blue, 50 others at random.

# %%
glue("scan_positions", ", ".join(map(str, P["scan_exact_positions"])))
glue("beluga_spearman", float(beluga_rank["spearman (same positions)"]))
glue("beluga_top10", float(beluga_rank["top-10 overlap"]))

# %% [markdown]
# Spearman(Taylor, exact) over these 100 motifs is
# {glue:text}`beluga_spearman:.3g`, and a share of
# {glue:text}`beluga_top10:.3g` of the exact top 10 is also in Taylor's top
# 10 ({glue:text}`beluga_label`).
#
# ### What the scan costs, measured side by side
#
# The Taylor scan of one 2-kb input: one forward and backward pass for the
# gradient, then Eq. M1 for all {glue:text}`n_jaspar` motifs at every
# position. Exact marginalization of the same pairs costs one forward pass
# per (motif, position): we time it on a subset (all in one run, on this
# machine, with `torch.utils.benchmark.Timer`) at several batch sizes, keep
# the best, and extrapolate linearly to all pairs.

# %%
x1 = X[:1]
n_pairs_all = int(sum(L - w + 1 for w in jaspar.width))
nthreads = torch.get_num_threads()
t_grad = Timer("tt.gradient(model, x1, target)", globals=globals(), num_threads=nthreads).timeit(2).median
taylor_times = {}
for n_m in P["bench_taylor_motifs"] + [len(jaspar)]:
    cons = list(jaspar.consensus[:n_m])
    t_conv = Timer("mg.taylor_marginalize(g1, x1, cons)", globals={**globals(), "g1": G[:1], "cons": cons},
                   num_threads=nthreads).blocked_autorange(min_run_time=0.5).median
    taylor_times[int(sum(L - len(c) + 1 for c in cons))] = t_grad + t_conv
bench_motifs = list(jaspar.consensus[:2])
bench_positions = list(range(0, P["bench_pairs"] // 2))
exact_per_pair = {}
for bs in P["bench_batch_sizes"]:
    t = Timer("mg.exact_marginalize(model, x1, bench_motifs, bench_positions, target, batch_size=bs)",
              globals={**globals(), "bs": bs}, num_threads=nthreads).timeit(1).median
    exact_per_pair[bs] = t / P["bench_pairs"]
best_bs = min(exact_per_pair, key=exact_per_pair.get)
t_exact_all = exact_per_pair[best_bs] * n_pairs_all  # EXTRAPOLATED
t_taylor_all = taylor_times[n_pairs_all]  # measured
speedup = t_exact_all / t_taylor_all
cost = pd.DataFrame({
    "pairs": [n_pairs_all, n_pairs_all, P["bench_pairs"]],
    "seconds": [t_taylor_all, t_exact_all, exact_per_pair[best_bs] * P["bench_pairs"]],
    "how": ["measured (gradient + Eq. M1)", f"EXTRAPOLATED from {P['bench_pairs']} pairs at batch size {best_bs}",
            f"measured, batch size {best_bs}"],
}, index=["Taylor scan, all motifs x positions", "exact, all motifs x positions", "exact, subset"])
show(cost)

# %% [markdown]
# Table: seconds to score motif × position pairs on one 2-kb input with
# {glue:text}`beluga_label` (the cost does not depend on the weights); the
# exact time for all pairs is an extrapolation, the other two are measured.

# %%
fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
pairs_t = np.array(sorted(taylor_times))
ax.loglog(pairs_t, [taylor_times[p] for p in pairs_t], "o-", color="C2", label="Taylor scan (measured)")
ax.loglog([P["bench_pairs"]], [exact_per_pair[best_bs] * P["bench_pairs"]], "s", color="C3",
          label=f"exact (measured, batch {best_bs})")
grid = np.logspace(np.log10(P["bench_pairs"]), np.log10(n_pairs_all), 20)
ax.loglog(grid, exact_per_pair[best_bs] * grid, "--", color="C3", label="exact (extrapolated, linear)")
ax.set_xlabel("motif x position pairs scored on one 2-kb input")
ax.set_ylabel("seconds")
ax.legend(fontsize=8)
ax.set_title(f"Cost of scoring motif x position pairs, {dev.type.upper()}, {nthreads} thread(s)\n{info.label}",
             fontsize=9)
plt.show()

# %% [markdown]
# **Figure 5.** Time against the number of (motif, position) pairs scored on
# one Beluga input. Green: the Taylor scan, measured (gradient plus Eq. M1
# for the first 1, 10, 100 and all JASPAR motifs); red square: exact
# marginalization measured on a subset at its best batch size; red dashes:
# its linear extrapolation, not a measurement.

# %%
glue("n_pairs_all", n_pairs_all)
glue("t_taylor_all", t_taylor_all)
glue("t_grad", t_grad)
glue("t_exact_all_hours", t_exact_all / 3600)
glue("exact_ms_per_pair", exact_per_pair[best_bs] * 1000)
glue("best_bs", best_bs)
glue("speedup", speedup)
glue("speedup_target_met", "met" if speedup >= 1e4 else "NOT met")
glue("bench_device", f"{dev.type.upper()}, {nthreads} thread(s)")

# %% [markdown]
# All {glue:text}`n_pairs_all:,.0f` (motif, position) pairs on one input take
# {glue:text}`t_taylor_all:.3g` s with Eq. M1 ({glue:text}`t_grad:.3g` s of
# it the gradient), measured. Exact marginalization costs
# {glue:text}`exact_ms_per_pair:.3g` ms per pair at batch size
# {glue:text}`best_bs` (measured), which extrapolates to
# {glue:text}`t_exact_all_hours:.3g` hours for all pairs: a speed-up of
# {glue:text}`speedup:,.0f`× on this machine ({glue:text}`bench_device`). The
# issue's target of at least 10,000× is {glue:text}`speedup_target_met`. The
# speed-up does not depend on the weights: trained and untrained Beluga cost
# the same.
#
# ## C. A model that knows its motifs
#
# On real data nobody knows which motifs matter; with chapter 5's simulator
# we do. We train its AI-TAC-style network (`aitac.AITAC`) on simulated
# 250-bp sequences: ten tasks, each driven by three additive JASPAR factors,
# tasks 0–3 also by the cooperative pair AP-1 *and* NFAT, tasks 4–7 by PU.1
# and IRF within 10 bp (chapter 5 describes the grammar).

# %%
grammar = sim.make_grammar(n_tasks=10, seed=seed)
train = sim.simulate(P["sim_train"], grammar, seed=seed + 1)
val = sim.simulate(P["sim_val"], grammar, seed=seed + 2)
config = aitac.Config(n_filters=P["sim_filters"], epochs=P["sim_epochs"], patience=P["sim_epochs"],
                      optimizer="adamw")
sim_model, history = aitac.train(config, train.X, train.y, val.X, val.y, seed=seed, device=dev,
                                 desc="simulated model")
sim_model = sim_model.cpu().eval()
glue("sim_val_corr", float(history.val_corr.max()))
glue("sim_n_train", len(train))
show(history)

# %% [markdown]
# The model, trained on {glue:text}`sim_n_train` sequences, reaches a
# validation correlation (mean over tasks of Pearson(prediction, label)) of
# {glue:text}`sim_val_corr:.3g`.
#
# ### Accuracy against motif length, on the trained model
#
# The same comparison as on Beluga, for every $k$ from 1 to 20, random and
# JASPAR $k$-mers, on uniform random 250-bp backgrounds, for a task with
# additive factors only (the last task).

# %%
sim_task = grammar.n_tasks - 1
Xb = random_one_hot((max(P["sim_backgrounds"], P["sim_scan_backgrounds"], P["sim_pair_backgrounds"]), 4,
                     sim.LENGTH), random_state=seed + 10).float()
G_sim = tt.gradient(sim_model, Xb, list(range(grammar.n_tasks)), batch_size=64)  # (N, tasks, 4, 250)
sim_panels = {k: mg.motif_panel(k, P["sim_motifs"], jaspar, random_state=seed + 100 + k) for k in P["sim_ks"]}
sim_positions = np.linspace(10, sim.LENGTH - 30, P["sim_positions"]).astype(int).tolist()
nsb = P["sim_backgrounds"]
sim_rows = mg.taylor_vs_exact(sim_model, Xb[:nsb], G_sim[:nsb, sim_task], sim_panels, sim_positions, sim_task,
                              batch_size=256)
sim_acc = accuracy_by_k(sim_rows)
by_kind = {kind: accuracy_by_k(part) for kind, part in sim_rows.groupby("kind")}
show(sim_acc)

# %% [markdown]
# Table: Taylor against exact marginalization on the trained simulated model,
# task {glue:text}`sim_task`, by motif length (random and JASPAR pooled).

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
for kind, acc in by_kind.items():
    for ax, col in zip(axes, ["pearson", "slope", "rel_error"]):
        ax.plot(acc.index, acc[col], "o-", label=f"{kind} k-mers, trained simulated model")
for ax, col in zip(axes, ["pearson", "slope", "rel_error"]):
    ax.plot(beluga_acc.index, beluga_acc[col], "s--", color="grey", label=f"Beluga ({'trained' if info.trained else 'UNTRAINED'})")
    ax.set_xlabel("motif length k (bp)")
axes[0].set_ylabel("Pearson(Taylor, exact)")
axes[1].set_ylabel("slope of Taylor on exact")
axes[2].set_ylabel("||Taylor - exact|| / ||exact||")
axes[1].axhline(1, color="k", lw=0.6, ls=":")
axes[0].legend(fontsize=7)
fig.suptitle("First-order marginalization against exact, by motif length", fontsize=10)
plt.show()

# %% [markdown]
# **Figure 6.** Pearson correlation (left), regression slope (middle) and
# relative error (right) of Eq. M1 against exact marginalization as the
# motif grows: random and JASPAR $k$-mers on the trained simulated model
# (coloured), and Beluga pooled over both kinds (grey; weights as in
# {glue:text}`beluga_label`).

# %%
glue("sim_task", sim_task)
for k in (1, 5, 10, 20):
    if k in sim_acc.index:
        glue(f"sim_pearson_k{k}", float(sim_acc.loc[k, "pearson"]))
        glue(f"sim_rel_k{k}", float(sim_acc.loc[k, "rel_error"]))
        glue(f"sim_slope_k{k}", float(sim_acc.loc[k, "slope"]))
trend = float(np.polyfit(sim_acc.index.to_numpy(float), sim_acc.pearson.to_numpy(float), 1)[0] * 10)
rel_trend = float(np.polyfit(sim_acc.index.to_numpy(float), sim_acc.rel_error.to_numpy(float), 1)[0] * 10)
glue("sim_pearson_trend", trend)
glue("sim_rel_trend", rel_trend)
glue("sim_jaspar_pearson_k10", float(by_kind["JASPAR"].loc[10, "pearson"]))
glue("sim_random_pearson_k10", float(by_kind["random"].loc[10, "pearson"]))

# %% [markdown]
# On the trained model (measured, this run) Pearson(Taylor, exact) is
# {glue:text}`sim_pearson_k1:.3g` at $k=1$ (single-base TISM),
# {glue:text}`sim_pearson_k5:.3g` at $k=5$, {glue:text}`sim_pearson_k10:.3g`
# at $k=10$ and {glue:text}`sim_pearson_k20:.3g` at $k=20$; a straight line
# through all lengths changes it by {glue:text}`sim_pearson_trend:.3g` per
# 10 bp. The relative error is {glue:text}`sim_rel_k1:.3g` at $k=1$ and
# {glue:text}`sim_rel_k20:.3g` at $k=20$ ({glue:text}`sim_rel_trend:.3g` per
# 10 bp on the fitted line), and the slope {glue:text}`sim_slope_k1:.3g` and
# {glue:text}`sim_slope_k20:.3g`. At $k=10$, JASPAR $k$-mers give a Pearson
# correlation of {glue:text}`sim_jaspar_pearson_k10:.3g` and random ones
# {glue:text}`sim_random_pearson_k10:.3g`. Even at $k=1$ the relative error
# is large: on random backgrounds the exact effects are small (the table's
# last column), so modest absolute errors are large relative ones. The
# quick profile uses few motifs per length, so single lengths are noisy;
# the trend is the remainder argument at work: $\lVert s-s_0\rVert^2$ grows
# linearly with $k$ (table), and so does the room for the model's
# non-linearity.
#
# ### Does the scan find the planted motifs?
#
# For every task, Eq. M1 scores all JASPAR motifs at every position of
# {glue:text}`sim_scan_n` random backgrounds, from one gradient per
# background and task. Where does each task's planted additive factor land
# among the {glue:text}`n_jaspar` motifs?

# %%
nsc = P["sim_scan_backgrounds"]
glue("sim_scan_n", nsc)
sim_mean = np.stack([  # (tasks, motifs): mean over backgrounds and positions, one task at a time
    torch.nanmean(mg.taylor_marginalize(G_sim[:nsc, t], Xb[:nsc], list(jaspar.consensus)).double(),
                  dim=(0, 2)).numpy() for t in range(grammar.n_tasks)])
ranks = (-sim_mean).argsort(axis=1).argsort(axis=1) + 1  # 1 = largest mean effect
id_index = {m: i for i, m in enumerate(jaspar.matrix_id)}
# A per-length baseline: the mean Taylor effect of 20 random k-mers of every JASPAR width.
widths = sorted(jaspar.width.unique())
null_motifs = {w: list(mg.motif_panel(int(w), 20, random_state=seed + 1000 + int(w)).motif) for w in widths}
flat = [m for w in widths for m in null_motifs[w]]
null_mean = np.stack([torch.nanmean(mg.taylor_marginalize(G_sim[:nsc, t], Xb[:nsc], flat).double(),
                                    dim=(0, 2)).numpy() for t in range(grammar.n_tasks)])  # (tasks, null motifs)
offsets = np.cumsum([0] + [len(null_motifs[w]) for w in widths])
baseline = {w: null_mean[:, offsets[i]:offsets[i + 1]].mean(axis=1) for i, w in enumerate(widths)}
sim_corrected = sim_mean - np.stack([baseline[w] for w in jaspar.width], axis=1)  # (tasks, motifs)
ranks_corrected = (-sim_corrected).argsort(axis=1).argsort(axis=1) + 1
planted = []
for t in range(grammar.n_tasks):
    for j, factor in enumerate(sim.ADDITIVE):
        if grammar.additive[t, j] > 0:
            i = id_index[sim.MOTIFS[factor]]
            planted.append({"task": t, "factor": factor, "JASPAR": sim.MOTIFS[factor],
                            "weight": grammar.additive[t, j], "rank (of all motifs)": int(ranks[t, i]),
                            "rank, length-corrected": int(ranks_corrected[t, i]),
                            "mean Taylor effect": sim_mean[t, i]})
planted = pd.DataFrame(planted)
planted["top 10"] = planted["rank (of all motifs)"] <= 10
planted["top 10, length-corrected"] = planted["rank, length-corrected"] <= 10
top_names = pd.DataFrame({t: [f"{jaspar.name[i]}" for i in np.argsort(-sim_mean[t])[:5]]
                          for t in range(grammar.n_tasks)}, index=[f"#{r}" for r in range(1, 6)]).T
top_names.index.name = "task"
display(show(planted))
top_names

# %% [markdown]
# Tables: for each task and planted additive factor, its rank among all
# JASPAR motifs by mean Taylor effect (1 = first) and by the length-corrected
# score (the motif's mean Taylor effect minus that of random $k$-mers of the
# same width); then the five top-ranked motif names per task (by mean
# Taylor effect). JASPAR holds several matrices per family (e.g. many GATA
# or ETS matrices), so a relative of the planted matrix can rank above it.
# The corrected score is our addition: in this model the mean Taylor
# effect of any substitution is negative and grows with the number of bases
# changed, which by itself pushes long motifs down the list.

# %%
glue("planted_top10", float(planted["top 10"].mean()))
glue("planted_median_rank", float(planted["rank (of all motifs)"].median()))
glue("planted_top10_corr", float(planted["top 10, length-corrected"].mean()))
glue("planted_median_rank_corr", float(planted["rank, length-corrected"].median()))
glue("frac_negative", float((sim_mean < 0).mean()))
glue("n_planted", len(planted))

# %% [markdown]
# Of the {glue:text}`n_planted` (task, planted factor) pairs, a share of
# {glue:text}`planted_top10:.3g` rank in the top 10 of
# {glue:text}`n_jaspar` motifs by mean Taylor effect (median rank
# {glue:text}`planted_median_rank:.3g`), and {glue:text}`planted_top10_corr:.3g`
# by the length-corrected score (median rank
# {glue:text}`planted_median_rank_corr:.3g`). A share of
# {glue:text}`frac_negative:.3g` of all (task, motif) mean Taylor effects is
# negative. Read with the exact check below and the cooperative-pair
# section: where the planted motifs do not come first, the reason is not the
# arithmetic of Eq. M1 (asserted above) but the point it expands around.
#
# As on Beluga, we check the ranking of one task exactly, the top 50 and a
# random 50 at fixed positions.

# %%
sim_ranked = jaspar.assign(taylor_mean=sim_mean[sim_task]).sort_values("taylor_mean", ascending=False)
sim_ranked = sim_ranked.reset_index(drop=True)
sim_check_ids = list(range(n_top)) + sorted(rng.choice(np.arange(n_top, len(sim_ranked)), n_top,
                                                        replace=False).tolist())
sim_check = sim_ranked.iloc[sim_check_ids].copy()
sim_check["group"] = ["top 50"] * n_top + ["random 50"] * n_top
nse = P["sim_exact_backgrounds"]
sim_exact = mg.exact_marginalize(sim_model, Xb[:nse], list(sim_check.consensus), P["sim_exact_positions"],
                                 sim_task, batch_size=256)
sim_taylor = mg.taylor_marginalize(G_sim[:nse, sim_task], Xb[:nse],
                                   list(sim_check.consensus))[..., P["sim_exact_positions"]]
sim_check["exact"] = sim_exact.double().mean(dim=(0, 2)).numpy()
sim_check["taylor_same_positions"] = sim_taylor.double().mean(dim=(0, 2)).numpy()
sim_rank = rank_agreement(sim_check)
show(pd.Series(sim_rank, name="trained simulated model"))

# %% [markdown]
# Table: as for Beluga, on the trained simulated model, task
# {glue:text}`sim_task`.

# %%
task_factors = [sim.MOTIFS[f] for j, f in enumerate(sim.ADDITIVE) if grammar.additive[sim_task, j] > 0]
named = pd.concat([sim_check[sim_check.matrix_id.isin(task_factors)], sim_check.nlargest(3, "exact")])
taylor_vs_exact_scatter(sim_check, f"JASPAR motifs, trained simulated model, task {sim_task}",
                        named.drop_duplicates("matrix_id"))

# %% [markdown]
# **Figure 7.** As Figure 4, on the trained simulated model (task
# {glue:text}`sim_task`); named: the three motifs with the largest exact
# effect, and the task's planted factors if they are among the 100 checked.

# %%
glue("sim_spearman", float(sim_rank["spearman (same positions)"]))
glue("sim_top10", float(sim_rank["top-10 overlap"]))
glue("sim_pearson_check", float(sim_rank["pearson (same positions)"]))

# %% [markdown]
# Spearman(Taylor, exact) over these 100 motifs is
# {glue:text}`sim_spearman:.3g`, Pearson {glue:text}`sim_pearson_check:.3g`,
# and the top-10 overlap {glue:text}`sim_top10:.3g`.
#
# ### The cooperative pair: what first order cannot see
#
# Eq. M1 is linear in the substitution, so for two motifs in non-overlapping
# windows the Taylor effect of both is exactly the sum of the two effects:
# first order predicts an interaction $\Delta(\text{both}) - \Delta(A) -
# \Delta(B)$ of zero, always. The grammar makes AP-1 and NFAT count only
# together (tasks 0–3). We measure the interaction exactly
# (`mg.pair_interaction`: four forward passes per background) with the two
# consensus sites 100 bp apart, in every task. Beside the Taylor effect of
# AP-1 taken at the background (Eq. M1), we also expand around the other
# end, the background *with* the AP-1 site: $g_A \cdot (s_A - s_0)$ with $g_A$
# the gradient there. Both are first order; they differ only in the point
# the expansion starts from.

# %%
ap1, nfat = (jaspar.set_index("matrix_id").consensus[sim.MOTIFS[f]] for f in sim.COOPERATIVE)
start_a, start_b = 60, 160
npair = P["sim_pair_backgrounds"]
Xp = Xb[:npair]
Xp_a = substitute(Xp, ap1, start=start_a).float()
G_at_a = tt.gradient(sim_model, Xp_a, list(range(grammar.n_tasks)), batch_size=64)  # gradient with AP-1 present
pair_rows = []
for t in range(grammar.n_tasks):
    res = mg.pair_interaction(sim_model, Xp, ap1, start_a, nfat, start_b, t, batch_size=256)
    taylor_a = mg.taylor_marginalize(G_sim[:npair, t], Xp, ap1)[:, 0, start_a]
    taylor_b = mg.taylor_marginalize(G_sim[:npair, t], Xp, nfat)[:, 0, start_b]
    taylor_a_other_end = (G_at_a[:, t] * (Xp_a - Xp)).sum(dim=(-2, -1))
    pair_rows.append({"task": t, "cooperative weight (grammar)": grammar.cooperative[t],
                      "exact Δ(AP-1)": res.delta_a.mean(), "exact Δ(NFAT)": res.delta_b.mean(),
                      "exact Δ(both)": res.delta_ab.mean(), "exact interaction": res.interaction.mean(),
                      "interaction SD": res.interaction.std(),
                      "Taylor Δ(AP-1), at background": float(taylor_a.double().mean()),
                      "Taylor Δ(AP-1), at AP-1 site": float(taylor_a_other_end.double().mean()),
                      "Taylor Δ(both) = Δ(AP-1) + Δ(NFAT)": float((taylor_a + taylor_b).double().mean()),
                      "Taylor interaction": 0.0})
pairs = pd.DataFrame(pair_rows).set_index("task")
show(pairs)

# %% [markdown]
# Table: mean exact effects of the AP-1 consensus (at 60), the NFAT consensus
# (at 160) and both, their exact interaction (mean and SD over
# {glue:text}`npair` backgrounds), and the first-order values, per task of
# the trained simulated model (logits of the model's outputs).

# %%
coop = pairs["cooperative weight (grammar)"] > 0
inter_share = float(pairs.loc[coop, "exact interaction"].abs().mean() / pairs.loc[coop, "exact Δ(both)"].abs().mean())
glue("npair", npair)
glue("inter_coop", float(pairs.loc[coop, "exact interaction"].mean()))
glue("inter_other", float(pairs.loc[~coop, "exact interaction"].mean()))
glue("both_coop", float(pairs.loc[coop, "exact Δ(both)"].mean()))
glue("a_coop", float(pairs.loc[coop, "exact Δ(AP-1)"].mean()))
glue("b_coop", float(pairs.loc[coop, "exact Δ(NFAT)"].mean()))
glue("inter_share", inter_share)
glue("taylor_a_bg", float(pairs.loc[coop, "Taylor Δ(AP-1), at background"].mean()))
glue("taylor_a_site", float(pairs.loc[coop, "Taylor Δ(AP-1), at AP-1 site"].mean()))
glue("taylor_both_coop", float(pairs.loc[coop, "Taylor Δ(both) = Δ(AP-1) + Δ(NFAT)"].mean()))
glue("inter_verdict",
     "small: this model has fitted the AND largely additively, so first order's zero is close to the truth "
     "for the interaction" if inter_share < 0.2 else
     "large: the model combines the two sites non-additively, and first order's zero misses it")

# %% [markdown]
# In the cooperative tasks, AP-1 alone changes the prediction by
# {glue:text}`a_coop:.3g` on average, NFAT alone by {glue:text}`b_coop:.3g`
# and both by {glue:text}`both_coop:.3g`; the exact interaction is
# {glue:text}`inter_coop:.3g` ({glue:text}`inter_other:.3g` in the other
# tasks), a share of {glue:text}`inter_share:.3g` of the joint effect, which
# is {glue:text}`inter_verdict`. (The grammar's AND is a rule for the
# labels; what the network learned from {glue:text}`sim_n_train` sequences
# is another matter, as chapter 5 found.)
#
# First order's account of the main effect is a separate question. Taken
# at the background, Eq. M1 puts AP-1's effect at
# {glue:text}`taylor_a_bg:.3g`; taken at the sequence that carries the site,
# the same first-order formula gives {glue:text}`taylor_a_site:.3g`, against
# the exact {glue:text}`a_coop:.3g`. When the two ends disagree, the
# function is strongly curved between them: the motif detectors of the
# network are thresholded (GELU, pooling), they are off on a random
# background and their gradient there says little about what switching them
# on does. This is the paper's non-linearity argument {cite}`sasse2024tism`
# at the scale of motifs: TISM and Eq. M1 see each base, or each motif,
# against the background they expand around. A Taylor scan is only as good
# as that point; a motif that acts only with a partner (an AND the model
# has learned) is invisible from a background that lacks the partner, and
# needs the partner in the scanned sequences or a second-order term.
#
# ## Summary
#
# * tangermeme's marginalization runs unchanged on Beluga: two forward
#   passes per background give the effect of `GTGACTCATC` on all 2,002
#   targets, and `marginalize(func=...)` gives attributions before and after
#   ({glue:text}`beluga_label` in this run).
# * The first-order Taylor expansion turns marginalization into a
#   convolution of the gradient with the motif (Eq. M1): exact for a model
#   linear in $X$ and equal to TISM at $k=1$, both asserted in float64, and
#   equal to a plain loop.
# * Accuracy against motif length, measured on the trained simulated model
#   (few motifs per length in the quick profile, so single lengths are noisy):
#   Pearson(Taylor, exact) {glue:text}`sim_pearson_k1:.3g` at $k=1$,
#   {glue:text}`sim_pearson_k5:.3g` at $k=5$, {glue:text}`sim_pearson_k10:.3g`
#   at $k=10$, {glue:text}`sim_pearson_k20:.3g` at $k=20$
#   ({glue:text}`sim_pearson_trend:.3g` per 10 bp on a fitted line); relative
#   error {glue:text}`sim_rel_k1:.3g` at $k=1$ and {glue:text}`sim_rel_k20:.3g`
#   at $k=20$. The Taylor remainder, quadratic in $\lVert s-s_0\rVert$ while
#   $\lVert s-s_0\rVert^2$ grows linearly with $k$, is why it degrades. On
#   Beluga ({glue:text}`beluga_label`) the same measure is
#   {glue:text}`beluga_pearson_k1:.3g` at $k=1$ and
#   {glue:text}`beluga_pearson_kmax:.3g` at $k=20$.
# * Scanning all {glue:text}`n_jaspar` JASPAR motifs by mean Taylor effect
#   puts a share of {glue:text}`planted_top10:.3g` of the planted (task,
#   factor) pairs in the top 10 ({glue:text}`planted_top10_corr:.3g` after
#   the length correction); against exact marginalization of 100 motifs the Spearman
#   correlation is {glue:text}`sim_spearman:.3g` (trained simulated model)
#   and {glue:text}`beluga_spearman:.3g` (Beluga, weights as named). Where
#   these are low, first order from a random background is the wrong tool
#   for ranking motifs of this model.
# * First order has no interaction term: the cooperative pair's exact
#   interaction is {glue:text}`inter_coop:.3g`, first order's is zero.
# * Cost: all {glue:text}`n_pairs_all:,.0f` JASPAR motif × position pairs on
#   one Beluga input in {glue:text}`t_taylor_all:.3g` s (measured) against
#   {glue:text}`t_exact_all_hours:.3g` hours for exact marginalization
#   (extrapolated from a measured subset): {glue:text}`speedup:,.0f`× on
#   {glue:text}`bench_device`; the target of 10,000× is
#   {glue:text}`speedup_target_met`.

# %%
glue("runtime_minutes", (time.perf_counter() - t_start) / 60)

# %% [markdown]
# This run took {glue:text}`runtime_minutes:.3g` minutes after the imports.
#
# ## Exercises
#
# Solutions are folded under each exercise: try first, then open them.
#
# ````{exercise}
# :label: marginalization-spacing
#
# Put the AP-1 and NFAT consensus sites 5 bp apart instead of 100: does
# the exact interaction change? The grammar does not care about their
# distance; does the model?
# ````
#
# ````{solution} marginalization-spacing
# :class: dropdown
#
# Call `mg.pair_interaction` again with `start_b = start_a + len(motif_a) + 5`
# and compare the interaction column with the chapter's. The labels add the
# cooperative term whenever both sites are present, wherever they are, so a
# model that generalises the grammar should give a similar interaction at both
# distances. Convolutional layers, however, see two nearby sites in the same
# receptive field and can combine them there, while distant sites meet only
# after pooling; a different interaction at 5 bp is therefore a property the
# model learned, not one the data require.
# ````
#
# ````{exercise}
# :label: marginalization-strands
#
# Scan the reverse complements of the JASPAR consensus sequences as well
# (`motif[::-1]` with A↔T, C↔G) and take the larger effect per motif: do
# the planted factors rank higher?
# ````
#
# ````{solution} marginalization-strands
# :class: dropdown
#
# ```python
# rc = str.maketrans("ACGT", "TGCA")
# both = list(jaspar.consensus) + [c.translate(rc)[::-1] for c in jaspar.consensus]
# ```
#
# Scan `both`, then take, for each matrix, the larger of its two mean effects.
# The simulator plants every site on a random strand
# (`sequences.plant_site`), so a model trained on it responds to both
# orientations, while a forward-only scan tests one. For non-palindromic
# motifs the two-strand maximum can only raise the planted factors' effects,
# so their ranks can only improve; whether they reach the top depends on the
# first-order problem the chapter describes (the expansion point), which the
# strand does not fix.
# ````
#
# ````{exercise}
# :label: marginalization-context
#
# Replace the random backgrounds by simulated sequences that carry an
# NFAT site, and scan for AP-1 again: how large is its Taylor effect now?
# ````
#
# ````{solution} marginalization-context
# :class: dropdown
#
# Use `sim.simulate` and keep the sequences whose `sites` table lists NFAT
# but not AP-1; compute the gradient there and rerun the scan. The first-order
# estimate is taken at the sequence it is given: with NFAT present, the
# gradient already contains the model's response to the AND term, so AP-1's
# Taylor effect should move towards its exact effect in that context. This is
# the chapter's expansion-point argument made concrete: the same formula gives
# different answers depending on where the expansion is taken.
# ````

