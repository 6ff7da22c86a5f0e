"""Small building blocks without application state: caches and the outbound URL policy."""
