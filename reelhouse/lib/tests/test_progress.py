from __future__ import annotations

import io

import pytest

from reelhouse.lib.progress import Progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("reelhouse.lib.progress.time.monotonic", fake)
    return fake


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_it_draws_a_bar_with_rate_and_eta(clock: FakeClock) -> None:
    out = Terminal()
    bar = Progress("title.basics", 1000, stream=out)
    clock.now += 2
    bar.update(50_000, 250)
    line = out.getvalue()
    assert line.startswith("\r\x1b[2Ktitle.basics  [#######---------------------]  25%")
    assert "50,000 rows  25,000 rows/s  ETA 0:06" in line
    bar.finish()
    assert out.getvalue().endswith("\r\x1b[2Ktitle.basics  50,000 rows  25,000 rows/s  in 0:02\n")


def test_in_a_log_it_writes_a_line_every_few_seconds(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progress("ratings.csv", None, stream=out, log_every=10)
    for second in range(1, 31):
        clock.now += 1
        bar.update(second * 1000)
    lines = out.getvalue().splitlines()
    assert lines == [
        "ratings.csv  1,000 rows  1,000 rows/s",
        "ratings.csv  11,000 rows  1,000 rows/s",
        "ratings.csv  21,000 rows  1,000 rows/s",
    ]
