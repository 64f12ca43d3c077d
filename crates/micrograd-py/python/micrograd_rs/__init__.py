"""micrograd_rs: Karpathy's micrograd, same API, on a Rust engine.

Only the import line changes::

    from micrograd_rs.engine import Value
    from micrograd_rs.nn import Module, Neuron, Layer, MLP
    from micrograd_rs import draw_dot
"""

from contextlib import contextmanager

from micrograd_rs._micrograd_rs import compact
from micrograd_rs.draw import Drawing, draw_dot
from micrograd_rs.engine import Value
from micrograd_rs.nn import MLP, Layer, Module, Neuron

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP", "draw_dot", "Drawing", "scope", "compact"]


@contextmanager
def scope():
    """Frees, on leaving the block, every node of the graph made so far that no live Value needs.

    The tape is compacted on its own whenever it has doubled; a scope frees at a point of your
    choosing, for example after each training step. Values still held stay valid::

        with micrograd_rs.scope():
            loss = model_loss()
            loss.backward()
    """
    try:
        yield
    finally:
        compact()
