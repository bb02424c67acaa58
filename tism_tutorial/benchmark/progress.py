"""One progress line for a long benchmark: updated in place in a notebook, a transient tqdm bar elsewhere."""

from __future__ import annotations

import sys
import time


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """Count finished steps of ``total``; show them on a single line.

    In a Jupyter kernel (a notebook, Colab, papermill) the line is one
    display output updated in place, so the executed notebook keeps one line,
    not one per refresh; elsewhere it is a tqdm bar on stderr that is removed
    when done (``leave=False``).

    Parameters
    ----------
    total: int
        Expected number of steps (an estimate; the count may exceed it).
    desc: str
        Label of the line.
    """

    def __init__(self, total: int, desc: str):
        self.total, self.desc, self.n, self._t0 = max(1, int(total)), desc, 0, time.perf_counter()
        self._handle = self._bar = None
        if _in_kernel():
            from IPython.display import Pretty, display

            self._handle = display(Pretty(self._text()), display_id=True)
        else:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=desc, leave=False, file=sys.stderr)

    @staticmethod
    def _pretty(text: str):
        from IPython.display import Pretty

        return Pretty(text)

    def _text(self, done: bool = False) -> str:
        minutes = (time.perf_counter() - self._t0) / 60
        if done:
            return f"{self.desc}: done, {self.n} steps in {minutes:.1f} min"
        return f"{self.desc}: {min(self.n, self.total)} of about {self.total} steps, {minutes:.1f} min so far"

    def update(self) -> None:
        """One more step finished."""
        self.n += 1
        if self._handle is not None:
            self._handle.update(self._pretty(self._text()))
        elif self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        """Show the final line (notebook) or remove the bar (terminal)."""
        if self._handle is not None:
            self._handle.update(self._pretty(self._text(done=True)))
        elif self._bar is not None:
            self._bar.close()
