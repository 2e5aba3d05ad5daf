"""Flask."""
