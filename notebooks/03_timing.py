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
# # How much faster is TISM?
#
# **Overview.** In this chapter you will learn
#
# * why TISM costs one forward and one backward pass where ISM costs $3L$
#   forward passes per sequence, and what that predicts: the paper's speed-up
#   of about $3L / B$ for an ISM batch size $B$ {cite}`sasse2024tism`;
# * how to time deep-learning code so that the numbers mean something:
#   warm-up, device synchronisation, medians of repeats, peak memory, and
#   extrapolation that says where it was used;
# * how the paper's Tables 1 and 2 come out on your device with DeepSEA Beluga
#   {cite}`zhou2018expecto`, how fast tangermeme's ISM and its fastISM path
#   {cite}`schreiber2024tangermeme,nair2022fastism` are, and where TISM stops
#   winning: when many targets each need their own backward pass.
#
# Everything is measured by `tism_tutorial.benchmark`, which also runs from
# the command line (`python -m tism_tutorial.benchmark --profile full --out
# results.json`). **Run time:** 3 to 6 minutes on a 2-core CPU in the quick
# profile, which times subsets of every ISM run and extrapolates; the full
# profile, on one GPU, covers the paper's sizes (TISM measured at every size,
# ISM measured whole where a run fits its time budget and extrapolated from
# timed subsets beyond it, marked as such) and is budgeted for under 20
# minutes (not yet timed on a GPU). No downloads beyond Beluga's weights (offline, an untrained Beluga
# with the same architecture, and so the same run times, is used).

# %% tags=["parameters"]
# Papermill parameters: the test suite overrides these.
profile = "default"  # "quick" (CI, CPU), "full" (one GPU) or "default": "full" on CUDA, else "quick"
seed = 0  # seed of the random sequences and of the untrained networks
target = 267  # Beluga target of the single-target timings (H1-hESC JunD)
results_json = ""  # path to a JSON written by `python -m tism_tutorial.benchmark`: shown instead of re-measuring

# %% [markdown]
# The next cell installs the book's package when the chapter runs on Google
# Colab and does nothing elsewhere. It also picks the GPU when there is one.

# %% tags=["hide-input"]
import subprocess
import sys

if "google.colab" in sys.modules:  # pragma: no cover - only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "tism_tutorial @ git+https://github.com/tism-book/tism-book@main"], check=True)

import math
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")  # text progress bars are fine

import matplotlib.pyplot as plt
import numpy as np
import torch

from tism_tutorial import benchmark as bm
from tism_tutorial import cache_dir, load_beluga
from tism_tutorial.book import glue

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}, torch {torch.__version__}, {torch.get_num_threads()} threads")

# %% [markdown]
# ## What the two methods cost
#
# ISM (chapter 1, Eq. 2) predicts every single-base variant: $3L$ forward
# passes per sequence of length $L$, plus one for the reference. Run $B$
# variants per batch and a sequence costs $3L/B$ batched forward passes. TISM
# (Eq. 3) needs the gradient of the output with respect to the input: one
# forward and one backward pass per sequence, whatever $L$. On a GPU, where
# a batch of $B$ costs about as much as one sequence until the device is
# full, the ratio of the two is about
#
# $$
# \frac{t_{\mathrm{ISM}}}{t_{\mathrm{TISM}}} \approx \frac{3L}{B},
# $$ (eq-speedup)
#
# the paper's estimate {cite}`sasse2024tism`. On a CPU a batch costs about
# $B$ times one sequence, so the ratio is nearer $3L \, t_{\mathrm{fwd}} /
# (t_{\mathrm{fwd}} + t_{\mathrm{bwd}})$: with a backward pass about twice a
# forward, roughly $L$. Both grow with $L$; only measurement tells the
# constants.
#
# The paper timed both methods on one NVIDIA RTX A4000, ISM with batches of
# 20, on sequence-to-accessibility networks: Table 1 for $N$ sequences of
# 1,000 bp (about 160x), Table 2 for 10 sequences of 251 to 20,000 bp (25x to
# 8,000x). We time the same on Beluga (2,000 bp, 2,002 targets), on
# untrained Beluga-style networks whose dense layer is sized to $L$, and on
# whatever device runs this chapter.
#
# We load Beluga as in every chapter; its label goes into every figure.

# %%
model, info = load_beluga()
print(info.label)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters on {next(model.parameters()).device}")

# %% [markdown]
# ## What is timed, and how
#
# Six ways to get the same numbers (ISM or TISM values of shape
# $(N, 4, L)$ for one target, in logits):
#
# | method | what it does |
# |---|---|
# | TISM (batched) | `tism(gradient(model, X, target), X)`: batches of sequences; several targets back-propagated together as batched vector-Jacobian products |
# | TISM (reference loop) | one sequence at a time, one backward pass per target, as the reference implementation (`takegrad` of LXsasse/TISM) |
# | ISM loop, batch 20 | builds each sequence's $3L$ variants and predicts them 20 at a time: the paper's procedure |
# | ISM loop, tuned batch | the same at the batch size with the highest throughput on this device |
# | tangermeme ISM (fast=False) | `saturation_mutagenesis(..., fast=False)`, same batch size as the tuned loop |
# | tangermeme fastISM (forced) | `saturation_mutagenesis(..., fast=True)` with the fastISM path forced on (below) |
#
# Each call is timed with `torch.utils.benchmark.Timer.blocked_autorange`:
# one warm-up call, then repeats until the profile's minimum run time has
# passed (at least one), reporting the median; the timer synchronises CUDA
# and uses all of PyTorch's threads. Peak memory is CUDA's maximum allocated
# on a GPU and the peak resident set size on a CPU. Every result carries the
# device, dtype, torch version, thread count and batch sizes.
#
# **fastISM, forced.** tangermeme 1.6 uses its fastISM path (recompute only
# the positions an edit can change, Nair et al. {cite}`nair2022fastism`)
# only when a job would take fast=False more than 30 s, and only if fastISM
# is not slower on one verification batch. Those two module constants,
# `_FAST_MIN_SECONDS` and `_FAST_MAX_RELATIVE_TIME`, are patched to 0 and
# infinity for the fastISM calls (and restored after), so fastISM runs on
# every job that `torch.export` can capture and that passes tangermeme's
# accuracy check. Each call still pays for the capture, the check (about
# three batches predicted both ways), and one batch predicted with
# fast=False; the quick profile therefore runs fastISM at batch 8 on the CPU,
# the full profile at the tuned batch size.
#
# **Extrapolation.** A full ISM of one 2-kb sequence is 6,001 forward
# passes: minutes on a CPU, and hours for the paper's 1,000 sequences. Where
# a whole run exceeds the profile's budget (always in the quick profile), the
# method is timed on windows of $w$ positions of one sequence, $1 + 3w$
# forward passes each, and the time of $n$ forward passes is extrapolated
# with the line $t = a + b\,n$. With one window the line goes through the
# origin ($a = 0$, which overstates the fixed cost of a long run slightly);
# fastISM is timed on two windows so that its fixed cost (capture and check)
# is fitted as $a$ instead of being multiplied. TISM beyond the largest
# measured $N$ or $T$ is extrapolated the same way. Tables mark extrapolated
# values with `*` and plots with open markers.
#
# **Correctness.** Before timing, the benchmark checks that batched TISM
# equals the reference loop, that the batched vector-Jacobian products equal
# a loop over targets, and that every ISM method equals the plain loop at
# batch 20, each to $10^{-4}$ of the largest value, on a float64 copy of
# Beluga. In float32, and in the TF32 that GPUs use for float32 convolutions
# by default, two correct implementations can differ by more, as we will
# see; the outputs of the timed float32 runs are compared too, and reported.
#
# The next cell runs everything (or reads a JSON written by the command
# line, if `results_json` is set) and saves the results.

# %%
if results_json:
    results = bm.load(results_json)
    print(f"results read from {results_json}")
else:
    prof = bm.get_profile(profile, device)
    out_path = cache_dir() / "benchmark" / f"timing_{prof.name}_{device.type}.json"
    results = bm.run(prof, model, info, target=target, seed=seed, out=out_path)
    print(f"results written to {out_path}")
env, label = results["environment"], results["model"]
print(f"model: {label}")
print(f"profile {results['profile']['name']}: {env['device_name']} ({env['device']}), {env['dtype']}, "
      f"torch {env['torch']}, tangermeme {env['tangermeme']}, {env['threads']} threads, "
      f"TF32 convolutions {'on' if env['cudnn_allow_tf32'] else 'off'}")
print(f"tuned ISM batch size: {results['tuned_batch_size']}; "
      f"benchmark wall time {results['wall_seconds'] / 60:.1f} min")
glue("profile_name", results["profile"]["name"])
glue("wall_minutes", results["wall_seconds"] / 60, "{:.1f}")
glue("device_name", env["device_name"])

# %% [markdown]
# ## The methods agree
#
# Times are only comparable if the methods compute the same thing. Each
# check compares two results by their largest difference relative to the
# largest value. These are assertions: a failure stops the chapter.

# %%
for name, check in results["checks"].items():
    if "skipped" in check:
        print(f"SKIPPED  {name}: {check['skipped']}")
    else:
        print(f"{'ok' if check['passed'] else 'FAILED':8s} {name}: {check['relative_difference']:.1e}")
    assert check["passed"], name
ism_checks = [c["relative_difference"] for n, c in results["checks"].items() if "ISM loop, batch 20" in n
              and "relative_difference" in c]
glue("check_tism", results["checks"]["TISM batched == reference loop"]["relative_difference"], "{:.1e}")
glue("check_vjp", results["checks"]["multi-target VJPs == loop over targets"]["relative_difference"], "{:.1e}")
glue("check_ism", max(ism_checks), "{:.1e}")

# %% [markdown]
# In float64, batched TISM and the reference loop differ by at most
# {glue:text}`check_tism:.1e` of the largest value, the batched
# vector-Jacobian products and the loop over targets by
# {glue:text}`check_vjp:.1e`, and the ISM methods by at most
# {glue:text}`check_ism:.1e`: rounding.
#
# The timed runs compute in float32. Here is how closely *their* outputs
# agree: the largest relative difference, and the share of positions (all
# four bases) and of sequences that agree to $10^{-4}$ everywhere. ISM is
# compared on the window all timed subsets share.

# %%
for name, a in results["float32_agreement"].items():
    print(f"{name}: largest difference {a['relative_difference']:.1e}, "
          f"{100 * a['fraction_within_rtol']:.2f} % of positions and "
          f"{a['sequences_within_rtol']} of {a['n_sequences']} sequence(s) within 1e-4")
f32 = results["float32_agreement"]["TISM batched vs reference loop"]
glue("f32_tism_rel", f32["relative_difference"], "{:.1e}")
glue("f32_tism_seq_ok", f32["sequences_within_rtol"])
glue("f32_tism_n", f32["n_sequences"])
glue("f32_tism_pct", 100 * f32["fraction_within_rtol"], "{:.2f}")

# %% [markdown]
# In float32, batched TISM and the reference loop differ by up to
# {glue:text}`f32_tism_rel:.1e` of the largest value;
# {glue:text}`f32_tism_seq_ok` of {glue:text}`f32_tism_n` sequences agree
# to $10^{-4}$ at every position, and {glue:text}`f32_tism_pct:.2f` % of all
# positions do. A larger difference is not a bug. Beluga is built from ReLUs
# and max-pools, whose gradient jumps where two inputs tie (a pre-activation
# at 0, two equal values in a pool). Summing the same numbers in another
# order, as a batch or one sequence at a time, moves a nearly tied unit to
# the other side, and the gradient then flows through a different path over
# that unit's receptive field: a block of up to 310 positions (the receptive
# field of Beluga's last convolution). Both
# answers are gradients of the same function, which is not differentiable
# there; the float64 checks above are the test of the code.
#
# ## Table 1: time against the number of sequences
#
# Beluga at 2,000 bp, one target. The paper's Table 1 (1,000 bp, RTX A4000,
# ISM batch 20) is in the columns on the right; its $N$ are reported here
# too, extrapolated where this profile did not measure them.

# %%
bm.table_sequences(results).style.set_caption(f"Table 1 analogue (* extrapolated) | {label} on {env['device_name']}")

# %% [markdown]
# All six methods at $N = 10$: seconds, how many times slower than batched
# TISM, and peak memory (of the timed subset where the time is extrapolated).

# %%
bm.table_methods(results, 10).style.set_caption(f"All methods at N = 10 (* extrapolated) | {label} on {env['device_name']}")

# %% [markdown]
# The same on log–log axes. The dotted line is the batched TISM time times
# $3L/20$ ({eq}`eq-speedup` with the paper's batch size): where ISM at batch
# 20 would be if the paper's rule held on this device.

# %%
fig, ax = plt.subplots(figsize=(7, 4.8))
bm.plot_sweep(results, "sequences", ax)
ax.set_title(f"Time vs number of sequences, L = 2,000 bp, one target\n{label} on {env['device_name']}",
             fontsize=10)
ax.legend(fontsize=8, loc="upper left")
plt.show()


# %% [markdown]
# We collect the numbers the text quotes. Each carries a mark saying whether
# it was measured or extrapolated.

# %%
def rec(sweep, method, key, value):
    """The record of one method at one point of a sweep (None if absent)."""
    return next((r for r in results["records"] if r["sweep"] == sweep and r["method"] == method
                 and r[key] == value and math.isfinite(r["seconds"])), None)


def how(*records):
    """'measured' or 'extrapolated' for the values a number is computed from."""
    return "extrapolated" if any(r["extrapolated"] for r in records) else "measured"


tism10, loop10 = rec("sequences", bm.TISM_BATCHED, "n_sequences", 10), rec("sequences", bm.TISM_LOOP, "n_sequences", 10)
ism10 = {m: rec("sequences", m, "n_sequences", 10) for m in bm.ISM_METHODS}
ism10 = {m: r for m, r in ism10.items() if r is not None}
best_ism = min(ism10, key=lambda m: ism10[m]["seconds"])
paper_ism10, paper_tism10 = bm.PAPER_TABLE1[10]

glue("tism_n10_s", tism10["seconds"], "{:.3g}")
glue("tism_n10_how", how(tism10))
glue("ism20_n10_s", ism10[bm.ISM_20]["seconds"], "{:,.0f}")
glue("ism20_n10_how", how(ism10[bm.ISM_20]))
glue("speedup_n10", ism10[bm.ISM_20]["seconds"] / tism10["seconds"], "{:,.0f}")
glue("theory_2kb", bm.theoretical_speedup(2000), "{:.0f}")
glue("paper_speedup_n10", paper_ism10 / paper_tism10, "{:.0f}")
glue("paper_speedup_t1_min", min(i / t for i, t in bm.PAPER_TABLE1.values()), "{:.0f}")
glue("paper_speedup_t1_max", max(i / t for i, t in bm.PAPER_TABLE1.values()), "{:.0f}")
glue("loop_over_batched_n10", loop10["seconds"] / tism10["seconds"], "{:.2f}")
glue("best_ism", best_ism + (f" (batch {ism10[best_ism]['batch_size']})" if best_ism != bm.ISM_20 else ""))
glue("speedup_best_n10", ism10[best_ism]["seconds"] / tism10["seconds"], "{:,.0f}")
glue("tuned_batch", results["tuned_batch_size"])
glue("tuned_fraction", ism10[bm.ISM_TUNED]["seconds"] / ism10[bm.ISM_20]["seconds"], "{:.2f}")
fast = ism10.get(bm.TM_FAST)
glue("fastism_fraction", fast["seconds"] / ism10[bm.TM_SLOW]["seconds"] if fast else float("nan"), "{:.2f}")

# %% [markdown]
# For ten 2-kb sequences on {glue:text}`device_name`, batched TISM took
# {glue:text}`tism_n10_s:.3g` s ({glue:text}`tism_n10_how`) and ISM at batch 20
# {glue:text}`ism20_n10_s:,.0f` s ({glue:text}`ism20_n10_how`): TISM is
# **{glue:text}`speedup_n10:,.0f` times faster**. The paper's rule predicts
# {glue:text}`theory_2kb:.0f`x for 2 kb; the paper measured
# {glue:text}`paper_speedup_n10:.0f`x for ten 1-kb sequences on its GPU, and
# {glue:text}`paper_speedup_t1_min:.0f`x to {glue:text}`paper_speedup_t1_max:.0f`x
# across its Table 1. On a CPU the rule underestimates the gain: a batch
# of 20 costs about 20 times one sequence, so nothing is won by batching
# ISM, while TISM's one backward pass costs only about two forward passes.
# On a GPU the ISM batches are nearly free up to the device's width and the
# measured ratio falls towards $3L/B$.
#
# The fastest ISM here is {glue:text}`best_ism`, and TISM beats it by
# {glue:text}`speedup_best_n10:,.0f`x. At the batch size the tuning found
# fastest ({glue:text}`tuned_batch`), the plain loop takes
# {glue:text}`tuned_fraction:.2f` of its time at batch 20 (on a CPU, where a
# batch costs about its size in single passes, expect about 1 give or take
# the noise of a shared machine; on a GPU, much less), and tangermeme's
# forced fastISM path needs
# {glue:text}`fastism_fraction:.2f` of the time of its fast=False path
# (for each variant it recomputes only the positions of each convolution the
# edit can reach, and Beluga's dense layer of 136 million weights in full). The
# reference-style TISM loop takes {glue:text}`loop_over_batched_n10:.2f`
# times as long as batched TISM for ten sequences: the same arithmetic, one
# sequence at a time instead of a batch.
#
# ## Table 2: time against sequence length
#
# Ten sequences; the network is Beluga's, with its first dense layer sized to
# $L$ and untrained, as in the paper's Table 2. Beluga's unpadded
# convolutions and pools need at least 310 bp, so the 251-bp sequences are
# zero-padded to 310 ('N' on both sides) inside a small wrapper
# (`benchmark.PadTo`); only the 251 real positions are mutated. The 2,000-bp
# row is Beluga's architecture and reuses Table 1's measurements. The
# 20,000-bp network has a dense layer of 640 x 1,231 x 2,003, about 1.6
# billion parameters (6.3 GB in float32): only the full profile on a GPU
# builds it.

# %%
bm.table_lengths(results).style.set_caption(f"Table 2 analogue (* extrapolated; untrained Beluga-style networks) | {env['device_name']}")

# %% [markdown]
# Time against $L$, and the speed-up against $L$ with the $3L/20$ line and
# the paper's measurements.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
bm.plot_sweep(results, "length", ax1)
ax1.set_title("Time vs sequence length, 10 sequences", fontsize=10)
ax1.legend(fontsize=8, loc="upper left")
sp = bm.speedups(results, "length", "length")
Ls = sorted(sp)
ax2.plot(Ls, [sp[L][0] for L in Ls], "-", color="C3", lw=1)
ax2.plot([L for L in Ls if not sp[L][1]], [sp[L][0] for L in Ls if not sp[L][1]], "o", color="C3",
         label="ISM batch 20 / TISM, this device")
ax2.plot([L for L in Ls if sp[L][1]], [sp[L][0] for L in Ls if sp[L][1]], "o", color="C3", mfc="none",
         label="the same, ISM extrapolated")
paper_L = sorted(bm.PAPER_TABLE2)
ax2.plot(paper_L, [bm.PAPER_TABLE2[L][0] / bm.PAPER_TABLE2[L][1] for L in paper_L], "s--", color="k",
         mfc="none", label="paper (RTX A4000)")
grid = np.geomspace(200, 25000, 50)
ax2.plot(grid, bm.theoretical_speedup(grid), ":", color="grey", label="3L/20 (paper's rule)")
ax2.set_xscale("log")
ax2.set_yscale("log")
bm.set_length_ticks(ax2, sorted(set(Ls) | set(paper_L)))
ax2.set_xlabel("sequence length L (bp)")
ax2.set_ylabel("speed-up of TISM over ISM (x)")
ax2.set_title("Speed-up vs sequence length", fontsize=10)
ax2.grid(True, alpha=0.3)
ax2.legend(fontsize=8)
fig.suptitle(f"Beluga-style networks sized to L (untrained; 2 kb: {label}) on {env['device_name']}", fontsize=10)
plt.show()

# %%
L_min, L_max = min(Ls), max(Ls)
glue("L_min", L_min, "{:,}")
glue("L_max", L_max, "{:,}")
glue("speedup_L_min", sp[L_min][0], "{:,.0f}")
glue("speedup_L_max", sp[L_max][0], "{:,.0f}")
glue("paper_speedup_L_min", bm.PAPER_TABLE2[251][0] / bm.PAPER_TABLE2[251][1], "{:.0f}")
glue("paper_speedup_L_max", bm.PAPER_TABLE2[20000][0] / bm.PAPER_TABLE2[20000][1], "{:,.0f}")
tism_L = {L: rec("length", bm.TISM_BATCHED, "length", L)["seconds"] for L in Ls}
glue("tism_growth", tism_L[L_max] / tism_L[L_min], "{:.1f}")
glue("length_growth", L_max / L_min, "{:.1f}")

# %% [markdown]
# From {glue:text}`L_min` bp to {glue:text}`L_max` bp the speed-up grows
# from {glue:text}`speedup_L_min:,.0f`x to {glue:text}`speedup_L_max:,.0f`x
# (the paper: {glue:text}`paper_speedup_L_min:.0f`x at 251 bp to
# {glue:text}`paper_speedup_L_max:,.0f`x at 20 kb). ISM's time grows as
# $L^2$ ($3L$ variants, each a pass over $L$ positions) and TISM's as $L$:
# over a {glue:text}`length_growth:.1f`-fold range of lengths the TISM time
# grew {glue:text}`tism_growth:.1f`-fold. On a GPU TISM's time hardly moves
# until the sequences fill the device, which is why the paper's TISM column
# stays under a second.
#
# ## Many targets: where TISM stops winning
#
# One ISM run predicts every output for every variant, so scoring all 2,002
# of Beluga's targets costs the same as scoring one. TISM needs one backward
# pass per target. `gradient` runs the backward passes for up to 64 targets
# at once as a batch of vector-Jacobian products
# (`torch.autograd.grad(..., is_grads_batched=True)`); the reference
# implementation loops over targets in Python. Both are timed for
# $T = 1, 10, 100, 2{,}002$ targets (spread over the outputs), beyond the
# profile's largest measured $T$ by extrapolation in $T$.

# %%
fig, ax = plt.subplots(figsize=(7, 4.8))
bm.plot_sweep(results, "targets", ax, theory=False)
n_t = results["profile"]["n_targets_sequences"]
ax.set_title(f"Time vs number of targets, {n_t} sequence{'s' if n_t > 1 else ''} of 2,000 bp\n"
             f"{label} on {env['device_name']}", fontsize=10)
ax.legend(fontsize=8, loc="upper left")
plt.show()

# %% [markdown]
# Where the batched-TISM line meets each flat ISM line is the number of
# targets at which the two cost the same.

# %%
for method, t_star in results["crossovers"].items():
    print(f"batched TISM costs as much as {method} at T = {t_star:,.0f} targets")
t_max = max(results["profile"]["n_targets"])
t_vjp = max(r["n_targets"] for r in results["records"] if r["sweep"] == "targets"
            and r["method"] == bm.TISM_BATCHED and not r["extrapolated"])
vjp, loop = rec("targets", bm.TISM_BATCHED, "n_targets", t_vjp), rec("targets", bm.TISM_LOOP, "n_targets", t_vjp)
glue("crossover_20", results["crossovers"][bm.ISM_20], "{:,.0f}")
glue("crossover_best", min(results["crossovers"].values()), "{:,.0f}")
glue("t_vjp", t_vjp)
glue("vjp_speedup", loop["seconds"] / vjp["seconds"], "{:.2f}")
glue("tism_all_targets_s", rec("targets", bm.TISM_BATCHED, "n_targets", t_max)["seconds"], "{:,.0f}")
glue("tism_all_targets_how", how(rec("targets", bm.TISM_BATCHED, "n_targets", t_max)))

# %% [markdown]
# Batched TISM costs as much as ISM at batch 20 at about
# {glue:text}`crossover_20:,.0f` targets, and as much as the fastest ISM at
# about {glue:text}`crossover_best:,.0f` (values above 2,002 mean TISM is
# cheaper for every set of Beluga's targets). All 2,002 targets by TISM take
# {glue:text}`tism_all_targets_s:,.0f` s ({glue:text}`tism_all_targets_how`).
# At {glue:text}`t_vjp` targets, the largest measured here, the Python loop
# over targets takes {glue:text}`vjp_speedup:.2f` times as long as the
# batched vector-Jacobian products. The arithmetic is the same, so on a CPU
# expect a ratio near 1, give or take the noise of a shared machine; on a
# GPU a batch of cotangents fills the device that one backward pass leaves
# idle. For a handful of targets TISM wins by
# orders of magnitude; for all of a large multi-task model's outputs, ISM,
# or better fastISM, can be the cheaper way to the complete picture.
#
# ## Summary
#
# * TISM needs one forward and one backward pass per sequence and target;
#   ISM needs $3L$ forward passes per sequence for all targets at once. On
#   Beluga at 2 kb, TISM was {glue:text}`speedup_n10:,.0f` times faster than
#   ISM at the paper's batch size on {glue:text}`device_name` (profile
#   {glue:text}`profile_name`), and {glue:text}`speedup_best_n10:,.0f` times
#   faster than the fastest ISM.
# * The speed-up grows with $L$, as the paper's $3L/B$ rule says, from
#   {glue:text}`speedup_L_min:,.0f`x at {glue:text}`L_min` bp to
#   {glue:text}`speedup_L_max:,.0f`x at {glue:text}`L_max` bp here.
# * It shrinks with the number of targets: TISM pays a backward pass per
#   target, and batched vector-Jacobian products lower that cost without
#   removing it.
# * Honest timing: warm-up, synchronisation, medians, the device and
#   threads recorded with every number, and every extrapolated value marked.
#   The JSON of every run keeps all of it.
#
# To reproduce the full profile on a GPU, run
# `python -m tism_tutorial.benchmark --profile full --out timing_full.json`
# and render this chapter with `-p results_json timing_full.json`.
#
# ## Exercises
#
# 1. Time TISM and ISM in float16 or bfloat16 on a GPU
#    (`model.half()`). Which method gains more, and do the agreement checks
#    still hold at $10^{-4}$?
# 2. The quick profile extrapolates ISM from a few dozen forward passes.
#    Time a whole ISM of one 2-kb sequence and compare it with the
#    extrapolated value in the JSON.
