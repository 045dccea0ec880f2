"""Identity: organisations, accounts, operators, roles (pure rules)."""
