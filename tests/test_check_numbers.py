"""tools/check_numbers.py finds over-precise numbers in the HTML the book build writes, and skips code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_numbers", ROOT / "tools" / "check_numbers.py")
check_numbers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_numbers)

# The shape of a Jupyter Book chapter page: the whole page sits in a section whose
# classes contain "mathjax_ignore"; a code cell's source and its printed output
# are both rendered inside <div class="highlight">.
PAGE = """<html><body><section class="tex2jax_ignore mathjax_ignore" id="chapter">
<p>The mean is 0.583 and the share <span class="math">0.123456789</span>.</p>
<p>An open paragraph <li>item 1.5</li>
<div class="cell docutils container">
<div class="cell_input docutils container"><div class="highlight"><pre>x = 0.123456789</pre></div></div>
<div class="cell_output docutils container"><div class="output stream highlight-myst-ansi">
<div class="highlight"><pre>{printed}</pre></div></div></div></div>
<table><tr><td>{cell}</td></tr></table>
</section></body></html>"""


def _run(tmp_path, printed="r = 0.584", cell="0.12"):
    page = tmp_path / "notebooks" / "01_chapter.html"
    page.parent.mkdir()
    page.write_text(PAGE.format(printed=printed, cell=cell))
    return check_numbers.main([str(tmp_path)])


def test_clean_page_passes(tmp_path, capsys):
    assert _run(tmp_path) == 0
    assert "decimal numbers read" in capsys.readouterr().out


def test_printed_output_is_checked(tmp_path, capsys):
    """A long float printed by a code cell is found, though outputs are rendered as 'highlight' blocks."""
    assert _run(tmp_path, printed="runtime_minutes = 1.0104423921166623") == 1
    assert "1.0104423921166623" in capsys.readouterr().out


def test_tables_are_checked_and_code_and_math_are_not(tmp_path, capsys):
    assert _run(tmp_path, cell="2092.529") == 1
    out = capsys.readouterr().out
    assert "2092.529" in out
    assert "0.123456789" not in out  # code source and math are skipped


def test_nan_in_a_table_is_found(tmp_path, capsys):
    assert _run(tmp_path, cell="NaN") == 1
    assert "NaN" in capsys.readouterr().out


def test_significant_digits():
    assert check_numbers.significant_digits("0.0056888433011134144") == 17
    assert check_numbers.significant_digits("2,856.5") == 5
    assert check_numbers.significant_digits("4.287e+05") == 4
    assert check_numbers.significant_digits("0.0001234") == 4
