"""Scenarios and sector profiles (strict TOML) and their built-in files."""
