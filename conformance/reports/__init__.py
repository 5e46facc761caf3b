"""Reports of a run: the terminal summary (and the `--dry-run` plan), markdown, JUnit XML. Each
reads a `RunResult` only, and everything in it is already masked."""
