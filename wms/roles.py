"""The roles a user can have; a module of its own so the command line reads them without
loading the models."""

ROLES = ("admin", "supervisor", "clerk", "operator")
