"""The contract, `openapi.yaml`, as package data: `gateway.contract.default_spec_path()` finds it here."""
