"""The sandbox's core: settings, the in-memory store and its records, the request context,
errors and JSON answers, and the middlewares every operation goes through (routing, auth,
validation with streamed uploads). The rooms (mlops, assays, openlayer, faults) build on it."""
