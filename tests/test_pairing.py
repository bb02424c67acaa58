"""Each notebooks/*.ipynb has the same cells as its jupytext .py source, and no outputs."""

from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*.py"))


def _cells(nb):
    return [(c.cell_type, c.source) for c in nb.cells]


def test_every_source_has_a_notebook():
    """Every .py chapter has its paired .ipynb, and vice versa."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [p.stem for p in SOURCES] == [p.stem for p in notebooks]
    assert SOURCES


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_matches_source(source):
    """The committed .ipynb has the .py's cells (run `make sync` after editing a .py)."""
    from_py = jupytext.read(source)
    committed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert _cells(committed) == _cells(from_py), f"{source.with_suffix('.ipynb').name} is stale: run make sync"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_has_no_outputs_and_a_parameters_cell(source):
    """Committed notebooks carry no outputs and tag their papermill parameters cell."""
    nb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") for c in code)
    assert any("parameters" in c.metadata.get("tags", []) for c in code)
