"""The append-only audit log: logins, failed logins, denials, and every state change."""
