"""Benchmarks against the official SDK and raw aiohttp: ``python -m benchmarks``."""
