"""Serving the three built web apps (reporter app, console, public map) from the service's own origin."""
