"""Décoder le code: the hub side (spawner, settings, CLI)."""
