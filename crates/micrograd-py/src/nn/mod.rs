//! `micrograd_rs.nn`: micrograd's `Module`, `Neuron`, `Layer` and `MLP`, with its attributes
//! (`w`, `b`, `nonlin`, `neurons`, `layers`), its reprs and its initialization, and a native
//! forward pass (in `forward.rs`).
//!
//! Weights are drawn with Python's own `random.uniform(-1, 1)`, in micrograd's order, so that
//! `random.seed(1337)` gives micrograd's network. A call reads the attributes as they are at that
//! moment (a weight list edited by hand is honoured) and builds one node per neuron,
//! `relu(b + w₀x₀ + w₁x₁ + …)`, summed in micrograd's order so the numbers are micrograd's. A
//! neuron or layer replaced by a Python object of another class is called as Python code.
//!
//! Beyond micrograd: `activation='tanh'` (or `'relu'`, `'sigmoid'`, `'linear'`) gives the
//! lecture's tanh neurons, a keyword micrograd's own code never passes; models pickle and copy.

mod forward;

use micrograd::op::Activation;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::convert::{check_parameter_count, getattr_opt};
use crate::tape;
use crate::value::{as_value, begin_native_call, carried, handle_of, handles, sequence, PyValue};
use forward::{
    collect_parameters, joined, layer_nodes, neuron_node, objects, outputs, parameters_of, returned,
};

/// micrograd's base class: `parameters()` and `zero_grad()`. Subclass it for your own models.
#[pyclass(subclass, module = "micrograd_rs.nn", name = "Module")]
pub struct Module;

#[pymethods]
impl Module {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Module
    }

    /// Sets the gradient of every parameter to 0.
    fn zero_grad(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let parameters = slf.call_method0(intern!(py, "parameters"))?;
        for p in parameters.try_iter()? {
            let p = p?;
            match as_value(&p) {
                Some(v) => v.zero_grad()?,
                None => p.setattr(intern!(py, "grad"), 0)?,
            }
        }
        Ok(())
    }

    /// The trainable Values: none for a bare `Module`.
    fn parameters<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        PyList::empty(py)
    }

    /// Pickling and copying a subclass of `Module`: its attributes, made again without calling
    /// its `__init__` (as Python does for its own classes).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(
            slf.as_any(),
            PyTuple::new(slf.py(), [slf.get_type()])?,
            None,
        )
    }
}

/// `(copyreg.__newobj__, args, state)`, where state is `native` and the instance's `__dict__`
/// (a subclass's own attributes), for `__reduce__`.
fn reduce<'py>(
    slf: &Bound<'py, PyAny>,
    args: Bound<'py, PyTuple>,
    native: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = slf.py();
    let newobj = py.import("copyreg")?.getattr("__newobj__")?;
    let dict =
        getattr_opt(slf, intern!(py, "__dict__"))?.unwrap_or_else(|| py.None().into_bound(py));
    let state = match native {
        Some(native) => (native, dict).into_pyobject(py)?.into_any(),
        None => dict,
    };
    PyTuple::new(py, [newobj, args.into_any(), state])
}

/// Restores a subclass's own attributes from a pickled `__dict__` (or `None`).
fn restore_dict(slf: &Bound<'_, PyAny>, dict: &Bound<'_, PyAny>) -> PyResult<()> {
    if !dict.is_none() {
        slf.getattr(intern!(slf.py(), "__dict__"))?
            .call_method1(intern!(slf.py(), "update"), (dict,))?;
    }
    Ok(())
}

/// `Neuron(nin, nonlin=True, activation=None)`: `relu(b + Σ wᵢxᵢ)`, or linear when `nonlin` is
/// false, or the activation named.
#[pyclass(extends = Module, subclass, module = "micrograd_rs.nn", name = "Neuron")]
pub struct Neuron {
    /// The weights: a list of Values.
    #[pyo3(get, set)]
    w: PyObject,
    /// The bias, a Value starting at 0.
    #[pyo3(get, set)]
    b: PyObject,
    act: Activation,
}

/// `Layer(nin, nout, **kwargs)`: `nout` neurons over the same inputs.
#[pyclass(extends = Module, subclass, module = "micrograd_rs.nn", name = "Layer")]
pub struct Layer {
    /// The neurons, in order.
    #[pyo3(get, set)]
    neurons: PyObject,
}

/// `MLP(nin, nouts, activation=None)`: layers of the sizes `nouts`, ReLU but for the last, which
/// is linear; or every layer the activation named, as the lecture's tanh MLP.
#[pyclass(extends = Module, subclass, module = "micrograd_rs.nn", name = "MLP")]
pub struct Mlp {
    /// The layers, in order.
    #[pyo3(get, set)]
    layers: PyObject,
}

/// Any object, taken for its truth value as Python's `if` takes it (micrograd's `nonlin`).
pub struct Truthy(bool);

impl<'py> FromPyObject<'py> for Truthy {
    fn extract_bound(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        Ok(Truthy(obj.is_truthy()?))
    }
}

/// An activation by name.
fn activation(name: &str) -> PyResult<Activation> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "relu" => Activation::Relu,
        "tanh" => Activation::Tanh,
        "sigmoid" => Activation::Sigmoid,
        "linear" | "none" | "identity" => Activation::Linear,
        _ => {
            return Err(PyValueError::new_err(format!(
                "activation={name:?}: expected 'relu', 'tanh', 'sigmoid' or 'linear'"
            )))
        }
    })
}

/// An activation's name, as `activation=` takes it.
fn activation_name(act: Activation) -> &'static str {
    match act {
        Activation::Relu => "relu",
        Activation::Tanh => "tanh",
        Activation::Sigmoid => "sigmoid",
        Activation::Linear => "linear",
    }
}

/// A size given as a Python integer: a negative or absurdly large one is a `ValueError`, never a
/// crash.
fn size(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    if obj.is_instance_of::<pyo3::types::PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an integer, not a float"
        )));
    }
    match obj.extract::<i64>() {
        Ok(n) if n >= 0 => Ok(n as u64),
        Ok(n) => Err(PyValueError::new_err(format!(
            "{what} must be 0 or more, not {n}"
        ))),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(obj.py()) => Err(
            PyValueError::new_err(format!("{what} is too large for a graph to hold")),
        ),
        Err(e) => Err(e),
    }
}

#[pymethods]
impl Neuron {
    #[new]
    #[pyo3(signature = (nin, nonlin = Truthy(true), activation = None))]
    fn new(
        py: Python<'_>,
        nin: &Bound<'_, PyAny>,
        nonlin: Truthy,
        activation: Option<&str>,
    ) -> PyResult<(Self, Module)> {
        let nin = size(nin, "Neuron(nin)")?;
        check_parameter_count("Neuron(nin)", u128::from(nin) + 1)?;
        let act = match activation {
            Some(name) => self::activation(name)?,
            None if nonlin.0 => Activation::Relu,
            None => Activation::Linear,
        };
        let uniform = py.import("random")?.getattr("uniform")?;
        let mut weights = Vec::new();
        for _ in 0..nin {
            let x: f64 = uniform.call1((-1, 1))?.extract()?;
            weights.push(PyValue::leaf(py, x)?);
        }
        let neuron = Neuron {
            w: PyList::new(py, weights)?.into_any().unbind(),
            b: PyValue::leaf(py, 0.0)?.into_any(),
            act,
        };
        Ok((neuron, Module))
    }

    /// Whether the neuron applies an activation (micrograd's ReLU, or the one named).
    #[getter]
    fn get_nonlin(&self) -> bool {
        self.act != Activation::Linear
    }

    #[setter]
    fn set_nonlin(&mut self, nonlin: Truthy) {
        self.act = match (nonlin.0, self.act) {
            (false, _) => Activation::Linear,
            (true, Activation::Linear) => Activation::Relu,
            (true, act) => act,
        };
    }

    /// The activation's name: `'relu'`, `'tanh'`, `'sigmoid'` or `'linear'`.
    #[getter]
    fn get_activation(&self) -> &'static str {
        activation_name(self.act)
    }

    #[setter]
    fn set_activation(&mut self, name: &str) -> PyResult<()> {
        self.act = activation(name)?;
        Ok(())
    }

    fn __call__(slf: &Bound<'_, Self>, x: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let py = slf.py();
        let tape = tape::current();
        let _pin = begin_native_call(tape, py);
        let x_obj = &sequence(x)?;
        let x = handles(tape, x_obj)?;
        let (w, b, act) = {
            let n = slf.borrow();
            (n.w.clone_ref(py), n.b.clone_ref(py), n.act)
        };
        let weights = handles(tape, w.bind(py))?;
        let bias = handle_of(tape, b.bind(py))?;
        let out = neuron_node(tape, bias, &weights, &x, act);
        let keep = carried(x_obj)?;
        Ok(PyValue::object_keeping(py, tape, out, keep.as_ref())?.into_any())
    }

    /// The weights, then the bias.
    fn parameters<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::new();
        collect_parameters(slf.as_any(), &mut out)?;
        PyList::new(slf.py(), out)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let kind = match self.act {
            Activation::Relu => "ReLU",
            Activation::Tanh => "Tanh",
            Activation::Sigmoid => "Sigmoid",
            Activation::Linear => "Linear",
        };
        Ok(format!("{kind}Neuron({})", self.w.bind(py).len()?))
    }

    /// Pickling and copying: the weights, the bias and the activation (and a subclass's own
    /// attributes).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let n = slf.borrow();
        let native = (n.w.clone_ref(py), n.b.clone_ref(py), activation_name(n.act));
        let native = native.into_pyobject(py)?.into_any();
        let args = (slf.get_type(), 0).into_pyobject(py)?;
        reduce(slf.as_any(), args, Some(native))
    }

    fn __setstate__(
        slf: &Bound<'_, Self>,
        state: (Bound<'_, PyTuple>, Bound<'_, PyAny>),
    ) -> PyResult<()> {
        let (native, dict) = state;
        let (w, b, act): (PyObject, PyObject, String) = native.extract()?;
        {
            let mut n = slf.borrow_mut();
            n.w = w;
            n.b = b;
            n.act = activation(&act)?;
        }
        restore_dict(slf.as_any(), &dict)
    }
}

#[pymethods]
impl Layer {
    #[new]
    #[pyo3(signature = (nin, nout, **kwargs))]
    fn new(
        py: Python<'_>,
        nin: &Bound<'_, PyAny>,
        nout: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(Self, Module)> {
        let nin_n = size(nin, "Layer(nin)")?;
        let nout = size(nout, "Layer(nout)")?;
        check_parameter_count(
            "Layer(nin, nout)",
            (u128::from(nin_n) + 1) * u128::from(nout),
        )?;
        let neuron = py.get_type::<Neuron>();
        let neurons = (0..nout)
            .map(|_| neuron.call((nin_n,), kwargs))
            .collect::<PyResult<Vec<_>>>()?;
        let layer = Layer {
            neurons: PyList::new(py, neurons)?.into_any().unbind(),
        };
        Ok((layer, Module))
    }

    fn __call__(slf: &Bound<'_, Self>, x: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let py = slf.py();
        let tape = tape::current();
        let _pin = begin_native_call(tape, py);
        let x = &sequence(x)?;
        let keep = carried(x)?;
        let x = handles(tape, x)?;
        let neurons = slf.borrow().neurons.clone_ref(py);
        let out = layer_nodes(tape, neurons.bind(py), &x)?;
        outputs(py, tape, &out, keep.as_ref())
    }

    /// Every neuron's parameters, in order.
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        parameters_of(self.neurons.bind(py))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Layer of [{}]", joined(self.neurons.bind(py))?))
    }

    /// Pickling and copying: the neurons (and a subclass's own attributes).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let native = slf
            .borrow()
            .neurons
            .clone_ref(slf.py())
            .into_bound(slf.py());
        let args = (slf.get_type(), 0, 0).into_pyobject(slf.py())?;
        reduce(slf.as_any(), args, Some(native))
    }

    fn __setstate__(slf: &Bound<'_, Self>, state: (PyObject, Bound<'_, PyAny>)) -> PyResult<()> {
        slf.borrow_mut().neurons = state.0;
        restore_dict(slf.as_any(), &state.1)
    }
}

#[pymethods]
impl Mlp {
    #[new]
    #[pyo3(signature = (nin, nouts, activation = None))]
    fn new(
        py: Python<'_>,
        nin: &Bound<'_, PyAny>,
        nouts: &Bound<'_, PyAny>,
        activation: Option<&str>,
    ) -> PyResult<(Self, Module)> {
        let mut sizes = vec![size(nin, "MLP(nin)")?];
        for n in nouts.try_iter()? {
            sizes.push(size(&n?, "MLP(nouts)")?);
        }
        let total = sizes
            .windows(2)
            .map(|w| (u128::from(w[0]) + 1) * u128::from(w[1]))
            .sum();
        check_parameter_count("MLP(nin, nouts)", total)?;
        if let Some(name) = activation {
            self::activation(name)?;
        }
        let layer = py.get_type::<Layer>();
        let count = sizes.len() - 1;
        let mut layers = Vec::with_capacity(count);
        for i in 0..count {
            let kwargs = PyDict::new(py);
            match activation {
                Some(name) => kwargs.set_item("activation", name)?,
                None => kwargs.set_item("nonlin", i != count - 1)?,
            }
            layers.push(layer.call((sizes[i], sizes[i + 1]), Some(&kwargs))?);
        }
        let mlp = Mlp {
            layers: PyList::new(py, layers)?.into_any().unbind(),
        };
        Ok((mlp, Module))
    }

    fn __call__(slf: &Bound<'_, Self>, x: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let py = slf.py();
        let tape = tape::current();
        let _pin = begin_native_call(tape, py);
        let x = &sequence(x)?;
        let keep = carried(x)?;
        let mut x = handles(tape, x)?;
        let layers = slf.borrow().layers.clone_ref(py);
        for layer in layers.bind(py).try_iter()? {
            let layer = layer?;
            x = match layer.downcast_exact::<Layer>() {
                Ok(native) => {
                    let neurons = native.borrow().neurons.clone_ref(py);
                    layer_nodes(tape, neurons.bind(py), &x)?
                }
                Err(_) => returned(tape, &layer.call1((objects(py, tape, &x)?,))?)?,
            };
        }
        outputs(py, tape, &x, keep.as_ref())
    }

    /// Every layer's parameters, in order.
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        parameters_of(self.layers.bind(py))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("MLP of [{}]", joined(self.layers.bind(py))?))
    }

    /// Pickling and copying: the layers (and a subclass's own attributes).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let native = slf.borrow().layers.clone_ref(py).into_bound(py);
        let no_layers = PyList::empty(py);
        let args = (slf.get_type(), 0, no_layers).into_pyobject(py)?;
        reduce(slf.as_any(), args, Some(native))
    }

    fn __setstate__(slf: &Bound<'_, Self>, state: (PyObject, Bound<'_, PyAny>)) -> PyResult<()> {
        slf.borrow_mut().layers = state.0;
        restore_dict(slf.as_any(), &state.1)
    }
}
