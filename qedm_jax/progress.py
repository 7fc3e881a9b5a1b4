"""Progress of long work (grids, lines over masses): a ``tqdm`` bar with an ETA on a terminal,
plain lines when stderr is not a terminal (logs, CI), nothing when switched off.

``progress(total, desc, enabled)`` returns a reporter with ``update(n=1, note="")``,
``write(message)`` and ``close()`` (also a context manager). Library functions take
``progress: bool`` (default False); the command line switches it on unless ``--quiet``.
"""

from __future__ import annotations

import sys
import time

__all__ = ["progress", "Reporter"]


class Reporter:
    """Progress of ``total`` units of work (abstract behaviour shared by the three modes).

    Attributes:
        total: units of work (>= 0).
        desc: what is being done (one short phrase).
    """

    def __init__(self, total: int, desc: str, mode: str):
        self.total, self.desc, self.mode = int(total), desc, mode
        self.done = 0
        self._start = time.perf_counter()
        self._bar = None
        if mode == "bar":
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=desc, unit="pt", dynamic_ncols=True, file=sys.stderr)

    def update(self, n: int = 1, note: str = "") -> None:
        """Count ``n`` finished units; ``note`` is shown beside the bar or in the line.

        Bar: advances the bar by ``n``. Lines: prints one line to stderr with the count, the
        elapsed time and the ETA [s]. Off: only counts.

        Args:
            n: finished units (``int(n)`` is used).
            note: short text shown with the progress ("" for none).

        Returns:
            None.

        Raises:
            AttributeError: in bar mode after ``close()`` (the bar is gone).
        """
        self.done += int(n)
        if self.mode == "bar":
            if note:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(int(n))
        elif self.mode == "lines":
            elapsed = time.perf_counter() - self._start
            eta = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
            text = f"{self.desc}: {self.done}/{self.total}, {elapsed:.1f} s elapsed, ETA {eta:.0f} s"
            print(text + (f" ({note})" if note else ""), file=sys.stderr, flush=True)

    def write(self, message: str) -> None:
        """One message line (kept above the bar on a terminal; dropped when switched off).

        Args:
            message: the line, without a trailing newline; written to stderr.

        Returns:
            None.

        Raises:
            AttributeError: in bar mode after ``close()`` (the bar is gone).
        """
        if self.mode == "bar":
            self._bar.write(message, file=sys.stderr)
        elif self.mode == "lines":
            print(message, file=sys.stderr, flush=True)

    def close(self) -> None:
        """End the bar (nothing to do in lines or off mode); calling it again does nothing.

        Returns:
            None.
        """
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def progress(total: int, desc: str, enabled: bool = True) -> Reporter:
    """A progress reporter: a tqdm bar when stderr is a terminal, plain lines otherwise.

    Args:
        total: units of work.
        desc: what is being done.
        enabled: False gives a silent reporter.

    Returns:
        ``Reporter`` in mode "off" (``enabled`` False), "bar" (stderr is a terminal) or "lines".

    Raises:
        TypeError, ValueError: a ``total`` that ``int()`` does not accept.
        ImportError: tqdm is missing (a declared dependency), only in bar mode.
    """
    if not enabled:
        return Reporter(total, desc, "off")
    return Reporter(total, desc, "bar" if sys.stderr.isatty() else "lines")
