"""micrograd's ``nn`` module: ``Module``, ``Neuron``, ``Layer`` and ``MLP``.

Weights are drawn with ``random.uniform(-1, 1)`` in micrograd's order, so ``random.seed(1337)``
gives micrograd's network. Calls run natively, one graph node per neuron, summed in micrograd's
order (``b + w0*x0 + w1*x1 + ...``), so the numbers are micrograd's. Subclass ``Module`` for your
own models.
"""

from micrograd_rs._micrograd_rs import MLP, Layer, Module, Neuron

__all__ = ["Module", "Neuron", "Layer", "MLP"]
