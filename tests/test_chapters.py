"""Execute every chapter with papermill in its quick profile: the book is the test suite.

Each chapter's assertions (identities, agreement between methods) run here, so
a chapter that computes something wrong fails the tests, not just one that
crashes. The executed copies are written to book/notebooks/ (ignored by git),
where `make html` builds the book from them: CI builds the book from the very
notebooks the tests executed. The committed notebooks stay without outputs.

After a chapter runs, its executed copy is read back and checked: every number
its prose quotes with ``{glue:text}`key``` must have been glued by the code, and
no cell may have left an error output.
"""

import os
import re
from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
GLUE_REF = re.compile(r"\{glue:(?:text|)\}`([A-Za-z0-9_]+)(?::[^`]*)?`")


def glue_references(nb: nbformat.NotebookNode) -> set[str]:
    """Keys that the notebook's markdown quotes with ``{glue:text}`` (or ``{glue:}``)."""
    return {m for c in nb.cells if c.cell_type == "markdown" for m in GLUE_REF.findall(c.source)}


def glued_keys(nb: nbformat.NotebookNode) -> set[str]:
    """Keys that the notebook's outputs glued (myst-nb stores them under the ``scrapbook`` metadata)."""
    return {o.get("metadata", {}).get("scrapbook", {}).get("name")
            for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])} - {None}


def test_there_are_chapters():
    """The glob finds the chapters (guards against a silently empty parametrisation)."""
    assert len(CHAPTERS) >= 1


def test_glue_reference_pattern():
    """The checker's pattern finds the keys of both glue roles and ignores format specs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "mean {glue:text}`r_mean:.2f` and {glue:}`fig_a`, not `plain`")])
    assert glue_references(nb) == {"r_mean", "fig_a"}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_executes(chapter):
    """The chapter runs top to bottom under papermill with profile='quick' and quotes only glued numbers."""
    out = ROOT / "book" / "notebooks" / chapter.name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    # Fewer progress-bar refreshes in the executed copy the book is built from.
    os.environ.setdefault("TQDM_MININTERVAL", "15")
    # The tests never download: chapters run on cached files or the untrained fallback,
    # unless TISM_TEST_ONLINE=1 asks for the real weights (about 600 MB, once).
    if os.environ.get("TISM_TEST_ONLINE", "") in ("", "0"):
        os.environ["TISM_TUTORIAL_OFFLINE"] = "1"
    papermill.execute_notebook(str(chapter), str(out), parameters={"profile": "quick"},
                               cwd=str(chapter.parent), kernel_name="python3", progress_bar=False)
    executed = nbformat.read(out, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, f"{chapter.name}: a cell left an error output: {errors[0].get('ename')}"
    missing = glue_references(executed) - glued_keys(executed)
    assert not missing, f"{chapter.name} quotes numbers its code never glued: {sorted(missing)}"
