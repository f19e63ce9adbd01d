from .instance import Instance, Result, check

__all__ = ["Instance", "Result", "check"]
