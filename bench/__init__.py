"""Benchmarks: figures printed, never asserted (see bench/run)."""
