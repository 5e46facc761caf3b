"""A Keycloak stand-in: one realm's users, clients, sessions, RS256 keys and the OpenID Connect
token endpoints (Wallaroo authenticates MLOps API callers with its bundled Keycloak). It knows
nothing about the rest of the sandbox."""
