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
#   {cite}`zhou2018expecto` and with an untrained AI-TAC-style network like the
#   paper's own {cite}`maslova2020aitac`, how fast tangermeme's ISM and its
#   fastISM path {cite}`schreiber2024tangermeme,nair2022fastism` are, and
#   where TISM stops winning: when many targets each need their own backward
#   pass.
#
# Everything is measured by the package `tism_tutorial.benchmark`, which also
# runs from the command line (`python -m tism_tutorial.benchmark --profile
# full --out results.json`). **Run time:** about ten minutes on a 2-core CPU
# in the quick profile. A whole ISM run of a 2-kb sequence takes minutes on a
# CPU, so the quick profile measures TISM but times only *subsets* of most
# ISM runs and extrapolates from them; it measures whole ISM runs where they
# fit its time budget (the short AI-TAC-style one). Every extrapolated number
# is marked `*` in the tables, drawn with an open marker in the figures and
# called extrapolated in the text. The `default` profile on a GPU is sized
# for about ten minutes on a Colab T4 and measures more of ISM whole; `full`
# has the paper's sizes. No downloads beyond Beluga's weights (offline, an
# untrained Beluga with the same architecture, and so the same run times, is
# used).

# %% tags=["parameters"]
# Papermill parameters: the test suite overrides these.
profile = "default"  # "quick" (CI, CPU), "default" (GPU-sized on CUDA, else "quick") or "full" (the paper's sizes)
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

import matplotlib.pyplot as plt
import torch

from tism_tutorial import N_TARGETS, cache_dir, load_beluga, paper, resolve_device
from tism_tutorial import benchmark as bm
from tism_tutorial.book import glue
from tism_tutorial.model import SEQUENCE_LENGTH, conv_output_length

device = resolve_device()
print(f"device: {device}, torch {torch.__version__}, {torch.get_num_threads()} threads")

# %% [markdown]
# ## What the two methods cost
#
# The paper's timing setup, from `tism_tutorial.paper`:

# %%
glue("paper_device", paper.DEVICE)
glue("paper_batch", paper.ISM_BATCH)
glue("paper_t1_length", paper.TABLE1_LENGTH, "{:,}")
glue("paper_t2_n", paper.TABLE2_N)
glue("paper_t2_min_L", min(paper.TABLE2), "{:,}")
glue("paper_t2_max_L", max(paper.TABLE2), "{:,}")
paper_t1_speedups = [i / t for i, t in paper.TABLE1.values()]
paper_t2_speedups = [i / t for i, t in paper.TABLE2.values()]
glue("paper_speedup_t1_min", bm.round_sig(min(paper_t1_speedups)), "{:,.0f}")
glue("paper_speedup_t1_max", bm.round_sig(max(paper_t1_speedups)), "{:,.0f}")
glue("paper_speedup_t2_min", bm.round_sig(min(paper_t2_speedups)), "{:,.0f}")
glue("paper_speedup_t2_max", bm.round_sig(max(paper_t2_speedups)), "{:,.0f}")
glue("beluga_length", SEQUENCE_LENGTH, "{:,}")
glue("beluga_targets", N_TARGETS, "{:,}")
glue("paper_t1_max_n", max(paper.TABLE1), "{:,}")
glue("aitac_outputs", paper.AITAC_DATA["n_cell_types"])

# %% [markdown]
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
# The paper timed both methods on one {glue:text}`paper_device`, ISM with
# batches of {glue:text}`paper_batch`, on AI-TAC-like sequence-to-accessibility
# networks: Table 1 for $N$ sequences of {glue:text}`paper_t1_length` bp
# ({glue:text}`paper_speedup_t1_min:,.0f`x to
# {glue:text}`paper_speedup_t1_max:,.0f`x), Table 2 for
# {glue:text}`paper_t2_n` sequences of {glue:text}`paper_t2_min_L` to
# {glue:text}`paper_t2_max_L` bp ({glue:text}`paper_speedup_t2_min:,.0f`x to
# {glue:text}`paper_speedup_t2_max:,.0f`x). We time the same on Beluga
# ({glue:text}`beluga_length` bp, {glue:text}`beluga_targets` targets), on
# untrained Beluga-style networks whose dense layer is sized to $L$, on an
# untrained AI-TAC-style network at the paper's own lengths, and on whatever
# device runs this chapter.
#
# We load Beluga as in every chapter; its label goes into every figure.

# %%
model, info = load_beluga()
print(info.label)
print(f"{bm.n_parameters(model):,} parameters on {next(model.parameters()).device}")

# %% [markdown]
# ## What is timed, and how
#
# Six ways to get the same numbers (ISM or TISM values of shape
# $(N, 4, L)$ for one target, in logits):
#
# | method | what it does |
# |---|---|
# | TISM (batched) | `tism(gradient(model, X, target), X)`: batches of sequences; several targets back-propagated together as batched vector-Jacobian products |
# | TISM (reference loop) | `attributions.tism_reference_loop`: one sequence at a time, one backward pass per target, as the reference implementation (`takegrad` of LXsasse/TISM) |
# | ISM loop, batch 20 | `attributions.ism_reference_loop`: builds each sequence's $3L$ variants and predicts them 20 at a time: the paper's procedure |
# | ISM loop, tuned batch | the same at the batch size with the highest throughput on this device |
# | tangermeme ISM (fast=False) | `saturation_mutagenesis(..., fast=False)`, same batch size as the tuned loop |
# | tangermeme fastISM (forced) | `saturation_mutagenesis(..., fast=True)` with the fastISM path forced on (below) |
#
# Each call is timed with `torch.utils.benchmark.Timer.blocked_autorange`:
# one warm-up call, then repeats until the profile's minimum run time has
# passed (at least three samples), reporting the `Measurement`'s median; the
# timer synchronises CUDA and uses all of PyTorch's threads. Peak memory is
# CUDA's maximum allocated on a GPU and the peak resident set size on a CPU.
# Every result carries the device, dtype, torch version, thread count and
# batch sizes. The sizes of each profile, in `tism_tutorial.profiles.TIMING`:

# %%
cfg = bm.get_config(profile, device, target=target, seed=seed)
glue("fast_min_seconds", bm.fastism_threshold_seconds(), "{:.0f}")
glue("fastism_batch", cfg.fastism_batch_size or "the tuned batch size")
glue("ism_passes_2kb", bm.ism_forward_passes(1, SEQUENCE_LENGTH), "{:,}")
glue("budget_s", cfg.ism_full_budget_s, "{:.0f}")
glue("rtol", bm.RTOL, "{:.0e}")
print(cfg)

# %% [markdown]
# **fastISM, forced.** tangermeme 1.6 uses its fastISM path (recompute only
# the positions an edit can change, Nair et al. {cite}`nair2022fastism`)
# only when a job would take fast=False more than
# {glue:text}`fast_min_seconds:.0f` s, and only if fastISM is not slower on
# one verification batch. Those two module constants, `_FAST_MIN_SECONDS` and
# `_FAST_MAX_RELATIVE_TIME`, are patched to 0 and infinity for the fastISM
# calls (and restored after), so fastISM runs on every job that
# `torch.export` can capture and that passes tangermeme's accuracy check.
# Each call still pays for the capture, the check (about three batches
# predicted both ways), and one batch predicted with fast=False; this
# profile runs fastISM at batch {glue:text}`fastism_batch`.
#
# **Extrapolation.** A full ISM of one 2-kb sequence is
# {glue:text}`ism_passes_2kb` forward passes: minutes on a CPU, and hours for
# the paper's {glue:text}`paper_t1_max_n` sequences. A whole ISM run is measured (a warm-up and one
# timed run) when a fit to timed subsets projects it to at most half of the
# profile's budget of {glue:text}`budget_s:.0f` s. Otherwise the method is
# timed on windows of $w$ positions of one sequence, $1 + 3w$ forward passes
# each, and the time of $n$ forward passes is extrapolated with the line
# $t = a + b\,n$. With one window the line goes through the origin ($a = 0$,
# which overstates the fixed cost of a long run slightly); fastISM is timed
# on two windows so that its fixed cost (capture and check) is fitted as $a$
# instead of being multiplied. TISM beyond the largest measured $N$ or $T$ is
# extrapolated the same way. Tables mark extrapolated values, and ratios
# that involve one, with `*`; figures draw them with open markers.
#
# **Correctness.** Before timing, the benchmark checks that batched TISM
# equals the reference loop, that the batched vector-Jacobian products equal
# a loop over targets, and that every ISM method equals the plain loop at
# batch 20, each to {glue:text}`rtol:.0e` of the largest value, on a float64
# copy of Beluga. In float32, and in the TF32 that GPUs use for float32
# convolutions by default, two correct implementations can differ by more,
# as we will see; the outputs of the timed float32 runs are compared too, and
# reported.
#
# The next cell runs everything (or reads a JSON written by the command
# line, if `results_json` is set) and saves the results. One line reports
# its progress.

# %%
if results_json:
    results = bm.load(results_json)
    print(f"results read from {results_json}")
else:
    out_path = cache_dir() / "benchmark" / f"timing_{cfg.name}_{device.type}.json"
    results = bm.run(cfg, model, info, out=out_path)
    print(f"results written to {out_path}")
env, label = results["environment"], results["model"]
print(f"model: {label}")
print(f"profile {results['profile']['name']}: {env['device_name']} ({env['device']}), {env['dtype']}, "
      f"torch {env['torch']}, tangermeme {env['tangermeme']}, {env['threads']} threads, "
      f"TF32 convolutions {'on' if env['cudnn_allow_tf32'] else 'off'}")
print(f"tuned ISM batch size: {results['tuned_batch_size']}")
glue("profile_name", results["profile"]["name"])
glue("wall_minutes", results["wall_seconds"] / 60, "{:.1f}")
glue("device_name", env["device_name"])

# %% [markdown]
# The benchmark ran in profile {glue:text}`profile_name` on
# {glue:text}`device_name` and took {glue:text}`wall_minutes:.1f` minutes.
#
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
ism_checks = [c["relative_difference"] for n, c in results["checks"].items() if bm.ISM_20 in n
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
# four bases) and of sequences that agree to {glue:text}`rtol:.0e`
# everywhere. ISM is compared on the window all timed subsets share.

# %%
for name, a in results["float32_agreement"].items():
    print(f"{name}: largest difference {a['relative_difference']:.1e}, "
          f"{bm.fmt_sig(100 * a['fraction_within_rtol'])} % of positions and "
          f"{a['sequences_within_rtol']} of {a['n_sequences']} sequence(s) within {bm.RTOL:.0e}")
f32 = results["float32_agreement"]["TISM batched vs reference loop"]
glue("f32_tism_rel", f32["relative_difference"], "{:.1e}")
glue("f32_tism_seq_ok", f32["sequences_within_rtol"])
glue("f32_tism_n", f32["n_sequences"])
glue("f32_tism_pct", bm.round_sig(100 * f32["fraction_within_rtol"]), "{:.3g}")
glue("receptive_field", bm.min_beluga_length())

# %% [markdown]
# In float32, batched TISM and the reference loop differ by up to
# {glue:text}`f32_tism_rel:.1e` of the largest value;
# {glue:text}`f32_tism_seq_ok` of {glue:text}`f32_tism_n` sequences agree
# to {glue:text}`rtol:.0e` at every position, and
# {glue:text}`f32_tism_pct:.3g` % of all positions do. A larger difference is
# not a bug. Beluga is built from ReLUs and max-pools, whose gradient jumps
# where two inputs tie (a pre-activation at 0, two equal values in a pool).
# Summing the same numbers in another order, as a batch or one sequence at a
# time, moves a nearly tied unit to the other side, and the gradient then
# flows through a different path over that unit's receptive field: a block of
# up to {glue:text}`receptive_field` positions (the receptive field of
# Beluga's last convolution). Both answers are gradients of the same
# function, which is not differentiable there; the float64 checks above are
# the test of the code.
#
# ## Table 1: time against the number of sequences
#
# Beluga at 2,000 bp, one target. The paper's Table 1 is in the columns on
# the right; its $N$ are reported here too, extrapolated (`*`) where this
# profile did not measure them.

# %%
bm.table_sequences(results).style.set_caption(
    f"Table 1 analogue (* extrapolated; – none) | {label} on {env['device_name']}")

# %% [markdown]
# All six methods at $N = 10$: seconds, how many times the batched TISM time
# each takes, and peak memory (of the timed subset where the time is
# extrapolated).

# %%
bm.table_methods(results, 10).style.set_caption(
    f"All methods at N = 10 (* extrapolated) | {label} on {env['device_name']}")

# %% [markdown]
# The same on log–log axes. The dotted line is the batched TISM time times
# $3L/20$ ({eq}`eq-speedup` with the paper's batch size): where ISM at batch
# 20 would be if the paper's rule held on this device.

# %% mystnb={"figure": {"caption": "Time against the number of sequences N for every method (Beluga, 2,000 bp, one target). Filled markers are measured, open markers extrapolated; the dotted line is the paper's 3L/20 rule applied to batched TISM.", "name": "fig-timing-sequences"}}
fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
bm.plot_sweep(results, "sequences", ax)
ax.set_title(f"Time vs number of sequences, L = 2,000 bp, one target\n{label} on {env['device_name']}",
             fontsize=10)
plt.show()


# %% [markdown]
# We collect the numbers the text quotes. Each carries a word saying whether
# it was measured or extrapolated, and an extrapolated ISM time says from how
# many timed forward passes.

# %%
def rec(sweep, method, key, value, **where):
    """The record of one method at one point of a sweep (None if absent)."""
    return next((r for r in results["records"] if r["sweep"] == sweep and r["method"] == method
                 and r[key] == value and math.isfinite(r["seconds"])
                 and all(r[k] == v for k, v in where.items())), None)


def how(*records):
    """'measured' or 'extrapolated' for the values a number is computed from."""
    return "extrapolated" if any(r["extrapolated"] for r in records) else "measured"


def basis(r):
    """How an ISM time was obtained, in words."""
    if not r["extrapolated"]:
        return "measured whole"
    return f"extrapolated from {' and '.join(f'{int(u):,}' for u, _ in r['basis'])} timed {r['units']}"


tism10, loop10 = rec("sequences", bm.TISM_BATCHED, "n_sequences", 10), rec("sequences", bm.TISM_LOOP, "n_sequences", 10)
ism10 = {m: rec("sequences", m, "n_sequences", 10) for m in bm.ISM_METHODS}
ism10 = {m: r for m, r in ism10.items() if r is not None}
best_ism = min(ism10, key=lambda m: ism10[m]["seconds"])

glue("tism_n10_s", bm.fmt_sig(tism10["seconds"]))
glue("tism_n10_how", how(tism10))
glue("ism20_n10_s", bm.fmt_sig(ism10[bm.ISM_20]["seconds"]))
glue("ism20_n10_how", basis(ism10[bm.ISM_20]))
glue("speedup_n10", bm.fmt_sig(ism10[bm.ISM_20]["seconds"] / tism10["seconds"]))
glue("speedup_n10_how", how(ism10[bm.ISM_20], tism10))
glue("theory_2kb", bm.theoretical_speedup(SEQUENCE_LENGTH), "{:.0f}")
paper_ism10, paper_tism10 = paper.TABLE1[10]
glue("paper_speedup_n10", bm.round_sig(paper_ism10 / paper_tism10), "{:.0f}")
glue("loop_over_batched_n10", loop10["seconds"] / tism10["seconds"], "{:.2f}")
glue("best_ism", best_ism + (f" (batch {ism10[best_ism]['batch_size']})" if best_ism != bm.ISM_20 else ""))
glue("speedup_best_n10", bm.fmt_sig(ism10[best_ism]["seconds"] / tism10["seconds"]))
glue("speedup_best_n10_how", how(ism10[best_ism], tism10))
glue("tuned_batch", results["tuned_batch_size"])
glue("tuned_fraction", bm.round_sig(ism10[bm.ISM_TUNED]["seconds"] / ism10[bm.ISM_20]["seconds"], 2), "{:.2g}")
glue("tuned_how", how(ism10[bm.ISM_TUNED], ism10[bm.ISM_20]))
fast = ism10.get(bm.TM_FAST)
glue("fastism_fraction", bm.round_sig(fast["seconds"] / ism10[bm.TM_SLOW]["seconds"], 2) if fast else float("nan"),
     "{:.2g}")
glue("fastism_how", how(fast, ism10[bm.TM_SLOW]) if fast else "not run")
glue("beluga_dense_weights", bm.round_sig(model.model[1][2][1].weight.numel() / 1e6), "{:.0f}")

# %% [markdown]
# For ten 2-kb sequences on {glue:text}`device_name`, batched TISM took
# {glue:text}`tism_n10_s` s ({glue:text}`tism_n10_how`) and ISM at batch 20
# {glue:text}`ism20_n10_s` s ({glue:text}`ism20_n10_how`): TISM is
# **{glue:text}`speedup_n10` times faster**, a ratio that is
# {glue:text}`speedup_n10_how`. The paper's rule predicts
# {glue:text}`theory_2kb:.0f`x for 2 kb; the paper measured
# {glue:text}`paper_speedup_n10:.0f`x for ten {glue:text}`paper_t1_length`-bp
# sequences on its GPU. On a
# CPU the rule underestimates the gain: a batch of 20 costs about 20 times
# one sequence, so nothing is won by batching ISM, while TISM's one backward
# pass costs only about two forward passes. On a GPU the ISM batches are
# nearly free up to the device's width and the measured ratio falls towards
# $3L/B$.
#
# The fastest ISM here is {glue:text}`best_ism`, and TISM beats it by
# {glue:text}`speedup_best_n10`x ({glue:text}`speedup_best_n10_how`). At the
# batch size the tuning found fastest ({glue:text}`tuned_batch`), the plain
# loop takes {glue:text}`tuned_fraction:.2g` of its time at batch 20
# ({glue:text}`tuned_how`; on a CPU, where a batch costs about its size in
# single passes, expect about 1 give or take the noise of a shared machine;
# on a GPU, much less), and tangermeme's forced fastISM path needs
# {glue:text}`fastism_fraction:.2g` of the time of its fast=False path
# ({glue:text}`fastism_how`; for each variant it recomputes only the
# positions of each convolution the edit can reach, and Beluga's dense layer
# of {glue:text}`beluga_dense_weights:.0f` million weights in full). The
# reference-style TISM loop takes {glue:text}`loop_over_batched_n10:.2f`
# times as long as batched TISM for ten sequences (both measured): the same
# arithmetic, one sequence at a time instead of a batch.
#
# ## Table 2: time against sequence length
#
# The network here is Beluga's, with its first dense layer sized to $L$ and
# untrained. Beluga's unpadded convolutions and pools need at least
# {glue:text}`receptive_field` bp, so the {glue:text}`paper_t2_min_L`-bp
# sequences are zero-padded ('N' on both sides) inside a small wrapper
# (`benchmark.PadTo`); only their real positions are mutated. The 2,000-bp row is Beluga's architecture and
# reuses Table 1's measurements. The longest network is built only by
# profiles whose `max_length` reaches it:

# %%
L_big = max(paper.TABLE2)
big_params = 640 * conv_output_length(L_big) * 2003
glue("L_big", L_big, "{:,}")
glue("big_dense_billion", bm.round_sig(big_params / 1e9, 2), "{:.2g}")
glue("big_dense_gb", bm.round_sig(big_params * 4 / 1e9, 2), "{:.2g}")
glue("max_length", results["profile"]["max_length"], "{:,}")

# %% [markdown]
# At {glue:text}`L_big` bp the first dense layer alone has
# {glue:text}`big_dense_billion:.2g` billion weights
# ({glue:text}`big_dense_gb:.2g` GB in float32); this run built networks up
# to {glue:text}`max_length` bp.

# %%
bm.table_lengths(results).style.set_caption(
    f"Table 2 analogue (* extrapolated; – not run; untrained Beluga-style networks) | {env['device_name']}")

# %% [markdown]
# Time against $L$, and the speed-up against $L$ with the $3L/20$ line and
# the paper's measurements.

# %% mystnb={"figure": {"caption": "Top: time of batched TISM and of ISM at batch 20 against sequence length on untrained Beluga-style networks (open markers: extrapolated). Bottom: the speed-up of TISM over ISM, with the paper's Table 2, our AI-TAC-style network and the 3L/20 rule.", "name": "fig-timing-length"}}
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 8.5), layout="constrained")
bm.plot_sweep(results, "length", ax1)
ax1.set_title(f"Time vs sequence length, {results['profile']['n_length']} sequences", fontsize=10)
bm.plot_speedups(results, ax2)
ax2.set_title("Speed-up of TISM over ISM vs sequence length", fontsize=10)
fig.suptitle(f"Beluga-style networks sized to L (untrained; 2 kb: {label}) on {env['device_name']}", fontsize=10)
plt.show()

# %%
sp = bm.speedups(results, "length", "length")
Ls = sorted(sp)
L_min, L_max = min(Ls), max(Ls)
glue("L_min", L_min, "{:,}")
glue("L_max", L_max, "{:,}")
glue("speedup_L_min", bm.fmt_sig(sp[L_min][0]))
glue("speedup_L_max", bm.fmt_sig(sp[L_max][0]))
glue("speedup_L_how", "extrapolated" if sp[L_min][1] or sp[L_max][1] else "measured")
glue("paper_speedup_L_min", bm.round_sig(paper.TABLE2[min(paper.TABLE2)][0] / paper.TABLE2[min(paper.TABLE2)][1]),
     "{:.0f}")
glue("paper_speedup_L_max", bm.round_sig(paper.TABLE2[L_big][0] / paper.TABLE2[L_big][1]), "{:,.0f}")
tism_L = {L: rec("length", bm.TISM_BATCHED, "length", L)["seconds"] for L in Ls}
glue("tism_growth", tism_L[L_max] / tism_L[L_min], "{:.1f}")
glue("length_growth", L_max / L_min, "{:.1f}")

# %% [markdown]
# From {glue:text}`L_min` bp to {glue:text}`L_max` bp the speed-up grows
# from {glue:text}`speedup_L_min`x to {glue:text}`speedup_L_max`x (ISM times
# {glue:text}`speedup_L_how`; the paper: {glue:text}`paper_speedup_L_min:.0f`x
# at its shortest length to {glue:text}`paper_speedup_L_max:,.0f`x at
# {glue:text}`L_big` bp). ISM's time grows as $L^2$ ($3L$ variants, each a
# pass over $L$ positions) and TISM's as $L$: over a
# {glue:text}`length_growth:.1f`-fold range of lengths the measured TISM time
# grew {glue:text}`tism_growth:.1f`-fold. On a GPU TISM's time hardly moves
# until the sequences fill the device, which is why the paper's TISM column
# stays under a second.
#
# ## Like for like: an AI-TAC-style network at the paper's lengths
#
# Beluga is not the network the paper timed. Its Tables used AI-TAC-like
# models of {glue:text}`paper_t2_min_L`-bp sequences with
# {glue:text}`aitac_outputs` outputs, much smaller than Beluga. Chapter 5's
# `AITAC` network is of that kind; here it is untrained (timing does not
# depend on the weights) and timed on one sequence and on
# {glue:text}`paper_t2_n` at each of the paper's lengths it is run at. ISM at batch 20 scores all outputs at once;
# TISM is for one output. This is where a whole ISM run is short enough to
# measure.

# %%
bm.table_aitac(results).style.set_caption(
    f"AI-TAC-style network, untrained (* extrapolated; – none), paper's Table 2 beside | {env['device_name']}")

# %%
measured = [r for r in results["records"] if r["method"] == bm.ISM_20 and r["sweep"] in ("aitac", "length", "sequences")
            and not r["extrapolated"] and math.isfinite(r["seconds"])]
measured.sort(key=lambda r: (r["sweep"] != "aitac", r["length"], r["n_sequences"]))
pairs = [(r, rec(r["sweep"], bm.TISM_BATCHED, "length", r["length"], n_sequences=r["n_sequences"], n_targets=1))
         for r in measured]
pairs = [(i, t) for i, t in pairs if t is not None]
if pairs:
    glue("measured_sentence", "; ".join(
        f"ISM at batch 20 of {i['n_sequences']} sequence(s) of {i['length']:,} bp took {bm.fmt_sig(i['seconds'])} s "
        f"and TISM {bm.fmt_sig(t['seconds'])} s, a speed-up of {bm.fmt_sig(i['seconds'] / t['seconds'])}x"
        for i, t in pairs) + " (both times measured, neither extrapolated)")
else:
    glue("measured_sentence", "none: no whole ISM run fitted this profile's budget on this machine, so every "
                              "ISM time in this chapter is extrapolated")
a10 = {m: rec("aitac", m, "length", min(paper.TABLE2), n_sequences=paper.TABLE2_N)
       for m in (bm.ISM_20, bm.TISM_BATCHED)}
if all(a10.values()):
    glue("aitac10_speedup", bm.fmt_sig(a10[bm.ISM_20]["seconds"] / a10[bm.TISM_BATCHED]["seconds"]))
    glue("aitac10_how", basis(a10[bm.ISM_20]))
    glue("aitac10_ism_s", bm.fmt_sig(a10[bm.ISM_20]["seconds"]))
    glue("aitac10_tism_s", bm.fmt_sig(a10[bm.TISM_BATCHED]["seconds"]))
else:
    for k in ("aitac10_speedup", "aitac10_how", "aitac10_ism_s", "aitac10_tism_s"):
        glue(k, "not run")
# The whole runs also test the extrapolation: what the subset fit predicted for a run that was then measured.
checks_x = []
for r in results["records"]:
    if r["sweep"] == "aitac" and r["method"] == bm.ISM_20 and not r["extrapolated"]:
        fitted = rec("aitac", bm.ISM_20, "length", r["length"], n_sequences=paper.TABLE2_N)
        if fitted and fitted["fit"]:
            predicted = fitted["fit"][0] + fitted["fit"][1] * bm.ism_forward_passes(r["n_sequences"], r["length"])
            checks_x.append(f"{bm.fmt_sig(predicted)} s predicted and {bm.fmt_sig(r['seconds'])} s measured "
                            f"for {r['n_sequences']} sequence(s) of {r['length']:,} bp")
glue("extrapolation_check", "; ".join(checks_x) if checks_x else "no whole run to compare with")
glue("paper_251_ism", paper.TABLE2[min(paper.TABLE2)][0], "{:.3g}")
glue("paper_251_tism", paper.TABLE2[min(paper.TABLE2)][1], "{:.2g}")

# %% [markdown]
# The speed-ups this chapter measures without any extrapolation are those of
# the whole ISM runs: {glue:text}`measured_sentence`. For the paper's own
# setting, ten sequences of {glue:text}`paper_t2_min_L` bp, ISM took
# {glue:text}`aitac10_ism_s` s ({glue:text}`aitac10_how`) and TISM
# {glue:text}`aitac10_tism_s` s (measured), a speed-up of
# {glue:text}`aitac10_speedup`x; the paper reports
# {glue:text}`paper_251_ism:.3g` s and {glue:text}`paper_251_tism:.2g` s
# ({glue:text}`paper_speedup_L_min:.0f`x) on its GPU. On a CPU such a small
# network is far from the device's limits in both methods, so the ratio says
# more about Python overhead per batch than about arithmetic.
#
# The whole runs also show how far to trust an extrapolation. For the same
# network, the line fitted to the timed subsets gives
# {glue:text}`extrapolation_check`. On a machine shared with other jobs a
# subset of a few hundred forward passes can be off by a factor of two or
# more in either direction, so read every `*` in this chapter as an order of
# magnitude, not as three significant digits.
#
# ## Many targets: where TISM stops winning
#
# One ISM run predicts every output for every variant, so scoring all of
# Beluga's targets costs the same as scoring one. TISM needs one backward
# pass per target. `gradient` runs the backward passes for several targets
# at once as a batch of vector-Jacobian products
# (`torch.autograd.grad(..., is_grads_batched=True)`); the reference
# implementation loops over targets in Python.

# %%
t_measured = sorted(r["n_targets"] for r in results["records"] if r["sweep"] == "targets"
                    and r["method"] == bm.TISM_BATCHED and not r["extrapolated"])
glue("targets_all", ", ".join(f"{t:,}" for t in results["profile"]["n_targets"]))
glue("targets_measured", ", ".join(f"{t:,}" for t in t_measured))
glue("target_batch", results["profile"]["target_batch_size"])

# %% [markdown]
# Both are timed for $T$ = {glue:text}`targets_all` targets (spread over the
# outputs, {glue:text}`target_batch` per batched product); this profile
# measures $T$ = {glue:text}`targets_measured` and extrapolates linearly in
# $T$ beyond. Where the batched-TISM line meets the flat ISM line is the
# number of targets at which the two cost the same.

# %% mystnb={"figure": {"caption": "Time against the number of targets T. TISM lines are measured at the filled markers and extrapolated (open markers, dashed) beyond; ISM is flat because one run scores every target. The star marks where batched TISM costs as much as ISM at batch 20.", "name": "fig-timing-targets"}}
fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
bm.plot_targets(results, ax)
n_t = results["profile"]["n_targets_sequences"]
ax.set_title(f"Time vs number of targets, {n_t} sequence{'s' if n_t > 1 else ''} of 2,000 bp\n"
             f"{label} on {env['device_name']}", fontsize=10)
plt.show()

# %%
for method, t_star in results["crossovers"].items():
    print(f"batched TISM costs as much as {method} at T = {bm.fmt_sig(t_star)} targets")
t_max = max(results["profile"]["n_targets"])
t_vjp = max(t_measured)
vjp, loop = rec("targets", bm.TISM_BATCHED, "n_targets", t_vjp), rec("targets", bm.TISM_LOOP, "n_targets", t_vjp)
ism_t = rec("targets", bm.ISM_20, "n_targets", 1)
glue("crossover_20", bm.fmt_sig(results["crossovers"][bm.ISM_20]))
glue("crossover_best", bm.fmt_sig(min(results["crossovers"].values())))
glue("crossover_ism_how", basis(ism_t))
glue("crossover_how", "extrapolated" if results["crossovers"][bm.ISM_20] > t_vjp else "interpolated")
glue("t_vjp", t_vjp, "{:,}")
glue("vjp_speedup", loop["seconds"] / vjp["seconds"], "{:.2f}")
tism_all = rec("targets", bm.TISM_BATCHED, "n_targets", min(t_max, N_TARGETS))
glue("tism_all_targets_s", bm.fmt_sig(tism_all["seconds"]))
glue("tism_all_targets_how", how(tism_all))

# %% [markdown]
# Batched TISM costs as much as ISM at batch 20 at about
# {glue:text}`crossover_20` targets, and as much as the fastest ISM at about
# {glue:text}`crossover_best`. These crossovers are estimates on two
# counts: the TISM cost per target is the line through the measured
# $T$ = {glue:text}`targets_measured` ({glue:text}`crossover_how` to the
# crossover), and the ISM time it is compared with is
# {glue:text}`crossover_ism_how`. A crossover above
# {glue:text}`beluga_targets` means TISM is cheaper for every set of Beluga's
# targets. All targets by TISM take {glue:text}`tism_all_targets_s` s
# ({glue:text}`tism_all_targets_how`). At {glue:text}`t_vjp` targets, the
# largest measured here, the Python loop over targets takes
# {glue:text}`vjp_speedup:.2f` times as long as the batched vector-Jacobian
# products (both measured). The arithmetic is the same, so on a CPU expect a
# ratio near 1, give or take the noise of a shared machine; on a GPU a batch
# of cotangents fills the device that one backward pass leaves idle. For a
# handful of targets TISM wins by orders of magnitude; for all of a large
# multi-task model's outputs, ISM, or better fastISM, can be the cheaper way
# to the complete picture.
#
# ## Summary
#
# * TISM needs one forward and one backward pass per sequence and target;
#   ISM needs $3L$ forward passes per sequence for all targets at once.
# * Measured end to end, with no extrapolation, on the AI-TAC-style network:
#   {glue:text}`measured_sentence`.
# * On Beluga at 2 kb, TISM was {glue:text}`speedup_n10` times faster than
#   ISM at the paper's batch size on {glue:text}`device_name` (profile
#   {glue:text}`profile_name`; {glue:text}`speedup_n10_how`), and
#   {glue:text}`speedup_best_n10` times faster than the fastest ISM
#   ({glue:text}`speedup_best_n10_how`).
# * The speed-up grows with $L$, as the paper's $3L/B$ rule says, from
#   {glue:text}`speedup_L_min`x at {glue:text}`L_min` bp to
#   {glue:text}`speedup_L_max`x at {glue:text}`L_max` bp here
#   ({glue:text}`speedup_L_how`).
# * It shrinks with the number of targets: TISM pays a backward pass per
#   target, and batched vector-Jacobian products lower that cost without
#   removing it; the crossover with ISM, about {glue:text}`crossover_20`
#   targets, is an estimate from a fitted line.
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
# Solutions are folded under each exercise: try first, then open them.
#
# ````{exercise}
# :label: timing-half
#
# The attribution functions refuse float16 and bfloat16 models (try
# `tt.gradient(model.half(), X, 267)`). Compute the gradient of one target in
# float32 and under `torch.autocast(device_type, dtype=torch.bfloat16)` yourself,
# form TISM from both, and compare them. Why is half precision riskier for ISM
# than for TISM?
# ````
#
# ````{solution} timing-half
# :class: dropdown
#
# ```python
# import tism_tutorial as tt
#
# def grad_autocast(model, X, target, dtype):
#     x = X.to(device).requires_grad_(True)
#     with torch.autocast(device.type, dtype=dtype):
#         y = model(x)[:, target].sum()
#     return torch.autograd.grad(y, x)[0].float().cpu()
#
# g32 = tt.gradient(model, X, 267)
# g16 = grad_autocast(model, X, 267, torch.bfloat16)
# err = (tt.tism(g16, X) - tt.tism(g32, X)).norm() / tt.tism(g32, X).norm()
# ```
#
# bfloat16 keeps 8 bits of mantissa, a relative precision of about 0.4 %.
# TISM is a difference of two gradient entries of similar size, so it inherits
# a relative error of that order. ISM is a difference of two *predictions*:
# each logit is rounded relative to its own size, which can be much larger than
# the single-base effect, so small effects can vanish or change sign. That is
# why the package refuses half-precision models instead of returning
# attributions that are silently off; the speed gain of half precision
# belongs to training and prediction, not to attribution.
# ````
#
# ````{exercise}
# :label: timing-whole-ism
#
# The quick profile extrapolates Beluga's ISM from a few dozen forward
# passes. Time a whole ISM of one 2-kb sequence
# (`bm.measure(partial(attributions.ism_reference_loop, model, X[:1], 267), device)`,
# with `from functools import partial`) and compare it with the extrapolated
# value in the JSON.
# ````
#
# ````{solution} timing-whole-ism
# :class: dropdown
#
# The extrapolation assumes that ISM time grows linearly with the number of
# forward passes (6,000 for 2 kb) at the measured time per batch. A whole run
# departs from it when batches of the full run behave differently from the
# timed subset: memory traffic, caching, thread scheduling, and on a shared
# machine the load of other jobs. The chapter already prints this comparison
# for the AI-TAC-style rows it measures whole; expect agreement within tens of
# percent on a quiet machine, and much worse on a busy one, which is why every
# extrapolated number in the chapter is marked as such.
# ````

