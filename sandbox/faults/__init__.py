"""The contract-fault switch: which fault is on, what it breaks in a body, the middleware
that breaks answers, and the admin endpoint that flips it at run time."""
