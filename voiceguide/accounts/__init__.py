"""People, passwords, sessions and preferences: the logic behind the sign-in pages."""
