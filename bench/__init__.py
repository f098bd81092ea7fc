"""Benchmarks of the product's quality bars (PRODUCT.md §11); see README.md here.

`harness/` holds what every benchmark shares; each benchmark is a script beside it
(`ingest.py`) with its own pieces in a package of its own (`ingest/`).
"""
