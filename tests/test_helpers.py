"""The small helpers: cache seeding, glue, and the shared plotting convention."""

import hashlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from tism_tutorial import (  # noqa: E402
    plot_attribution,
    plot_overview,
    weights,  # noqa: E402
)
from tism_tutorial.book import glue  # noqa: E402
from tism_tutorial.cache import seed_from  # noqa: E402


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A one-file registry and an empty cache in tmp_path."""
    monkeypatch.setenv("TISM_TUTORIAL_DATA", str(tmp_path / "cache"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "names.txt").write_text("a\nb\n")
    digest = hashlib.sha256(b"a\nb\n").hexdigest()
    monkeypatch.setattr(weights, "REGISTRY", {"names.txt": ("http://127.0.0.1:9/names.txt", f"sha256:{digest}")})
    return src


def test_seed_from_copies_a_file_with_the_pinned_hash(registry, tmp_path):
    """A registry file with the right hash is copied into the cache, once."""
    assert seed_from(registry) == ["names.txt"]
    assert (tmp_path / "cache" / "names.txt").read_text() == "a\nb\n"
    assert seed_from(registry) == []


def test_seed_from_refuses_a_file_with_the_wrong_hash(registry, tmp_path):
    """A registry file whose hash differs raises ValueError naming it and is not copied."""
    (registry / "names.txt").write_text("tampered\n")
    with pytest.raises(ValueError, match="names.txt"):
        seed_from(registry)
    assert not (tmp_path / "cache" / "names.txt").exists()


def test_glue_prints_name_and_formatted_value(capsys):
    """glue prints the value it stores, formatted, so Colab readers see it too."""
    glue("answer", 0.123456, "{:.2f}")
    assert "answer = 0.12" in capsys.readouterr().out


def test_glue_prints_numbers_rounded_by_default(capsys):
    """Without a format, floats print to four significant digits and integers with thousands separators."""
    import numpy as np

    glue("ratio", 428704.1028992826)
    glue("share", np.float64(0.0076776499554398))
    glue("pairs", 1750009)
    glue("label", "measured")
    out = capsys.readouterr().out.splitlines()
    assert out == ["ratio = 428,700", "share = 0.007678", "pairs = 1,750,009", "label = measured"]


def test_plot_attribution_draws_logo_and_heatmap_with_titles():
    """One map gives a two-panel figure: logo over heatmap, the weights label in the suptitle."""
    fig = plot_attribution(torch.randn(4, 30), "TISM", start=100, suptitle="UNTRAINED test model")
    axes = fig.axes
    assert "TISM: logo" in axes[0].get_title(loc="left")
    assert "TISM: all four bases" in axes[1].get_title(loc="left")
    assert [t.get_text() for t in axes[1].get_yticklabels()] == list("ACGT")
    assert fig._suptitle.get_text() == "UNTRAINED test model"
    plt.close(fig)


def test_plot_overview_has_one_row_per_map():
    """The overview stacks one logo per map."""
    fig = plot_overview({"a": torch.randn(4, 20), "b": torch.randn(4, 20)}, suptitle="label")
    assert len(fig.axes) == 2
    plt.close(fig)


def test_plotting_rejects_maps_that_are_not_4_by_w():
    """A map that is not (4, W) raises ValueError naming it."""
    with pytest.raises(ValueError, match="values"):
        plot_attribution(torch.randn(3, 10), "bad")


def test_logo_and_heatmap_share_columns_and_tick_labels():
    """Column j of the logo and of the heatmap sit at the same x and carry the label start + j."""
    values = torch.randn(4, 30, generator=torch.Generator().manual_seed(0))
    fig = plot_attribution(values, "aligned", start=990)
    ax_logo, ax_heat = fig.axes[:2]
    assert ax_logo.get_xlim() == ax_heat.get_xlim() == (-0.5, 29.5)
    assert [t.get_text() for t in ax_logo.get_xticklabels()] == [t.get_text() for t in ax_heat.get_xticklabels()]
    assert ax_logo.get_xticklabels()[0].get_text() == f"{990 + int(ax_logo.get_xticks()[0]):,}"
    # one colour bar for both panels, so their widths match
    assert len(fig.axes) == 3
    left = [ax.get_position().x0 for ax in (ax_logo, ax_heat)]
    fig.canvas.draw()
    assert ax_logo.get_position().x1 == pytest.approx(ax_heat.get_position().x1, abs=1e-3), left
    plt.close(fig)


def test_highlight_marks_the_interval_on_logo_and_heatmap():
    """A planted motif [1000, 1010) in a window starting at 990 is drawn over columns 10-19."""
    values = torch.randn(4, 30, generator=torch.Generator().manual_seed(1))
    fig = plot_attribution(values, "motif", start=990, highlight=[(1000, 1010)])
    for ax in fig.axes[:2]:
        spans = [p for p in ax.patches if p.get_width() == pytest.approx(10)]
        assert len(spans) == 1, ax.patches
        assert spans[0].get_x() == pytest.approx(9.5)
    plt.close(fig)


@pytest.mark.parametrize("highlight", [[(1010, 1000)], [("a", 3)], 5])
def test_highlight_rejects_bad_intervals(highlight):
    with pytest.raises(ValueError, match="highlight"):
        plot_attribution(torch.zeros(4, 10), "bad", highlight=highlight)


def test_show_rounds_floats_and_marks_missing_values():
    import numpy as np
    import pandas as pd

    from tism_tutorial.book import show

    table = pd.DataFrame({"seconds": [14.537, 0.012, np.nan], "n": [1, 2, 3], "how": ["measured", "x", None]})
    html = show(table, caption="UNTRAINED test").to_html()
    for text in ("14.5", "0.012", "–", "measured", "UNTRAINED test"):
        assert text in html
    assert "14.537" not in html and "nan" not in html.lower().replace("nan-", "")
    assert ">1,230<" in show(pd.Series([1234.5678], name="x")).to_html()


@pytest.mark.parametrize("value, digits, text", [(1234.5678, 3, "1,230"), (428704.1, 4, "428,700"), (12.345, 3, "12.3"),
                                                 (0.0123456, 3, "0.0123"), (1.23456e-5, 3, "1.23e-05"),
                                                 (-0.52161, 3, "-0.522"), (0.0, 3, "0"), (float("nan"), 3, "–"),
                                                 (999.6, 3, "1,000")])
def test_rounded(value, digits, text):
    from tism_tutorial.book import rounded

    assert rounded(value, digits) == text
