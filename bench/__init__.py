"""Benchmarks of the assistant: `python -m bench` (or `make bench`) measures the real stack."""
