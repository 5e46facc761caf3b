"""A stateful stand-in for Keycloak, the Wallaroo MLOps API and Openlayer, served on a real socket.

The public entry points: `start_sandbox` binds a `SandboxServer` configured by `SandboxSettings`.
"""

from sandbox.core.settings import SandboxSettings
from sandbox.server import SandboxServer, start_sandbox

__all__ = ["SandboxServer", "SandboxSettings", "start_sandbox"]
