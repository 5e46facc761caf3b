"""Who the client is (gateway keys -> team) and what the gateway presents upstream (providers)."""
