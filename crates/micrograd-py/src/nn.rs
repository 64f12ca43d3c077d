//! `micrograd_rs.nn`: micrograd's `Module`, `Neuron`, `Layer` and `MLP`, with its attributes
//! (`w`, `b`, `nonlin`, `neurons`, `layers`), its reprs and its initialization, and a native
//! forward pass.
//!
//! Weights are drawn with Python's own `random.uniform(-1, 1)`, in micrograd's order, so that
//! `random.seed(1337)` gives micrograd's network. A call reads the attributes as they are at that
//! moment (a weight list edited by hand is honoured) and builds one node per neuron,
//! `relu(b + w₀x₀ + w₁x₁ + …)`, summed in micrograd's order so the numbers are micrograd's. A
//! neuron or layer replaced by a Python object of another class is called as Python code.

use std::ops::Range;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::convert::{as_value, extend_handles, handle_of, handles};
use crate::ops;
use crate::tape::{self, Handle, Tape};
use crate::value::PyValue;

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
}

/// `Neuron(nin, nonlin=True)`: `relu(b + Σ wᵢxᵢ)`, or linear when `nonlin` is false.
#[pyclass(extends = Module, subclass, module = "micrograd_rs.nn", name = "Neuron")]
pub struct Neuron {
    /// The weights: a list of Values.
    #[pyo3(get, set)]
    w: PyObject,
    /// The bias, a Value starting at 0.
    #[pyo3(get, set)]
    b: PyObject,
    nonlin: bool,
}

/// `Layer(nin, nout, **kwargs)`: `nout` neurons over the same inputs.
#[pyclass(extends = Module, subclass, module = "micrograd_rs.nn", name = "Layer")]
pub struct Layer {
    /// The neurons, in order.
    #[pyo3(get, set)]
    neurons: PyObject,
}

/// `MLP(nin, nouts)`: layers of the sizes `nouts`, ReLU but for the last, which is linear.
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

/// A neuron as a forward pass sees it: its parameters as nodes (its weights a range of a buffer
/// the whole layer shares), or a Python object to call.
enum NeuronPlan<'py> {
    Native {
        bias: Handle,
        weights: Range<usize>,
        relu: bool,
    },
    Python(Bound<'py, PyAny>),
}

fn plan<'py>(
    tape: &'static Tape,
    neuron: Bound<'py, PyAny>,
    weights: &mut Vec<Handle>,
) -> PyResult<NeuronPlan<'py>> {
    let Ok(native) = neuron.downcast_exact::<Neuron>() else {
        return Ok(NeuronPlan::Python(neuron));
    };
    let py = neuron.py();
    let n = native.borrow();
    let start = weights.len();
    extend_handles(tape, n.w.bind(py), weights)?;
    Ok(NeuronPlan::Native {
        bias: handle_of(tape, n.b.bind(py))?,
        weights: start..weights.len(),
        relu: n.nonlin,
    })
}

/// A Python list of the objects standing for `nodes`, to hand to Python code.
fn objects(py: Python<'_>, tape: &'static Tape, nodes: &[Handle]) -> PyResult<Py<PyList>> {
    let objects = nodes
        .iter()
        .map(|&h| PyValue::object_for(py, tape, h))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, objects)?.unbind())
}

/// What a Python neuron or layer returned, as nodes.
fn returned(tape: &'static Tape, out: &Bound<'_, PyAny>) -> PyResult<Vec<Handle>> {
    if as_value(out).is_some() {
        return Ok(vec![handle_of(tape, out)?]);
    }
    handles(tape, out)
}

/// micrograd's return convention: one Value alone, several as a list.
fn outputs(py: Python<'_>, tape: &'static Tape, out: &[Handle]) -> PyResult<PyObject> {
    if let [single] = out {
        return Ok(PyValue::object_for(py, tape, *single)?.into_any());
    }
    Ok(objects(py, tape, out)?.into_any())
}

/// One neuron's node; `zip` pairs as many weights and inputs as both have, as micrograd's does.
fn neuron_node(
    tape: &'static Tape,
    bias: Handle,
    weights: &[Handle],
    x: &[Handle],
    relu: bool,
) -> Handle {
    let n = weights.len().min(x.len());
    ops::neurons(&tape.graph, &x[..n], [(bias, &weights[..n])], relu)[0]
}

/// The common case, taken without building a plan per neuron: a list of plain `Neuron`s with one
/// activation and as many weights as inputs, summed by one call to the engine. `None` if the
/// layer is anything else.
fn uniform_layer_nodes(
    tape: &'static Tape,
    neurons: &Bound<'_, PyAny>,
    x: &[Handle],
) -> PyResult<Option<Vec<Handle>>> {
    let Ok(list) = neurons.downcast::<PyList>() else {
        return Ok(None);
    };
    let py = neurons.py();
    let mut weights = Vec::with_capacity(list.len() * x.len());
    let mut biases = Vec::with_capacity(list.len());
    let mut relu = None;
    for item in list.iter() {
        let Ok(neuron) = item.downcast_exact::<Neuron>() else {
            return Ok(None);
        };
        let n = neuron.borrow();
        if *relu.get_or_insert(n.nonlin) != n.nonlin {
            return Ok(None);
        }
        let start = weights.len();
        extend_handles(tape, n.w.bind(py), &mut weights)?;
        if weights.len() - start != x.len() {
            return Ok(None);
        }
        biases.push(handle_of(tape, n.b.bind(py))?);
    }
    let Some(relu) = relu else {
        return Ok(Some(Vec::new()));
    };
    let n = x.len();
    let params = biases
        .iter()
        .enumerate()
        .map(|(i, &b)| (b, &weights[i * n..(i + 1) * n]));
    Ok(Some(ops::neurons(&tape.graph, x, params, relu)))
}

/// The outputs of `neurons` (micrograd's `[n(x) for n in self.neurons]`), as nodes.
fn layer_nodes(
    tape: &'static Tape,
    neurons: &Bound<'_, PyAny>,
    x: &[Handle],
) -> PyResult<Vec<Handle>> {
    if let Some(out) = uniform_layer_nodes(tape, neurons, x)? {
        return Ok(out);
    }
    let py = neurons.py();
    let mut weights = Vec::new();
    let plans = neurons
        .try_iter()?
        .map(|n| plan(tape, n?, &mut weights))
        .collect::<PyResult<Vec<_>>>()?;
    let first_relu = match plans.first() {
        Some(NeuronPlan::Native { relu, .. }) => Some(*relu),
        _ => None,
    };
    let all_alike = plans.iter().all(|p| {
        matches!(p, NeuronPlan::Native { weights, relu, .. }
            if weights.len() == x.len() && Some(*relu) == first_relu)
    });
    if let (true, Some(relu)) = (all_alike, first_relu) {
        let params = plans.iter().map(|p| match p {
            NeuronPlan::Native {
                bias, weights: w, ..
            } => (*bias, &weights[w.clone()]),
            NeuronPlan::Python(_) => unreachable!("checked above: every neuron is native"),
        });
        return Ok(ops::neurons(&tape.graph, x, params, relu));
    }
    let mut out = Vec::with_capacity(plans.len());
    for p in plans {
        out.push(match p {
            NeuronPlan::Native {
                bias,
                weights: w,
                relu,
            } => neuron_node(tape, bias, &weights[w], x, relu),
            NeuronPlan::Python(n) => {
                let result = n.call1((objects(py, tape, x)?,))?;
                handle_of(tape, &result)?
            }
        });
    }
    Ok(out)
}

/// Appends the parameters of `module` to `out`, natively for this module's own classes.
fn collect_parameters<'py>(
    module: &Bound<'py, PyAny>,
    out: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<()> {
    let py = module.py();
    if let Ok(n) = module.downcast_exact::<Neuron>() {
        let n = n.borrow();
        for w in n.w.bind(py).try_iter()? {
            out.push(w?);
        }
        out.push(n.b.bind(py).clone());
    } else if let Ok(layer) = module.downcast_exact::<Layer>() {
        for n in layer.borrow().neurons.bind(py).try_iter()? {
            collect_parameters(&n?, out)?;
        }
    } else if let Ok(mlp) = module.downcast_exact::<Mlp>() {
        for layer in mlp.borrow().layers.bind(py).try_iter()? {
            collect_parameters(&layer?, out)?;
        }
    } else {
        for p in module.call_method0(intern!(py, "parameters"))?.try_iter()? {
            out.push(p?);
        }
    }
    Ok(())
}

/// The parameters of the parts of a module (`neurons` or `layers`), as one list.
fn parameters_of<'py>(parts: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    let mut out = Vec::new();
    for part in parts.try_iter()? {
        collect_parameters(&part?, &mut out)?;
    }
    PyList::new(parts.py(), out)
}

/// `[str(p) for p in parts]` joined as micrograd's reprs join them.
fn joined(parts: &Bound<'_, PyAny>) -> PyResult<String> {
    let strings = parts
        .try_iter()?
        .map(|p| Ok(p?.str()?.to_string()))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(strings.join(", "))
}

#[pymethods]
impl Neuron {
    #[new]
    #[pyo3(signature = (nin, nonlin = Truthy(true)))]
    fn new(py: Python<'_>, nin: usize, nonlin: Truthy) -> PyResult<(Self, Module)> {
        let uniform = py.import("random")?.getattr("uniform")?;
        let mut weights = Vec::with_capacity(nin);
        for _ in 0..nin {
            let x: f64 = uniform.call1((-1, 1))?.extract()?;
            weights.push(PyValue::leaf(py, x)?);
        }
        let neuron = Neuron {
            w: PyList::new(py, weights)?.into_any().unbind(),
            b: PyValue::leaf(py, 0.0)?.into_any(),
            nonlin: nonlin.0,
        };
        Ok((neuron, Module))
    }

    /// Whether the neuron applies a ReLU.
    #[getter]
    fn get_nonlin(&self) -> bool {
        self.nonlin
    }

    #[setter]
    fn set_nonlin(&mut self, nonlin: Truthy) {
        self.nonlin = nonlin.0;
    }

    fn __call__(slf: &Bound<'_, Self>, x: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let py = slf.py();
        let tape = tape::current();
        let _pin = tape.begin_native_call(py);
        let x = handles(tape, x)?;
        let n = slf.borrow();
        let bias = handle_of(tape, n.b.bind(py))?;
        let weights = handles(tape, n.w.bind(py))?;
        let out = neuron_node(tape, bias, &weights, &x, n.nonlin);
        Ok(PyValue::object_for(py, tape, out)?.into_any())
    }

    /// The weights, then the bias.
    fn parameters<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::new();
        collect_parameters(slf.as_any(), &mut out)?;
        PyList::new(slf.py(), out)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let kind = if self.nonlin { "ReLU" } else { "Linear" };
        Ok(format!("{kind}Neuron({})", self.w.bind(py).len()?))
    }
}

#[pymethods]
impl Layer {
    #[new]
    #[pyo3(signature = (nin, nout, **kwargs))]
    fn new(
        py: Python<'_>,
        nin: usize,
        nout: usize,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(Self, Module)> {
        let neuron = py.get_type::<Neuron>();
        let neurons = (0..nout)
            .map(|_| neuron.call((nin,), kwargs))
            .collect::<PyResult<Vec<_>>>()?;
        let layer = Layer {
            neurons: PyList::new(py, neurons)?.into_any().unbind(),
        };
        Ok((layer, Module))
    }

    fn __call__(slf: &Bound<'_, Self>, x: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let py = slf.py();
        let tape = tape::current();
        let _pin = tape.begin_native_call(py);
        let x = handles(tape, x)?;
        let neurons = slf.borrow().neurons.clone_ref(py);
        let out = layer_nodes(tape, neurons.bind(py), &x)?;
        outputs(py, tape, &out)
    }

    /// Every neuron's parameters, in order.
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        parameters_of(self.neurons.bind(py))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Layer of [{}]", joined(self.neurons.bind(py))?))
    }
}

#[pymethods]
impl Mlp {
    #[new]
    fn new(py: Python<'_>, nin: usize, nouts: Vec<usize>) -> PyResult<(Self, Module)> {
        let layer = py.get_type::<Layer>();
        let sizes: Vec<usize> = std::iter::once(nin).chain(nouts.iter().copied()).collect();
        let mut layers = Vec::with_capacity(nouts.len());
        for i in 0..nouts.len() {
            let kwargs = PyDict::new(py);
            kwargs.set_item("nonlin", i != nouts.len() - 1)?;
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
        let _pin = tape.begin_native_call(py);
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
        outputs(py, tape, &x)
    }

    /// Every layer's parameters, in order.
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        parameters_of(self.layers.bind(py))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("MLP of [{}]", joined(self.layers.bind(py))?))
    }
}
