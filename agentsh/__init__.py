"""agentsh: a sandboxed, policy-checked shell for AI coding agents."""

__version__ = "0.1.0"
