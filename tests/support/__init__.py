"""Helpers shared by the test suites: a gateway harness, a spec-checking sandbox client, the
documents' examples and tutorial, the official clients' installer and conformance run helpers.

`ROOT` is the checkout the tests run from."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
