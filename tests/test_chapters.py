"""Execute every chapter with papermill in its quick profile: the book is the test suite.

Each chapter's assertions (identities, agreement between methods) run here, so
a chapter that computes something wrong fails the tests, not just one that
crashes. The executed copies are written to book/notebooks/ (ignored by git),
where `make html` builds the book from them: CI builds the book from the very
notebooks the tests executed. The committed notebooks stay without outputs.
"""

import os
from pathlib import Path

import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_chapters():
    """The glob finds the chapters (guards against a silently empty parametrisation)."""
    assert len(CHAPTERS) >= 1


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_executes(chapter):
    """The chapter runs top to bottom under papermill with profile='quick' and no error."""
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
    assert out.exists()
