"""Security hardening: login throttling, password rules, cookies, headers, security check."""
