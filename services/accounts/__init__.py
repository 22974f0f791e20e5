"""accounts: owns users (name, email, roles)."""
