"""Accounts: users, roles, opaque bearer tokens (revocable), login."""
