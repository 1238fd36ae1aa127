"""Benchmarks (``make bench``): figures printed as rates and ratios, never asserted."""
