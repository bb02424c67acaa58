"""Fast tests of the tism_tutorial.benchmark package: pure helpers, records, tables and the methods on tiny models.

No test asserts a time: machines are noisy. The chapter (tests/test_chapters.py)
runs the benchmark itself in its quick profile.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch.utils.benchmark import Measurement
from torch.utils.benchmark.utils.common import TaskSpec

import tism_tutorial as tt
from tism_tutorial import benchmark as bm
from tism_tutorial import paper, profiles
from tism_tutorial.attributions import ism_reference_loop, tism_reference_loop


def random_one_hot(n: int, length: int, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    """Random one-hot DNA of shape (n, 4, length), A, C, G, T."""
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=gen)
    return torch.nn.functional.one_hot(idx, 4).transpose(1, 2).to(dtype)


def _tiny_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv1d(4, 5, 5), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(5 * 26, 6)).eval()


@pytest.fixture
def tiny():
    """A small float32 conv model with 6 outputs on 30-bp sequences."""
    return _tiny_model()


# ---- extrapolation --------------------------------------------------------


def test_fit_linear_recovers_an_exact_line():
    units = [10.0, 40.0, 100.0]
    fit = bm.fit_linear(units, [2 + 0.5 * u for u in units])
    assert fit.intercept == pytest.approx(2.0)
    assert fit.slope == pytest.approx(0.5)


def test_one_point_is_proportional():
    seconds, fit = bm.extrapolate([61], [3.05], 6001)
    assert fit.intercept == 0
    assert seconds == pytest.approx(3.05 * 6001 / 61)


def test_negative_intercept_is_clipped_to_zero():
    fit = bm.fit_linear([1, 2, 3], [0.5, 2.0, 3.0])  # least squares intercept is negative
    assert fit.intercept == 0
    assert fit.slope > 0
    assert fit(0) == 0


def test_intercept_is_at_most_the_smallest_time():
    fit = bm.fit_linear([1, 2], [5.0, 5.0 + 1e-12])
    assert 0 <= fit.intercept <= 5.0
    assert fit.slope > 0


def test_extrapolation_of_a_fixed_cost_plus_per_variant_cost():
    # fastISM-like: 10 s to capture the model, 0.01 s per variant; two subsets
    basis_units = [bm.ism_forward_passes(1, 10), bm.ism_forward_passes(1, 30)]
    seconds = [10 + 0.01 * u for u in basis_units]
    full = bm.ism_forward_passes(10, 2000)
    predicted, _ = bm.extrapolate(basis_units, seconds, full)
    assert predicted == pytest.approx(10 + 0.01 * full)


@pytest.mark.parametrize("units, seconds, match", [
    ([], [], "non-empty"), ([1, 2], [1.0], "equal length"), ([0, 1], [1, 2], "units"),
    ([1, 2], [1, -2], "seconds"), ([1, float("nan")], [1, 2], "units"),
])
def test_fit_linear_rejects_bad_points(units, seconds, match):
    with pytest.raises(ValueError, match=match):
        bm.fit_linear(units, seconds)


def test_extrapolate_rejects_a_bad_target():
    with pytest.raises(ValueError, match="target_units"):
        bm.extrapolate([1], [1.0], 0)


def test_ism_forward_passes():
    assert bm.ism_forward_passes(1, 2000) == 6001
    assert bm.ism_forward_passes(10, 251) == 10 * 754
    with pytest.raises(ValueError, match="width"):
        bm.ism_forward_passes(1, 0)
    with pytest.raises(ValueError, match="n_sequences"):
        bm.ism_forward_passes(1.5, 10)


def test_crossover():
    fit = bm.LinearFit(1.0, 0.5)
    assert bm.crossover(fit, 11.0) == pytest.approx(20.0)
    assert bm.crossover(bm.LinearFit(1.0, 0.0), 5.0) == math.inf
    with pytest.raises(ValueError, match="seconds"):
        bm.crossover(fit, 0)


def test_theoretical_speedup_is_3L_over_batch():
    assert bm.theoretical_speedup(2000) == pytest.approx(300.0)
    assert bm.theoretical_speedup(1000, 10) == pytest.approx(300.0)
    np.testing.assert_allclose(bm.theoretical_speedup(np.array([251, 20000])), [37.65, 3000.0])
    with pytest.raises(ValueError, match="length"):
        bm.theoretical_speedup(0)
    with pytest.raises(ValueError, match="batch_size"):
        bm.theoretical_speedup(100, 0)


def test_subset_widths_hold_whole_batches():
    assert bm.subset_widths(20, (3,), 2000) == [20]  # 60 variants = 3 batches of 20
    assert bm.subset_widths(32, (1, 3), 2000) == [11, 32]
    assert bm.subset_widths(512, (3, 9), 251) == [251]  # never longer than the sequence


# ---- records, profiles, environment --------------------------------------


def _timing(seconds, peak=1000):
    """A torch Measurement of one call of ``seconds``, with the peak memory measure() stores."""
    return Measurement(1, [seconds], TaskSpec(stmt="call()", setup="pass"),
                       metadata={"peak_memory_bytes": peak, "memory_kind": "peak_rss"})


def test_extrapolated_record_marks_and_keeps_its_basis():
    rec = bm.extrapolated_record([(61, _timing(1.0)), (181, _timing(2.0, peak=5000))], 6001, "forward passes",
                                 sweep="sequences", method=bm.ISM_20, length=2000, n_sequences=1, n_targets=1,
                                 batch_size=20, target_batch_size=None)
    assert rec.extrapolated
    assert rec.basis == [[61.0, 1.0], [181.0, 2.0]]
    assert rec.seconds == pytest.approx(rec.fit[0] + rec.fit[1] * 6001)
    assert rec.peak_memory_bytes == 5000  # memory of the largest measured subset
    json.dumps(rec.to_dict())
    with pytest.raises(ValueError, match="basis"):
        bm.extrapolated_record([], 10, "targets")


def test_measured_record_is_not_extrapolated():
    rec = bm.measured_record(_timing(0.25), sweep="length", method=bm.TISM_BATCHED, length=251, n_sequences=10,
                             n_targets=1, batch_size=16, target_batch_size=None, env={"device": "cpu"})
    assert not rec.extrapolated and rec.seconds == 0.25 and rec.env == {"device": "cpu"}
    assert rec.iqr == 0 and rec.peak_memory_bytes == 1000


def test_configs_come_from_the_profiles(monkeypatch):
    assert bm.get_config("quick").name == "quick"
    assert bm.get_config("default", "cpu").name == "quick"  # no GPU: "default" means "quick"
    assert bm.get_config("quick", target=53).target == 53
    with pytest.raises(ValueError, match="profile"):
        bm.get_config("fast")
    with pytest.raises(ValueError, match="unknown Config field"):
        bm.get_config("quick", n_sequence=3)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert bm.get_config("default", "cuda").name == "default"
    configs = {name: bm.get_config(name, "cuda") for name in profiles.NAMES}
    assert configs["quick"].max_length <= 5000  # the 20-kb network (6.3 GB) is for GPUs
    full = configs["full"]  # the paper's sizes
    assert set(paper.TABLE1) <= set(full.n_sequences) and full.tism_max_n >= max(paper.TABLE1)
    assert set(paper.TABLE2) <= set(full.lengths) and full.max_length >= max(paper.TABLE2)
    for cfg in configs.values():  # the like-for-like rows are at the paper's lengths and N
        assert cfg.aitac_lengths and set(cfg.aitac_lengths) <= set(paper.TABLE2)
        assert cfg.n_length == paper.TABLE2_N


def test_environment_records_what_the_issue_asks_for():
    env = bm.environment("cpu", torch.float32)
    for key in ("device", "device_name", "dtype", "torch", "threads"):
        assert key in env
    assert env["dtype"] == "float32" and env["threads"] == torch.get_num_threads()
    json.dumps(env)


def test_measure_returns_a_torch_measurement_with_memory():
    calls = []
    m, out = bm.measure(lambda: calls.append(1) or len(calls), "cpu", min_run_time=0.0, keep_output=True)
    assert isinstance(m, Measurement)
    assert len(calls) >= 4  # one warm-up, at least min_repeats=3 timed calls
    assert out == len(calls)
    assert m.median > 0 and len(m.times) >= 3
    peak, kind = bm.peak_memory(m)
    assert kind in ("peak_rss", "peak_rss_since_start") and (peak is None or peak >= 0)
    calls.clear()
    bm.measure(lambda: calls.append(1), "cpu", min_run_time=0.0, min_repeats=1)
    assert len(calls) >= 2
    with pytest.raises(ValueError, match="min_repeats"):
        bm.measure(lambda: None, "cpu", min_repeats=0)
    with pytest.raises(ValueError, match="min_run_time"):
        bm.measure(lambda: None, "cpu", min_run_time=-1)
    with pytest.raises(ValueError, match="fn"):
        bm.measure(None, "cpu")


def test_peak_memory_sees_a_large_allocation():
    with bm.PeakMemory("cpu") as mem:
        x = torch.ones(64 * 2**20 // 4)  # 64 MiB
        x += 1
    del x
    assert mem.peak is not None
    if mem.kind == "peak_rss":
        assert mem.peak >= 32 * 2**20


def test_relative_difference():
    b = torch.tensor([1.0, -2.0], dtype=torch.float64)
    assert bm.relative_difference(b + 2e-5, b) == pytest.approx(1e-5)
    with pytest.raises(ValueError, match="shape"):
        bm.relative_difference(b, b[:1])


def test_save_and_load_round_trip(tmp_path):
    rec = bm.measured_record(_timing(0.5), sweep="targets", method=bm.TISM_LOOP, length=2000, n_sequences=1,
                             n_targets=10, batch_size=1, target_batch_size=None)
    results = {"records": [rec.to_dict()], "crossovers": {bm.ISM_20: math.inf}}
    back = bm.load(bm.save(results, tmp_path / "r.json"))
    assert back["crossovers"][bm.ISM_20] == math.inf
    assert back["records"][0]["seconds"] == 0.5
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(ValueError, match="records"):
        bm.load(tmp_path / "bad.json")


def test_tables_mark_extrapolated_values():
    env = {}
    fields = dict(sweep="sequences", length=2000, n_targets=1, target_batch_size=None, env=env)
    recs = [bm.measured_record(_timing(0.2), method=bm.TISM_BATCHED, n_sequences=10, batch_size=16, **fields),
            bm.extrapolated_record([(61, _timing(1.0))], bm.ism_forward_passes(10, 2000), "forward passes",
                                   method=bm.ISM_20, n_sequences=10, batch_size=20, **fields)]
    results = {"records": [r.to_dict() for r in recs], "profile": {"n_length": 10, "lengths": [2000],
                                                                   "length": 2000}}
    t1 = bm.table_sequences(results)
    assert t1.loc[10, "ISM, batch 20 (s)"].endswith("*")
    assert not t1.loc[10, "TISM (s)"].endswith("*")
    assert t1.loc[10, "speed-up"].endswith("x*")  # a ratio with an extrapolated term is marked too
    assert t1.loc[1000, "paper ISM (s)"] == "2,383"  # at most 4 significant digits
    assert t1.loc[1000, "paper TISM (s)"] == "10.63"
    assert t1.loc[1000, "TISM (s)"] == bm.MISSING
    assert bm.table_lengths(results).loc["20,000", "paper speed-up"] == "8,170x"
    sp = bm.speedups(results, "sequences", "n_sequences")
    assert sp[10][1] is True and sp[10][0] == pytest.approx(60010 / 61 / 0.2)
    cells = [c for t in (t1, bm.table_lengths(results)) for c in t.to_numpy().ravel()]
    assert not any("nan" in c.lower() for c in cells)


@pytest.mark.parametrize("value, sig, text", [
    (2382.91, 4, "2,383"), (0.15342, 3, "0.153"), (12345.6, 3, "12,300"), (99.96, 3, "100"), (3.0, 3, "3"),
    (float("nan"), 3, "–"), (None, 3, "–"), (float("inf"), 3, "–"),
])
def test_fmt_sig_rounds_and_separates(value, sig, text):
    assert bm.fmt_sig(value, sig) == text
    assert bm.round_sig(0.0) == 0.0 and bm.round_sig(123456, 2) == 120000


# ---- the methods, on a tiny model ------------------------------------------


def test_ism_loop_equals_tangermeme(tiny):
    X = random_one_hot(3, 30, seed=2)
    for batch_size in (1, 7, 100):
        ours = ism_reference_loop(tiny, X, [1, 4], start=3, end=17, batch_size=batch_size)
        assert ours.shape == (3, 2, 4, 14)
        assert bm.relative_difference(ours, tt.ism(tiny, X, [1, 4], start=3, end=17)) < 1e-5
    single = ism_reference_loop(tiny, X, 2)
    assert single.shape == (3, 4, 30)
    assert (single * X).abs().max() == 0  # zero at the reference base


def test_ism_loop_rejects_bad_input(tiny):
    X = random_one_hot(1, 30)
    with pytest.raises(ValueError, match="batch_size"):
        ism_reference_loop(tiny, X, 0, batch_size=0)
    with pytest.raises(ValueError, match="window"):
        ism_reference_loop(tiny, X, 0, start=10, end=5)
    with pytest.raises(ValueError, match="target"):
        ism_reference_loop(tiny, X, 6)
    with pytest.raises(ValueError, match="one-hot"):
        ism_reference_loop(tiny, X * 2, 0)


def test_reference_loop_equals_batched_tism(tiny):
    X = random_one_hot(3, 30, seed=3)
    for target in (2, [0, 3, 5]):
        loop = tism_reference_loop(tiny, X, target)
        batched = bm.tism_batched(tiny, X, target, batch_size=2, target_batch_size=2)
        assert loop.shape == batched.shape
        assert bm.relative_difference(batched, loop) < 1e-5
    with pytest.raises(ValueError, match="target"):
        tism_reference_loop(tiny, X, 9)


def test_forced_fastism_runs_and_restores_tangermeme(tiny):
    from tangermeme import saturation_mutagenesis as sm

    saved = sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME
    X = random_one_hot(2, 30, seed=4)
    fast = bm.fastism_ism(tiny, X, 1, start=2, end=28, batch_size=8)
    assert (sm._FAST_MIN_SECONDS, sm._FAST_MAX_RELATIVE_TIME) == saved
    assert bm.relative_difference(fast, ism_reference_loop(tiny, X, 1, start=2, end=28)) < 1e-4


def test_aitac_style_is_chapter_5s_network_with_81_outputs():
    net = bm.aitac_style(251, "cpu", seed=1)
    assert not net.training
    assert net(random_one_hot(2, 251)).shape == (2, paper.AITAC_DATA["n_cell_types"])
    again = bm.aitac_style(251, "cpu", seed=1)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters()))  # seeded


def test_method_names_map_to_functions():
    assert bm.ism_function(bm.ISM_20) is ism_reference_loop
    assert bm.tism_function(bm.TISM_LOOP) is tism_reference_loop
    with pytest.raises(ValueError, match="method"):
        bm.ism_function(bm.TISM_BATCHED)


def test_pad_to_and_beluga_style_lengths():
    assert bm.min_beluga_length() == 310
    inner = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 12, 1))
    wrapped = bm.PadTo(inner, 12)
    X = random_one_hot(2, 8)
    padded = torch.nn.functional.pad(X, (2, 2))
    torch.testing.assert_close(wrapped(X), inner(padded))
    with pytest.raises(ValueError, match="longer"):
        wrapped(random_one_hot(1, 13))
    with pytest.raises(ValueError, match="length"):
        bm.beluga_style(0, "cpu")


def test_spread_targets():
    assert bm.spread_targets(1, 2002, 267) == [267]
    ten = bm.spread_targets(10, 2002, 267)
    assert len(set(ten)) == 10 and ten[0] == 267 and max(ten) < 2002
    assert bm.spread_targets(2002, 2002, 267) == list(range(2002))


def test_float32_agreement_compares_on_the_shared_window():
    g = torch.Generator().manual_seed(0)
    full = torch.randn(1, 4, 100, generator=g)
    tism_values = torch.randn(2, 4, 100, generator=g)
    flipped = tism_values.clone()
    flipped[1, :, 40:60] *= 1.05  # a ReLU flip in float32 changes one sequence over a window
    vjp = torch.randn(1, 3, 4, 100, generator=g)
    outputs = {("tism", bm.TISM_BATCHED): flipped, ("tism", bm.TISM_LOOP): tism_values,
               ("vjp", bm.TISM_BATCHED): vjp, ("vjp", bm.TISM_LOOP): vjp.clone(),
               ("ism", bm.ISM_20): [(45, 55, full[..., 45:55])],
               ("ism", bm.TM_FAST): [(40, 60, full[..., 40:60]), (20, 80, full[..., 20:80] * 1.01)]}
    agree = bm.float32_agreement(outputs)
    tism_agree = agree["TISM batched vs reference loop"]
    assert tism_agree["relative_difference"] > 1e-3
    assert tism_agree["sequences_within_rtol"] == 1 and tism_agree["n_sequences"] == 2
    assert 0.85 < tism_agree["fraction_within_rtol"] < 1
    assert agree["multi-target VJPs vs loop over targets"]["relative_difference"] == 0
    ism = {k: v for k, v in agree.items() if "ISM loop, batch 20" in k}
    assert len(ism) == 2 and all(v["window"] == [45, 55] for v in ism.values())
    assert sorted(v["fraction_within_rtol"] for v in ism.values()) == [0.0, 1.0]
    del outputs[("vjp", bm.TISM_LOOP)]
    with pytest.raises(ValueError, match="lacks"):
        bm.float32_agreement(outputs)


TINY = bm.Config(name="tiny", length=30, n_sequences=(1, 2, 4), tism_max_n=2, lengths=(), max_length=0,
                 n_length=2, n_targets=(1, 3, 6), targets_max_t=3, n_targets_sequences=1, ism_batches=(3,),
                 fastism_batches=(1, 3), fastism_batch_size=4, ism_full_budget_s=1.0, tune_candidates=(2, 4),
                 tism_batch_size=2, target_batch_size=2, min_run_time=0.0, check_window=6, aitac_lengths=(50,),
                 target=1)


def test_correctness_checks_on_a_tiny_model(tiny):
    X = random_one_hot(2, 30, seed=5)
    checks = bm.correctness_checks(tiny, X, 1, [0, 2, 3], window=6, tuned_batch_size=4, target_batch_size=2)
    assert len(checks) == 5
    assert all(c["passed"] for c in checks.values()), checks
    assert all(c["relative_difference"] < 1e-12 for c in checks.values())  # float64
    assert next(tiny.parameters()).dtype == torch.float32  # the model itself is untouched


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One benchmark run of the tiny profile on the tiny model: (results, path of its JSON)."""
    path = tmp_path_factory.mktemp("bench") / "tiny.json"
    return bm.run(TINY, _tiny_model(), None, out=path, progress=False), path


def test_run_end_to_end_on_a_tiny_model(tiny_run):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results, path = tiny_run
    assert all(c["passed"] for c in results["checks"].values()), results["checks"]
    assert all(a["relative_difference"] < 1e-4 for a in results["float32_agreement"].values())
    recs = results["records"]
    by = {(r["sweep"], r["method"], r["n_sequences"], r["n_targets"]): r for r in recs}
    # TISM measured up to tism_max_n, extrapolated beyond (a structural rule; whether a whole ISM run
    # fits the time budget depends on the machine's speed, so it is not asserted here)
    assert not by[("sequences", bm.TISM_BATCHED, 2, 1)]["extrapolated"]
    assert by[("sequences", bm.TISM_BATCHED, 4, 1)]["extrapolated"]
    assert by[("targets", bm.TISM_LOOP, 1, 6)]["extrapolated"]
    assert set(results["crossovers"]) == set(bm.ISM_METHODS)
    for r in recs:
        assert r["env"]["threads"] == torch.get_num_threads() and r["env"]["dtype"] == "float32"
    assert set(results["phase_seconds"]) >= {"checks", "Table 1: sequences", "AI-TAC-style rows"}
    back = bm.load(path)
    assert len(back["records"]) == len(recs)
    assert bm.table_sequences(back).loc[2, "TISM (s)"] != bm.MISSING
    assert bm.table_lengths(back).loc["251", "TISM (s, N=2)"] == bm.MISSING
    assert len(bm.table_methods(back, 2)) == 6
    # the AI-TAC-style rows: TISM measured at N = 1 and 2, ISM for every N (measured or extrapolated)
    aitac = [r for r in recs if r["sweep"] == "aitac"]
    assert {(r["method"], r["n_sequences"]) for r in aitac} == {(m, n) for m in (bm.TISM_BATCHED, bm.ISM_20)
                                                                 for n in (1, 2)}
    assert not any(r["extrapolated"] for r in aitac if r["method"] == bm.TISM_BATCHED)
    ta = bm.table_aitac(back)
    assert list(ta.index) == [("50", 1), ("50", 2)] and (ta["paper ISM (s)"] == bm.MISSING).all()
    fig, axes = plt.subplots(1, 3)
    for ax, sweep in zip(axes, ("sequences", "length", "targets")):
        bm.plot_sweep(back, sweep, ax)
    bm.plot_speedups(back, axes[1])
    bm.plot_targets(back, axes[2])
    assert all(ax.get_legend() is not None for ax in axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="sweep"):
        bm.plot_sweep(back, "batch", axes[0])


def test_command_line_writes_the_json(tiny, tiny_run, tmp_path, monkeypatch, capsys):
    import tism_tutorial.benchmark.__main__ as cli
    from tism_tutorial import weights

    info = weights.WeightsInfo("untrained", None, None, "tiny test model")
    calls = []

    def fake_run(cfg, model, info_, out=None):
        calls.append((cfg.name, model, info_.label, cfg.target, cfg.seed))
        bm.save(tiny_run[0], out)
        return tiny_run[0]

    monkeypatch.setattr(weights, "load_beluga", lambda *a, **k: (tiny, info))
    monkeypatch.setattr(cli, "run", fake_run)
    out = tmp_path / "cli.json"
    assert cli.main(["--profile", "quick", "--out", str(out), "--target", "1", "--seed", "3"]) == 0
    assert calls == [("quick", tiny, "tiny test model", 1, 3)]
    assert bm.load(out)["profile"]["name"] == "tiny"
    printed = capsys.readouterr().out
    assert "checks: 5 passed, 0 failed" in printed and str(out) in printed


def test_progress_outside_a_notebook_is_one_transient_bar(capsys):
    from tism_tutorial.benchmark.progress import Progress

    p = Progress(3, "test")
    for _ in range(4):  # more steps than announced is fine
        p.update()
    p.close()
    assert p.n == 4 and p._bar is not None and p._bar.leave is False
