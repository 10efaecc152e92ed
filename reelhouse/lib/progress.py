"""Progress for long jobs: a bar with rows/s and ETA on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 28


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Reports `update(rows, done)` where `done` counts toward `total` (bytes read, usually).

    On a terminal it redraws one line at most ten times a second; elsewhere (CI, logs) it writes a
    line every `log_every` seconds, so a pipe is never flooded.
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        stream: TextIO | None = None,
        log_every: float = 10.0,
    ) -> None:
        self.label = label
        self.total = total or None
        self.stream = stream or sys.stderr
        self.is_tty = self.stream.isatty()
        self.log_every = log_every
        self.started = time.monotonic()
        self._last = 0.0
        self.rows = 0
        self.done = 0

    def update(self, rows: int, done: int | None = None) -> None:
        self.rows = rows
        if done is not None:
            self.done = done
        now = time.monotonic()
        if now - self._last < (0.1 if self.is_tty else self.log_every):
            return
        self._last = now
        self._write(self._line(now), final=False)

    def finish(self, note: str = "") -> None:
        line = self._line(time.monotonic(), finished=True)
        self._write(f"{line}{' ' + note if note else ''}", final=True)

    def _line(self, now: float, *, finished: bool = False) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = self.rows / elapsed
        parts = [self.label]
        if self.total and not finished:
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * BAR_WIDTH)
            parts.append(f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction:4.0%}")
        parts.append(f"{self.rows:,} rows")
        parts.append(f"{rate:,.0f} rows/s")
        if finished:
            parts.append(f"in {_clock(elapsed)}")
        elif self.total and self.done:
            parts.append(f"ETA {_clock(elapsed * (self.total - self.done) / self.done)}")
        return "  ".join(parts)

    def _write(self, line: str, *, final: bool) -> None:
        if self.is_tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
