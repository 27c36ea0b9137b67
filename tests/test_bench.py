"""The benchmarks' own measurements."""

from __future__ import annotations

from bench.reason import run_child


def test_a_child_reports_its_own_peak_memory_not_its_parents():
    # A child is forked from the benchmark, which may hold a large generated dataset: the
    # pages it shares with its parent until it runs the engine are not the engine's memory.
    ballast = bytearray(200 * 2**20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    result, _, peak = run_child('RESULT = len(b"x" * (50 * 2**20))', {})
    assert result == 50 * 2**20
    assert 50 * 2**20 < peak < 150 * 2**20
    del ballast
