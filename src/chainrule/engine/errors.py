"""Errors the engine raises: each names the operation and the shapes involved."""


class ChainruleError(Exception):
    """Base class for every error raised on purpose by chainrule."""


class ShapeError(ChainruleError, ValueError):
    """Two shapes do not fit together for an operation (matmul, broadcasting, loss labels)."""


class InputError(ChainruleError, TypeError):
    """A value that is not an array of real numbers was given to the engine."""
