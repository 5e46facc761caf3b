"""Tests of the deploy/ files: the Grafana dashboard and the Prometheus config and rules."""
