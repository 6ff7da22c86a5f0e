"""Optional integrations with third-party packages (installed with extras)."""
