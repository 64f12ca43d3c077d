"""micrograd_rs: Karpathy's micrograd, same API, on a Rust engine.

Only the import line changes::

    from micrograd_rs.engine import Value
    from micrograd_rs.nn import Module, Neuron, Layer, MLP
    from micrograd_rs import draw_dot
"""

from micrograd_rs.draw import Drawing, draw_dot
from micrograd_rs.engine import Value
from micrograd_rs.nn import MLP, Layer, Module, Neuron

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP", "draw_dot", "Drawing"]
