"""The sandbox's core: settings, the fault switch, the in-memory store and its records, the
request context, errors and JSON answers, the seed state, and the middlewares every operation goes
through (routing, auth, validation with streamed uploads). It imports only `sandbox.keycloak`; the
rooms (mlops, assays, openlayer, faults) build on it."""
