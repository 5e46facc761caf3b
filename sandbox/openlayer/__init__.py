"""Openlayer's API: queueing test evaluations for pipelines."""
