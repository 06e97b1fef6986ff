"""The audit log, outside every sandbox (see log.py)."""
