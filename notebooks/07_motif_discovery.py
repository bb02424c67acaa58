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
# # From attribution maps to motifs: seqlets, TF-MoDISco and TOMTOM
#
# **Overview.** Practitioners rarely stop at one attribution map: they call
# *seqlets* (short spans of high attribution), cluster them into motifs with
# TF-MoDISco {cite}`shrikumar2018modisco` and match the motifs to a database
# with TOMTOM {cite}`gupta2007tomtom`. That pipeline is usually fed
# DeepLIFT/SHAP {cite}`shrikumar2017deeplift,lundberg2017shap`. The paper
# argues that TISM can replace ISM {cite}`sasse2024tism`, and so, implicitly,
# the far more expensive DeepLIFT/SHAP as well, but it never runs the
# pipeline. In this chapter you will
#
# * feed four attribution variants (TISM, exact ISM, gradient×input,
#   DeepLIFT/SHAP) into the same pipeline, on a model whose true motifs we
#   know, and count which planted motifs each one recovers and what it costs;
# * score seqlets against the planted sites (precision, recall, PR curves);
# * compare the TISM-derived and ISM-derived motif sets directly;
# * run the same pipeline on DeepSEA Beluga {cite}`zhou2018expecto`.
#
# **Models and data.** The simulator and model of chapter 5: random 250-bp
# sequences carrying sites sampled from ten JASPAR 2024 matrices
# {cite}`rauluseviciute2024jaspar` at known positions, ten tasks with additive
# factors, a cooperative pair and a spacing-dependent pair, and a small
# AI-TAC-style network {cite}`maslova2020aitac` trained here. All attributions
# are on held-out sequences. The tools are the field's own: tangermeme's
# `recursive_seqlets` {cite}`schreiber2024tangermeme,schreiber2025tangermeme`,
# `modisco-lite` (TF-MoDISco), `memelite`'s TOMTOM, and the JASPAR 2024 CORE
# vertebrate matrices shipped by `pyjaspar`. The Beluga section uses the
# published weights when they are cached or downloadable and a seeded
# *untrained* Beluga otherwise; every Beluga figure and table says which.
#
# **Run time.** The `quick` profile (CI) trains one model on 4,000
# sequences and runs the pipeline for three tasks on 160 held-out sequences,
# plus 6 Beluga sequences: about 2 minutes on an idle 2-core CPU (4 on a
# busy one). The first run in a fresh environment adds two to four minutes
# while numba compiles TOMTOM, TF-MoDISco and the seqlet caller; later runs
# load them from numba's cache.
# The `default` profile on a GPU (the same three tasks, 500 sequences, 64
# Beluga sequences) is sized for about 10 minutes on a Colab T4 (an
# estimate: CI runs only the quick profile); without a GPU it runs the quick
# sizes. `full` (all ten tasks, 1,000 sequences) should take about an hour on
# a GPU machine, most of it TF-MoDISco, which runs on the CPU. No downloads except Beluga's weights, when
# reachable; trained weights of the small model are not saved.

# %% tags=["parameters"]
# Papermill parameters. profile: "quick" (CI), "default" (GPU-sized on CUDA, quick otherwise) or "full".
profile = "default"
seed = 0  # seed of the grammar, the data, the model and the shuffles
device = None  # None: CUDA when available, else the CPU
threads = 1  # CPU threads for torch; 1 is the robust choice on a shared machine
weights = "auto"  # Beluga weights: "auto" (published file if reachable), "untrained" or a path

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
from tangermeme.plot import plot_logo
from tqdm.auto import tqdm

import tism_tutorial as tt
from tism_tutorial import aitac, motifs, profiles, sequences
from tism_tutorial import seqlets as sq
from tism_tutorial import simulate as sim
from tism_tutorial.book import glue, show
from tism_tutorial.sequences import JASPAR_IDS, jaspar_pwms, motif_sequences

device = tt.resolve_device(device)
if device.type == "cpu":
    torch.set_num_threads(threads)
P = profiles.sizes(profiles.MOTIF_DISCOVERY, profile, device)
print(f"device: {device}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
      f"profile {P['profile']!r}")
t_start = time.perf_counter()
pd.Series({k: v for k, v in P.items() if k != "profile"}, name=P["profile"]).to_frame()

# %% [markdown]
# The table lists every size of the run: training set, epochs, the tasks
# whose motifs are sought, how many held-out sequences enter the pipeline
# (`n_attr`), DeepLIFT/SHAP references per sequence, TF-MoDISco's Leiden
# clustering runs, and the Beluga section's sequences and references.
#
# ## A model whose motifs we know
#
# The grammar, the simulated sequences and the network are those of chapter
# 5 (`tism_tutorial.simulate` and `tism_tutorial.aitac`); see there for the
# details. Training, validation and test sets are independent draws.

# %%
grammar = sim.make_grammar(n_tasks=10, seed=seed)
train = sim.simulate(P["n_train"], grammar, seed=seed + 1)
val = sim.simulate(P["n_val"], grammar, seed=seed + 2)
test = sim.simulate(P["n_attr"], grammar, seed=seed + 3)  # the held-out sequences of the pipeline
config = aitac.Config(n_filters=P["n_filters"], epochs=P["epochs"], patience=P["patience"])
model, history = aitac.train(config, train.X, train.y, val.X, val.y, seed=seed, device=device,
                             desc="training")
model = model.to(device).eval()
test_corr = aitac.performance(model, test.X, test.y)
glue("n_train", len(train), "{:,}")
glue("n_test", len(test), "{:,}")
glue("val_corr", float(history.val_corr.max()), "{:.3f}")
glue("test_corr", test_corr, "{:.3f}")
glue("train_seconds", float(history.seconds.sum()), "{:.0f}")

# %% [markdown]
# The model, trained on {glue:text}`n_train:,.0f` sequences in
# {glue:text}`train_seconds:.0f` seconds (measured in this run), reaches a
# validation correlation of {glue:text}`val_corr:.3g` and a correlation of
# {glue:text}`test_corr:.3g` on the {glue:text}`n_test:,.0f` held-out
# sequences (mean Pearson over the ten tasks between prediction and noisy
# label; chapter 5 shows what a model trained on shuffled labels reaches).
#
# Which motifs should the pipeline find? For each task we take the factors
# that drive it: its additive factors (weight not zero) and the factors of
# its interaction term. The tasks of this profile:

# %%
tasks = list(P["tasks"])
add_index = {m: j for j, m in enumerate(sim.ADDITIVE)}


def task_motifs(t):
    """The planted factors that drive task t (name -> JASPAR matrix ID)."""
    names = [m for m in sim.ADDITIVE if grammar.additive[t, add_index[m]] != 0]
    names += list(sim.COOPERATIVE) if grammar.cooperative[t] != 0 else []
    names += list(sim.SPACED) if grammar.spaced[t] != 0 else []
    return {m: sim.MOTIFS[m] for m in names}


def task_sites(t):
    """The held-out sites whose removal changes task t's noiseless label: the truth for seqlets."""
    return test.sites[test.causal[:, t]].reset_index(drop=True)


truth_table = pd.DataFrame({
    "task": tasks,
    "term": ["cooperative (AP-1 AND NFAT)" if grammar.cooperative[t] else
             "spacing (PU.1 + IRF)" if grammar.spaced[t] else "additive only" for t in tasks],
    "factors that drive it": [", ".join(task_motifs(t)) for t in tasks],
    "driving sites in held-out set": [len(task_sites(t)) for t in tasks],
})
n_planted = sum(len(task_motifs(t)) for t in tasks)
glue("n_tasks_used", len(tasks))
glue("n_planted", n_planted)
truth_table

# %% [markdown]
# So {glue:text}`n_planted` (task, motif) pairs can be recovered in the
# {glue:text}`n_tasks_used` tasks of this profile. A site counts as *driving*
# a task only if removing it changes that task's noiseless label: a lone
# AP-1 site without NFAT, or a PU.1–IRF pair more than 10 bp apart, is
# planted but drives nothing, and a seqlet on it counts as a false positive.
#
# ## Four attribution maps
#
# TF-MoDISco needs *hypothetical* contributions: the contribution each of the
# four bases would make at each position, whatever base is there. For each
# variant the pipeline gets (`motifs.VARIANTS`):

# %%
pd.Series(motifs.VARIANTS, name="hypothetical contributions handed to TF-MoDISco").to_frame()

# %% [markdown]
# Centered TISM and the corrected gradient are the same map (Eq. 5 of chapter
# 1), and they equal the hypothetical gradient with a uniform background;
# gradient×input differs from TISM only by the per-position mean of the
# gradient. We compute all four for the chosen tasks and time each: ISM runs
# 3 × 250 forward passes per sequence (one pass gives every task),
# DeepLIFT/SHAP one backward pass per reference, sequence and task.

# %%
X = test.X
maps, attr_seconds = motifs.hypothetical_variants(model, X, tasks, n_shuffles=P["n_shuffles"],
                                                  random_state=seed)
glue("n_shuffles", P["n_shuffles"])
show(pd.Series(attr_seconds, name="seconds (this run)"))

# %% [markdown]
# ## Seqlets against the planted sites
#
# tangermeme's `recursive_seqlets` calls spans whose summed attribution on the
# observed bases is unusually high (its p-value threshold, 0.01 here, ranks
# spans and is not an error rate). A seqlet is a true positive if it overlaps
# a site that drives the task; a driving site is recalled if a seqlet overlaps
# it. The chance level of precision moves every seqlet to a random position of
# its sequence. numba compiles the seqlet caller, TF-MoDISco and TOMTOM on
# first use; the next cell does that on a toy input (and reads the JASPAR
# 2024 CORE vertebrate matrices for TOMTOM), so that the timings below
# measure the work and not the compilation.

# %%
motifs.enable_numba_cache()
t0 = time.perf_counter()
toy = maps["ISM"][:40, 0]
sq.call_seqlets(toy, X[:40])
motifs.modisco_patterns(toy, X[:40], n_leiden_runs=1)
database = sequences.jaspar_motifs(include=sim.MOTIFS)
motifs.tomtom_pairs({"toy": next(iter(database.values()))}, database)
glue("compile_seconds", time.perf_counter() - t0, "{:.0f}")

# %% [markdown]
# Compiling (or loading from numba's cache) took
# {glue:text}`compile_seconds:.0f` seconds. Now the seqlets of every variant
# and task:

# %%
seqlet_seconds = {v: 0.0 for v in maps}
seqlets, curves, rows = {}, [], []
for v in tqdm(maps, desc="seqlets"):
    for j, t in enumerate(tasks):
        t0 = time.perf_counter()
        s = sq.call_seqlets(maps[v][:, j], X)
        seqlet_seconds[v] += time.perf_counter() - t0
        seqlets[v, t] = s
        sites = task_sites(t)
        if len(s):
            curves.append(sq.precision_recall(s, sites).assign(variant=v, task=t))
        rows.append({"variant": v, "task": t, **sq.seqlet_scores(s, sites),
                     "chance precision": sq.chance_precision(s, sites, X.shape[-1], random_state=seed)})
seqlet_table = pd.DataFrame(rows)
pooled = seqlet_table.groupby("variant", sort=False).apply(lambda g: pd.Series({
    "seqlets": g.n_seqlets.sum(), "driving sites": g.n_sites.sum(),
    "precision": (g.precision.fillna(0) * g.n_seqlets).sum() / max(g.n_seqlets.sum(), 1),
    "recall": (g.recall * g.n_sites).sum() / g.n_sites.sum(),
    "chance precision": (g["chance precision"].fillna(0) * g.n_seqlets).sum() / max(g.n_seqlets.sum(), 1)}),
    include_groups=False)
pooled = pooled.astype({"seqlets": int, "driving sites": int})
display(show(pooled))
show(seqlet_table.set_index(["variant", "task"]))

# %% [markdown]
# The first table pools the tasks (precision weighted by each task's seqlets,
# recall by its sites); the second gives every variant and task ("–": no
# seqlet, so no precision). The PR curves rank each variant's seqlets by
# p-value:

# %%
curve_table = pd.concat(curves, ignore_index=True)
fig, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 3.6), constrained_layout=True, squeeze=False)
for ax, t in zip(axes[0], tasks):
    for k, v in enumerate(maps):
        c = curve_table[(curve_table.variant == v) & (curve_table.task == t)]
        ax.plot(c.recall, c.precision, color=f"C{k}", label=v)
    chance = seqlet_table[seqlet_table.task == t]["chance precision"].mean()
    ax.axhline(chance, color="grey", ls=":", label="chance (mean)")
    ax.set_xlabel("recall of driving sites")
    ax.set_ylabel("precision of seqlets")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"task {t}: {truth_table.set_index('task').loc[t, 'term']}", fontsize=9)
axes[0, 0].legend(fontsize=8, loc="lower left")
fig.suptitle(f"Seqlets vs planted sites, {len(X)} held-out sequences (trained simulated model)", fontsize=10)
plt.show()

# %% [markdown]
# **Figure 1.** Precision against recall of the sites that drive each task,
# for seqlets called on each attribution variant, as the p-value cut-off is
# relaxed (left to right along each curve); dotted: the precision of the
# same seqlets placed at random.
#
# The sanity floor of the chapter: on the trained model, ISM's seqlets must
# find the planted sites far above chance. A broken pipeline (shuffled
# coordinates, a wrong projection, a model that learned nothing) fails here.

# %%
ism_row = pooled.loc["ISM"]
assert ism_row["precision"] > 2 * ism_row["chance precision"], ism_row
assert ism_row["recall"] > 0.3, ism_row
for v in maps:
    key = {"TISM": "tism", "ISM": "ism", "gradient×input": "gxi", "DeepLIFT/SHAP": "dls"}[v]
    glue(f"prec_{key}", float(pooled.loc[v, "precision"]), "{:.3f}")
    glue(f"rec_{key}", float(pooled.loc[v, "recall"]), "{:.3f}")
glue("chance_ism", float(ism_row["chance precision"]), "{:.3f}")
glue("n_seqlets_tism", int(pooled.loc["TISM", "seqlets"]), "{:,}")
glue("n_seqlets_ism", int(pooled.loc["ISM", "seqlets"]), "{:,}")

# %% [markdown]
# Pooled over the tasks, ISM's seqlets have precision
# {glue:text}`prec_ism:.3g` (chance: {glue:text}`chance_ism:.3g`) and recall
# {glue:text}`rec_ism:.3g`; TISM's {glue:text}`prec_tism:.3g` and
# {glue:text}`rec_tism:.3g`; gradient×input {glue:text}`prec_gxi:.3g` and
# {glue:text}`rec_gxi:.3g`; DeepLIFT/SHAP {glue:text}`prec_dls:.3g` and
# {glue:text}`rec_dls:.3g` (all measured in this run on the trained
# simulated model). At the same p-value threshold TISM called
# {glue:text}`n_seqlets_tism:,.0f` seqlets and ISM
# {glue:text}`n_seqlets_ism:,.0f`: the thresholds are relative to each map's
# own distribution, so compare the variants along the PR curves rather than
# at one point.
#
# ## TF-MoDISco patterns and their TOMTOM matches
#
# For each variant and task, TF-MoDISco clusters the seqlets of all held-out
# sequences into patterns (`motifs.modisco_patterns`, modisco-lite with its
# minimum sizes lowered to 20 seqlets per metacluster and 10 per pattern, so
# that a few hundred 250-bp sequences can yield patterns). Each pattern is
# trimmed as modisco-lite's report does (positions whose summed |CWM| is at
# least 30 % of the maximum) and compared by TOMTOM with every JASPAR 2024
# CORE vertebrate matrix (latest version of each); q-values are Benjamini–Hochberg over the database
# for each pattern. A pattern **recovers** a planted motif if that motif's
# own JASPAR matrix is a match with q < 0.05 (the planted motif with the
# smallest q wins); a pattern that matches no planted matrix is **spurious**.

# %%
modisco_seconds = {v: 0.0 for v in maps}
tomtom_seconds = {v: 0.0 for v in maps}
patterns, match_rows = {}, []
for v in tqdm(maps, desc="TF-MoDISco + TOMTOM"):
    for j, t in enumerate(tasks):
        t0 = time.perf_counter()
        patterns[v, t] = motifs.modisco_patterns(maps[v][:, j], X, n_leiden_runs=P["n_leiden_runs"])
        modisco_seconds[v] += time.perf_counter() - t0
        t0 = time.perf_counter()
        m = motifs.match_patterns(patterns[v, t], database, task_motifs(t))
        tomtom_seconds[v] += time.perf_counter() - t0
        match_rows.append(m.assign(variant=v, task=t))
matches = pd.concat(match_rows, ignore_index=True)
glue("n_jaspar", len(database), "{:,}")
shown = matches[["variant", "task", "pattern", "n_seqlets", "consensus", "best_match", "best_q", "planted",
                 "planted_q"]].copy()
shown["planted_q"] = shown["planted_q"].map(lambda q: "–" if pd.isna(q) else f"{q:.3g}")
shown["best_q"] = shown["best_q"].map(lambda q: f"{q:.3g}")
shown

# %% [markdown]
# Every pattern of every variant and task with its best JASPAR match (out of
# {glue:text}`n_jaspar:,.0f` matrices) and the planted motif it recovers,
# if any ("–": none). `pos_` patterns raise the output, `neg_` patterns
# lower it. Which planted motifs did each variant recover?

# %%
recovery = []
for t in tasks:
    for m in task_motifs(t):
        row = {"task": t, "motif": m, "JASPAR": sim.MOTIFS[m]}
        for v in maps:
            hit = matches[(matches.variant == v) & (matches.task == t) & (matches.planted == m)]
            row[v] = f"{hit.planted_q.min():.2g}" if len(hit) else "–"
        recovery.append(row)
recovery = pd.DataFrame(recovery)
summary = pd.DataFrame({
    "planted motifs recovered": [int((recovery[v] != "–").sum()) for v in maps],
    "patterns": [int((matches.variant == v).sum()) for v in maps],
    "spurious patterns": [int(matches[matches.variant == v].spurious.sum()) for v in maps],
}, index=list(maps))
summary["of planted"] = n_planted
display(show(recovery))
show(summary)

# %% [markdown]
# Above: for each task and planted motif, the q-value of the best pattern
# that recovers it, per variant ("–": not recovered). Below: the counts per
# variant, over the {glue:text}`n_tasks_used` tasks. The spurious patterns
# and their best JASPAR matches:

# %%
spurious = matches[matches.spurious][["variant", "task", "pattern", "n_seqlets", "consensus", "best_match"]]
spurious if len(spurious) else pd.DataFrame({"note": ["no spurious pattern in this run"]})

# %%
for v in maps:
    key = {"TISM": "tism", "ISM": "ism", "gradient×input": "gxi", "DeepLIFT/SHAP": "dls"}[v]
    glue(f"recovered_{key}", int(summary.loc[v, "planted motifs recovered"]))
    glue(f"spurious_{key}", int(summary.loc[v, "spurious patterns"]))

# %% [markdown]
# Of the {glue:text}`n_planted` planted (task, motif) pairs, TISM's patterns
# recover {glue:text}`recovered_tism`, ISM's {glue:text}`recovered_ism`,
# gradient×input's {glue:text}`recovered_gxi` and DeepLIFT/SHAP's
# {glue:text}`recovered_dls`, with {glue:text}`spurious_tism`,
# {glue:text}`spurious_ism`, {glue:text}`spurious_gxi` and
# {glue:text}`spurious_dls` spurious patterns respectively (this run, trained
# simulated model). Motifs of the interaction terms are found only when the
# held-out set holds enough sequences where the term is active; the quick
# profile has few.
#
# ### The patterns side by side
#
# The contribution weight matrices (CWMs: mean contribution of the observed
# bases) of the TISM and ISM patterns of the first task, each titled with the
# planted motif it recovers or its best JASPAR match:

# %%
t_show = tasks[0]
glue("t_show", t_show)
pa, pb = patterns["TISM", t_show], patterns["ISM", t_show]
n_rows = max(len(pa), len(pb), 1)
fig, axes = plt.subplots(n_rows, 2, figsize=(11, 1.7 * n_rows + 0.6), constrained_layout=True, squeeze=False)
for col, (v, pats) in enumerate([("TISM", pa), ("ISM", pb)]):
    info_v = matches[(matches.variant == v) & (matches.task == t_show)].set_index("pattern")
    for r in range(n_rows):
        ax = axes[r, col]
        if r >= len(pats):
            ax.axis("off")
            continue
        p = pats[r].trimmed()
        plot_logo(p.cwm, ax=ax)
        row = info_v.loc[p.name]
        label = (f"recovers {row.planted} (q={row.planted_q:.2g})" if not row.spurious else
                 f"spurious; best match {row.best_match} (q={row.best_q:.2g})")
        ax.set_title(f"{v} {p.name}, {p.n_seqlets} seqlets: {label}", fontsize=8, loc="left")
        ax.set_ylabel("contribution")
    axes[-1, col].set_xlabel("position in trimmed pattern (bp)")
fig.suptitle(f"TF-MoDISco patterns of task {t_show}, TISM (left) and ISM (right), trained simulated model",
             fontsize=10)
plt.show()

# %% [markdown]
# **Figure 2.** Trimmed CWMs of the TF-MoDISco patterns of task
# {glue:text}`t_show` found with TISM (left) and with ISM (right), in order of
# support; empty panels: the other variant found more patterns.
#
# ### Do TISM and ISM find the same motifs?
#
# TOMTOM between the two motif sets: each TISM pattern is searched among the
# ISM patterns of the same task together with all of JASPAR (so TOMTOM's
# background is a whole database), and the other way round.

# %%
agree_rows = []
for t in tasks:
    for a, b in [("TISM", "ISM"), ("ISM", "TISM")]:
        g = motifs.pattern_agreement(patterns[a, t], patterns[b, t], database)
        agree_rows.append(g.assign(task=t, direction=f"{a} → {b}"))
agreement = pd.concat(agree_rows, ignore_index=True)
agree_summary = agreement.groupby("direction").agg(patterns=("pattern", "size"), with_counterpart=("shared", "sum"))
agree_summary["share"] = agree_summary.with_counterpart / agree_summary.patterns.clip(lower=1)
tism_set = {(r.task, r.planted) for r in matches[(matches.variant == "TISM") & ~matches.spurious].itertuples()}
ism_set = {(r.task, r.planted) for r in matches[(matches.variant == "ISM") & ~matches.spurious].itertuples()}
union = tism_set | ism_set
glue("share_tism_in_ism", float(agree_summary.loc["TISM → ISM", "share"]), "{:.3f}")
glue("share_ism_in_tism", float(agree_summary.loc["ISM → TISM", "share"]), "{:.3f}")
glue("n_ism_recovered", len(ism_set))
glue("n_both_recovered", len(tism_set & ism_set))
glue("n_tism_only", len(tism_set - ism_set))
glue("jaccard_recovered", len(tism_set & ism_set) / len(union) if union else float("nan"), "{:.3f}")
show(agree_summary)

# %% [markdown]
# A share of {glue:text}`share_tism_in_ism:.3g` of the TISM patterns have an
# ISM pattern as a significant TOMTOM match (q < 0.05), and
# {glue:text}`share_ism_in_tism:.3g` of the ISM patterns a TISM one. Counted
# by planted motif, TISM recovers {glue:text}`n_both_recovered` of the
# {glue:text}`n_ism_recovered` (task, motif) pairs that ISM recovers, and
# {glue:text}`n_tism_only` that ISM misses: a Jaccard index of
# {glue:text}`jaccard_recovered:.3g` between the two sets (1: the same set).
#
# ## What each pipeline costs
#
# One end-to-end run per variant, measured above in this run and on this
# machine: the attribution maps of the chosen tasks, the seqlet calls and
# TF-MoDISco. TOMTOM is listed apart: it does not depend on the attribution
# variant beyond the number of patterns. DeepLIFT/SHAP used
# {glue:text}`n_shuffles` dinucleotide-shuffled references per sequence
# (tangermeme's default is 20; its cost grows linearly with the number).

# %%
cost = pd.DataFrame({"attribution (s)": attr_seconds, "seqlets (s)": seqlet_seconds,
                     "TF-MoDISco (s)": modisco_seconds, "TOMTOM (s)": tomtom_seconds})
cost["pipeline (s)"] = cost[["attribution (s)", "seqlets (s)", "TF-MoDISco (s)"]].sum(axis=1)
cost["attribution share"] = cost["attribution (s)"] / cost["pipeline (s)"]
cost["× TISM pipeline"] = cost["pipeline (s)"] / cost.loc["TISM", "pipeline (s)"]
glue("cost_tism", float(cost.loc["TISM", "pipeline (s)"]), "{:.1f}")
glue("cost_ism", float(cost.loc["ISM", "pipeline (s)"]), "{:.1f}")
glue("cost_dls", float(cost.loc["DeepLIFT/SHAP", "pipeline (s)"]), "{:.1f}")
glue("share_attr_ism", float(cost.loc["ISM", "attribution share"]), "{:.3f}")
glue("share_attr_tism", float(cost.loc["TISM", "attribution share"]), "{:.3f}")
glue("speedup_ism", float(cost.loc["ISM", "× TISM pipeline"]), "{:.1f}")
glue("speedup_dls", float(cost.loc["DeepLIFT/SHAP", "× TISM pipeline"]), "{:.1f}")
show(cost)

# %% [markdown]
# On {glue:text}`n_test:,.0f` sequences and {glue:text}`n_tasks_used` tasks
# the TISM pipeline took {glue:text}`cost_tism:.3g` s, of which the
# attribution step was a share of {glue:text}`share_attr_tism:.3g`; the ISM
# pipeline {glue:text}`cost_ism:.3g` s ({glue:text}`speedup_ism:.3g` times
# TISM's), its attribution a share of {glue:text}`share_attr_ism:.3g`; the
# DeepLIFT/SHAP pipeline {glue:text}`cost_dls:.3g` s
# ({glue:text}`speedup_dls:.3g` times). These are measured wall-clock times
# on this run's device. ISM's cost grows with the sequence length (3 L
# passes), DeepLIFT/SHAP's with the number of references and of tasks, TISM's
# with neither, while seqlets and TF-MoDISco cost about the same for every
# variant; on longer sequences or larger models the attribution share of ISM
# and DeepLIFT/SHAP only grows (chapter 3).
#
# ## The same pipeline on Beluga
#
# On Beluga we insert sampled sites of five factor families (AP-1, CTCF,
# ETS, GATA, CEBP; JASPAR 2024) into the central 200 bp of random 2-kb
# sequences (`sequences.motif_sequences`, as in chapter 4) and explain
# target 267, H1-hESC JunD, whose motif is AP-1. Exact ISM of 2 kb costs
# about 6,000 Beluga forward passes per sequence, so this section uses TISM
# and DeepLIFT/SHAP only, with few sequences and references.

# %%
beluga, info = tt.load_beluga(weights, device=device)
names = tt.target_names()
target = 267
b_start, b_end = 900, 1100
Xb, b_sites = motif_sequences(P["beluga_n"], jaspar_pwms(JASPAR_IDS), b_start, b_end, length=2000,
                              random_state=seed)
t0 = time.perf_counter()
b_tism = tt.corrected(tt.gradient(beluga, Xb, target, batch_size=4))
b_tism_s = time.perf_counter() - t0
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    b_dls = tt.deep_lift_shap(beluga, Xb, target, n_shuffles=P["beluga_shuffles"], random_state=seed,
                              hypothetical=True, batch_size=4)
b_dls_s = time.perf_counter() - t0
print(f"weights: {info.label}")
print(f"target {target}: {names[target]}; {len(Xb)} sequences; TISM {b_tism_s:.1f} s, "
      f"DeepLIFT/SHAP ({P['beluga_shuffles']} references) {b_dls_s:.1f} s")

# %% [markdown]
# Seqlets of each map, scored against the inserted AP-1 sites (the factor
# target 267 measures) and against all inserted sites, and TF-MoDISco on the
# handful of sequences, its patterns matched by TOMTOM as above:

# %%
ap1_sites = b_sites[b_sites.motif == "AP-1"]
b_rows, b_patterns = [], {}
for v, hyp in [("TISM", b_tism), ("DeepLIFT/SHAP", b_dls)]:
    s = sq.call_seqlets(hyp, Xb)
    row = {"variant": v, "seqlets": len(s)}
    for label, sites in [("AP-1", ap1_sites), ("any inserted", b_sites)]:
        sc = sq.seqlet_scores(s, sites) if len(sites) else {"precision": np.nan, "recall": np.nan}
        row[f"precision ({label})"] = sc["precision"]
        row[f"recall ({label})"] = sc["recall"]
    row["chance precision (any inserted)"] = sq.chance_precision(s, b_sites, 2000, random_state=seed)
    b_patterns[v] = motifs.modisco_patterns(hyp, Xb, min_metacluster_size=10, final_min_cluster_size=5,
                                            n_leiden_runs=P["n_leiden_runs"])
    b_match = motifs.match_patterns(b_patterns[v], database, {"AP-1": JASPAR_IDS["AP-1"]})
    row["TF-MoDISco patterns"] = len(b_patterns[v])
    row["patterns matching AP-1 (q < 0.05)"] = int((~b_match.spurious).sum()) if len(b_match) else 0
    b_rows.append(row)
beluga_table = pd.DataFrame(b_rows).set_index("variant")
glue("beluga_n", len(Xb))
glue("beluga_ap1_patterns_tism", int(beluga_table.loc["TISM", "patterns matching AP-1 (q < 0.05)"]))
glue("beluga_prec_tism", float(beluga_table.loc["TISM", "precision (any inserted)"]), "{:.3f}")
glue("beluga_chance_tism", float(beluga_table.loc["TISM", "chance precision (any inserted)"]), "{:.3f}")
print("trained weights: the table can be read as Beluga's motifs" if info.trained else
      "untrained weights: the table shows that the pipeline runs, not what Beluga learned")
show(beluga_table, caption=f"Motif pipeline on {info.label}, target {target} ({names[target]}), {len(Xb)} sequences")

# %% [markdown]
# On these {glue:text}`beluga_n` sequences, TISM's seqlets overlap an
# inserted site with precision {glue:text}`beluga_prec_tism:.3g` (chance
# {glue:text}`beluga_chance_tism:.3g`), and
# {glue:text}`beluga_ap1_patterns_tism` TISM patterns match AP-1.
# **What this shows depends on the weights** (see the table's caption).
# With the published weights, target 267's attributions should concentrate on
# the AP-1 sites (TGA(C/G)TCA), and TF-MoDISco, given more sequences than the
# quick profile uses, should return an AP-1 pattern. With the untrained
# fallback (offline, as in CI) the network has learned nothing: seqlets land
# on whatever the random filters respond to, matches to FOS/JUN are chance,
# and the section only shows that the pipeline runs end to end on a 2-kb,
# 2,002-output model at TISM's cost. Do not read biology into it.

# %%
fig, axes = plt.subplots(2, 1, figsize=(11, 4.2), constrained_layout=True)
i_show = int(ap1_sites.sequence.iloc[0]) if len(ap1_sites) else 0
lo, hi = b_start - 20, b_end + 20
for ax, (v, hyp) in zip(axes, [("TISM", b_tism), ("DeepLIFT/SHAP", b_dls)]):
    plot_logo((hyp[i_show] * Xb[i_show])[:, lo:hi], ax=ax)
    for r in b_sites[b_sites.sequence == i_show].itertuples():
        ax.axvspan(r.start - lo - 0.5, r.end - lo - 0.5, color="C1" if r.motif == "AP-1" else "grey", alpha=0.15)
        ax.text(r.start - lo, ax.get_ylim()[1] * 0.85, r.motif, fontsize=7)
    ax.set_ylabel(f"{v}\ncontribution")
axes[-1].set_xlabel(f"position − {lo} (bp)")
axes[0].set_title(f"Sequence {i_show}, target {target} ({names[target]}) | {info.label}", fontsize=9)
plt.show()

# %% [markdown]
# **Figure 3.** TISM (top) and DeepLIFT/SHAP (bottom) contributions of the
# observed bases around the inserted sites (shaded; orange: AP-1) of one
# Beluga test sequence, for target 267. The title carries the weights'
# provenance: with untrained weights the maps show no motif.
#
# ## Summary
#
# * On a model trained on sequences with planted JASPAR motifs, the standard
#   pipeline (seqlets → TF-MoDISco → TOMTOM against JASPAR 2024) recovered
#   {glue:text}`recovered_tism` of {glue:text}`n_planted` planted (task,
#   motif) pairs from TISM, {glue:text}`recovered_ism` from exact ISM,
#   {glue:text}`recovered_gxi` from gradient×input and
#   {glue:text}`recovered_dls` from DeepLIFT/SHAP
#   ({glue:text}`n_tasks_used` tasks, {glue:text}`n_test:,.0f` held-out
#   sequences, this run).
# * Seqlets: ISM's overlap driving sites with precision
#   {glue:text}`prec_ism:.3g` (chance {glue:text}`chance_ism:.3g`, asserted
#   above chance) and recall {glue:text}`rec_ism:.3g`; TISM's with precision
#   {glue:text}`prec_tism:.3g` and recall {glue:text}`rec_tism:.3g`.
# * TISM and ISM motif sets: {glue:text}`share_tism_in_ism:.3g` of TISM's
#   patterns have a significant ISM counterpart; TISM recovers
#   {glue:text}`n_both_recovered` of ISM's {glue:text}`n_ism_recovered`
#   (task, motif) pairs and {glue:text}`n_tism_only` that ISM misses.
# * Cost, measured end to end: TISM {glue:text}`cost_tism:.3g` s, ISM
#   {glue:text}`cost_ism:.3g` s ({glue:text}`speedup_ism:.3g` ×),
#   DeepLIFT/SHAP {glue:text}`cost_dls:.3g` s ({glue:text}`speedup_dls:.3g` ×);
#   ISM's attribution step is a share of {glue:text}`share_attr_ism:.3g` of its
#   pipeline, TISM's {glue:text}`share_attr_tism:.3g`.
# * What a reader gains by feeding TISM: the attribution step stops being
#   the bottleneck; what they may lose is read off the recovery table and the
#   spurious patterns above, for this model and these sizes. The quick
#   profile's counts are small; the default and full profiles give firmer ones.

# %%
glue("runtime_minutes", (time.perf_counter() - t_start) / 60, "{:.1f}")

# %% [markdown]
# This run took {glue:text}`runtime_minutes:.1f` minutes after the imports.
#
# ## Exercises
#
# Solutions are folded under each exercise: try first, then open them.
#
# ````{exercise}
# :label: motifs-threshold
#
# Give `seqlets.call_seqlets` a stricter threshold (1e-4): how do the
# precision and recall of each variant move along the PR curves?
# ````
#
# ````{solution} motifs-threshold
# :class: dropdown
#
# A stricter threshold keeps only the most significant seqlets, so each
# variant calls fewer of them: its PR curve gets shorter, recall falls, and
# precision usually rises because the seqlets that remain are the strongest
# spans, which tend to be planted sites. Compare the new `scores` table with
# the chapter's: a variant whose precision rises a lot was calling many weak
# false seqlets; one whose recall collapses had planted sites only among its
# weaker spans.
# ````
#
# ````{exercise}
# :label: motifs-centering
#
# Run TF-MoDISco on ISM maps that are *not* centered (`tt.ism` directly):
# which patterns change, and why does centering matter for hypothetical
# contributions?
# ````
#
# ````{solution} motifs-centering
# :class: dropdown
#
# Raw ISM is zero at the reference base and puts every effect on the
# alternatives. TF-MoDISco multiplies the hypothetical map by the one-hot
# sequence to get the actual contributions, so with raw ISM every
# contribution is zero: there are no seqlets and no patterns (or only noise).
# Centering (Eq. 4) subtracts the mean over the four bases, which puts
# $-\tfrac14\sum_b \mathrm{ISM}(l, b)$ on the reference base: a base whose
# mutation hurts the prediction gets a positive contribution. Hypothetical
# contributions must be centered for the same reason the corrected gradient is
# (chapter 1).
# ````
#
# ````{exercise}
# :label: motifs-sample-size
#
# Raise `n_attr` until the cooperative pair's motifs (AP-1, NFAT) are
# recovered in task 0: which variant needs the fewest sequences?
# ````
#
# ````{solution} motifs-sample-size
# :class: dropdown
#
# The cooperative pair drives a label only in sequences that carry both
# sites, a minority of the simulated sequences, so its seqlets are rare and
# TF-MoDISco needs enough of them to form a pattern. Increase `n_attr` in
# `profiles.MOTIF_DISCOVERY` (or pass more held-out sequences) and rerun the
# recovery table for task 0. The cheap variants (TISM, gradient×input) make
# large `n_attr` affordable; ISM and DeepLIFT/SHAP cost more per sequence, so
# the practical answer weighs recovery against the pipeline time the chapter
# measures.
# ````

