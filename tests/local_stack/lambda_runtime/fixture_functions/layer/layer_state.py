"""Module-level state in a layer: each function must get its own copy."""
owners: list[str] = []
