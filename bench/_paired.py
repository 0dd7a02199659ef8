"""Paired measurements for the benchmark summaries.

The development machine is shared (2 cores, other jobs running), so load
drifts between pytest-benchmark's groups. These helpers alternate our code
and the peer's, call by call or block by block, so the drift hits both sides
alike and cancels in the comparison.

Imported as ``bench._paired`` (the repository root is on ``pythonpath``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest

__all__ = ["check_bars", "interleaved_ratio", "paired_medians", "write_report"]


def interleaved_ratio(ours: Callable[[], object], theirs: Callable[[], object]) -> float:
    """Median of 15 paired measurements, ours and theirs alternating, so load
    from other processes hits both sides alike.

    Each measurement times about 20 ms of ``ours`` (the repetitions are set
    from one call) and then as many calls of ``theirs``; the ratio is
    ours / theirs.
    """
    t0 = time.perf_counter()
    ours()
    once = time.perf_counter() - t0
    reps = max(1, int(0.02 / max(once, 1e-7)))
    ratios = []
    for _ in range(15):
        a = time.perf_counter()
        for _ in range(reps):
            ours()
        b = time.perf_counter()
        for _ in range(reps):
            theirs()
        c = time.perf_counter()
        ratios.append((b - a) / (c - b))
    return statistics.median(ratios)


def paired_medians(
    ours: Callable[[], object],
    peer: Callable[[], object],
    rounds: int,
    reps: tuple[int, int] = (1, 1),
) -> tuple[float, float]:
    """Median time per call of ``ours`` and of ``peer``.

    After one warm-up call each, every round times a block of ``reps[0]``
    calls of ``ours`` and one of ``reps[1]`` calls of ``peer``, ours first
    in even rounds and the peer first in odd ones (a block keeps each side's
    caches warm, as a loop of calls would; alternating cancels the drift of
    a shared machine).
    """
    ours()
    peer()
    ta: list[float] = []
    tb: list[float] = []
    sides = ((ours, reps[0], ta), (peer, reps[1], tb))
    for i in range(rounds):
        for fn, k, out in sides if i % 2 == 0 else sides[::-1]:
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            out.append((time.perf_counter() - t0) / k)
    return statistics.median(ta), statistics.median(tb)


def write_report(request: pytest.FixtureRequest, lines: list[str]) -> None:
    """Print ``lines`` on the terminal past pytest's output capture (from a
    fixture's teardown, after a module's tests), after one empty line."""
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is None or capman is None:
        return
    with capman.global_and_fixture_disabled():
        tr.write_line("")
        for line in lines:
            tr.write_line(line)


def check_bars(
    bars: list[tuple[str, str, str, float]],
    results: dict[str, float],
    funcs: dict[str, Callable[[], object]],
    width: int = 36,
) -> tuple[list[str], list[str]]:
    """Each ``(label, ours, theirs, max ratio)`` measured both ways: report
    lines (interleaved ratio beside the ratio of medians) and the misses."""
    lines, failures = [], []
    for label, ours, theirs, bar in bars:
        if ours in results and theirs in results:
            plain = results[ours] / results[theirs]
            ratio = interleaved_ratio(funcs[ours], funcs[theirs])
            ok = ratio <= bar
            lines.append(
                f"{label:{width}s} {ratio:6.3f}x (medians {plain:6.3f}x; bar {bar}x) "
                f"{'ok' if ok else 'MISSED'}"
            )
            if not ok:
                failures.append(f"{label} {ratio:.3f}x > {bar}x")
    return lines, failures
