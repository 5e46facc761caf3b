"""Openlayer's API: test evaluation and results, inference pipelines, their data stream and rows,
and the background tasks evaluations queue."""
