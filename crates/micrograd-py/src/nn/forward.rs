//! A module's forward pass, natively: a layer's neurons read as nodes and summed by the engine, one
//! node per neuron, and anything the user replaced by Python code of their own called as Python.

use std::ops::Range;

use micrograd::op::Activation;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyList;

use super::{Layer, Mlp, Neuron};
use crate::tape::{Handle, Tape};
use crate::value::{as_value, extend_handles, handle_of, handles, PyValue};

/// A neuron as a forward pass sees it: its parameters as nodes (its weights a range of a buffer
/// the whole layer shares), or a Python object to call.
enum NeuronPlan<'py> {
    Native {
        bias: Handle,
        weights: Range<usize>,
        act: Activation,
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
    // Borrowed while its weights are read: a `__float__` that replaces them meets a clear
    // "already borrowed" error.
    let n = native.borrow();
    let start = weights.len();
    extend_handles(tape, n.w.bind(py), weights)?;
    Ok(NeuronPlan::Native {
        bias: handle_of(tape, n.b.bind(py))?,
        weights: start..weights.len(),
        act: n.act,
    })
}

/// A Python list of the objects standing for `nodes`, to hand to Python code.
pub(super) fn objects(
    py: Python<'_>,
    tape: &'static Tape,
    nodes: &[Handle],
) -> PyResult<Py<PyList>> {
    let objects = nodes
        .iter()
        .map(|&h| PyValue::object_for(py, tape, h))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, objects)?.unbind())
}

/// What a Python neuron or layer returned, as nodes.
pub(super) fn returned(tape: &'static Tape, out: &Bound<'_, PyAny>) -> PyResult<Vec<Handle>> {
    if as_value(out).is_some() {
        return Ok(vec![handle_of(tape, out)?]);
    }
    handles(tape, out)
}

/// micrograd's return convention: one Value alone, several as a list. New objects hold `keep`
/// (the inputs that carry operations written in Python, see `PyValue::keep`).
pub(super) fn outputs(
    py: Python<'_>,
    tape: &'static Tape,
    out: &[Handle],
    keep: Option<&Py<PyAny>>,
) -> PyResult<PyObject> {
    if let [single] = out {
        return Ok(PyValue::object_keeping(py, tape, *single, keep)?.into_any());
    }
    let objects = out
        .iter()
        .map(|&h| PyValue::object_keeping(py, tape, h, keep))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, objects)?.into_any().unbind())
}

/// One node per neuron: `act(b + Σ wᵢ·xᵢ)` for each `(b, w)`, summed in micrograd's order
/// `b + w₀x₀ + w₁x₁ + …`. Every `w` has `inputs.len()` terms.
fn neurons<'w>(
    tape: &'static Tape,
    inputs: &[Handle],
    neurons: impl IntoIterator<Item = (Handle, &'w [Handle])>,
    act: Activation,
) -> Vec<Handle> {
    tape.graph.weighted_sums(inputs, neurons, act)
}

/// One neuron's node; `zip` pairs as many weights and inputs as both have, as micrograd's does.
pub(super) fn neuron_node(
    tape: &'static Tape,
    bias: Handle,
    weights: &[Handle],
    x: &[Handle],
    act: Activation,
) -> Handle {
    let n = weights.len().min(x.len());
    neurons(tape, &x[..n], [(bias, &weights[..n])], act)[0]
}

/// The common case, taken without building a plan per neuron: a list of plain `Neuron`s with one
/// activation and as many weights as inputs, summed by one call to the engine. `None` if the
/// layer is anything else.
fn uniform_layer_nodes(
    tape: &'static Tape,
    neurons_list: &Bound<'_, PyAny>,
    x: &[Handle],
) -> PyResult<Option<Vec<Handle>>> {
    let Ok(list) = neurons_list.downcast::<PyList>() else {
        return Ok(None);
    };
    let py = neurons_list.py();
    let mut weights = Vec::with_capacity(list.len().saturating_mul(x.len()).min(1 << 20));
    let mut biases = Vec::with_capacity(list.len().min(1 << 20));
    let mut act = None;
    // Indexed on each turn: a weight's `__float__` may change the list.
    let mut i = 0;
    while i < list.len() {
        let item = list.get_item(i)?;
        i += 1;
        let Ok(neuron) = item.downcast_exact::<Neuron>() else {
            return Ok(None);
        };
        let n = neuron.borrow();
        if *act.get_or_insert(n.act) != n.act {
            return Ok(None);
        }
        let start = weights.len();
        extend_handles(tape, n.w.bind(py), &mut weights)?;
        if weights.len() - start != x.len() {
            return Ok(None);
        }
        biases.push(handle_of(tape, n.b.bind(py))?);
    }
    let Some(act) = act else {
        return Ok(Some(Vec::new()));
    };
    let n = x.len();
    let params = biases
        .iter()
        .enumerate()
        .map(|(i, &b)| (b, &weights[i * n..(i + 1) * n]));
    Ok(Some(neurons(tape, x, params, act)))
}

/// The outputs of `neurons` (micrograd's `[n(x) for n in self.neurons]`), as nodes.
pub(super) fn layer_nodes(
    tape: &'static Tape,
    neurons_list: &Bound<'_, PyAny>,
    x: &[Handle],
) -> PyResult<Vec<Handle>> {
    if let Some(out) = uniform_layer_nodes(tape, neurons_list, x)? {
        return Ok(out);
    }
    let py = neurons_list.py();
    let mut weights = Vec::new();
    let plans = neurons_list
        .try_iter()?
        .map(|n| plan(tape, n?, &mut weights))
        .collect::<PyResult<Vec<_>>>()?;
    let first_act = match plans.first() {
        Some(NeuronPlan::Native { act, .. }) => Some(*act),
        _ => None,
    };
    let all_alike = plans.iter().all(|p| {
        matches!(p, NeuronPlan::Native { weights, act, .. }
            if weights.len() == x.len() && Some(*act) == first_act)
    });
    if let (true, Some(act)) = (all_alike, first_act) {
        let params = plans.iter().filter_map(|p| match p {
            NeuronPlan::Native {
                bias, weights: w, ..
            } => Some((*bias, &weights[w.clone()])),
            NeuronPlan::Python(_) => None,
        });
        return Ok(neurons(tape, x, params, act));
    }
    let mut out = Vec::with_capacity(plans.len());
    for p in plans {
        out.push(match p {
            NeuronPlan::Native {
                bias,
                weights: w,
                act,
            } => neuron_node(tape, bias, &weights[w], x, act),
            NeuronPlan::Python(n) => {
                let result = n.call1((objects(py, tape, x)?,))?;
                handle_of(tape, &result)?
            }
        });
    }
    Ok(out)
}

/// Appends the parameters of `module` to `out`, natively for this module's own classes.
pub(super) fn collect_parameters<'py>(
    module: &Bound<'py, PyAny>,
    out: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<()> {
    let py = module.py();
    if let Ok(n) = module.downcast_exact::<Neuron>() {
        let (w, b) = {
            let n = n.borrow();
            (n.w.clone_ref(py), n.b.clone_ref(py))
        };
        for w in w.bind(py).try_iter()? {
            out.push(w?);
        }
        out.push(b.into_bound(py));
    } else if let Ok(layer) = module.downcast_exact::<Layer>() {
        let neurons = layer.borrow().neurons.clone_ref(py);
        for n in neurons.bind(py).try_iter()? {
            collect_parameters(&n?, out)?;
        }
    } else if let Ok(mlp) = module.downcast_exact::<Mlp>() {
        let layers = mlp.borrow().layers.clone_ref(py);
        for layer in layers.bind(py).try_iter()? {
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
pub(super) fn parameters_of<'py>(parts: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    let mut out = Vec::new();
    for part in parts.try_iter()? {
        collect_parameters(&part?, &mut out)?;
    }
    PyList::new(parts.py(), out)
}

/// `[str(p) for p in parts]` joined as micrograd's reprs join them.
pub(super) fn joined(parts: &Bound<'_, PyAny>) -> PyResult<String> {
    let strings = parts
        .try_iter()?
        .map(|p| Ok(p?.str()?.to_string()))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(strings.join(", "))
}
