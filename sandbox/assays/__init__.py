"""Assays v1 and v2: the maths (binning, summaries, scores), the canned inference history,
the shared data helpers and the two generations of handlers."""
