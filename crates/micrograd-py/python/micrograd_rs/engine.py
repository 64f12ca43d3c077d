"""micrograd's ``engine`` module: ``Value``, a scalar with its gradient.

``Value(data, _children=(), _op='', label='')`` supports ``+ - * / **`` with Values and numbers
(ints, floats, numpy scalars) on either side, unary ``-``, ``relu()``, ``tanh()``, ``exp()``,
``log()``, ``sigmoid()``, ``sin()``, ``cos()``, ``sqrt()``, ``abs()``, ``backward()`` and
``_backward()``; ``data``, ``grad`` and ``label`` can be read and written, ``_prev`` and ``_op``
read. Differences from micrograd, all deliberate:

- ``data`` and ``grad`` are always floats (micrograd keeps ints it is given: ``Value(1)``).
- ``v ** w`` with a Value exponent is allowed and gives the exponent a gradient (``_op`` ``'**'``);
  micrograd refuses it. ``2 ** v`` works too.
- Division by zero gives ``inf`` or ``nan`` as IEEE floats do, not ``ZeroDivisionError``.
- A Value made with ``_children`` or ``_op`` is drawn with them but is a leaf to ``backward()``:
  only operations on Values carry a gradient rule.
- A Value belongs to the thread that made it; using it in another thread is a ``RuntimeError``.
"""

from micrograd_rs._micrograd_rs import Value

__all__ = ["Value"]
