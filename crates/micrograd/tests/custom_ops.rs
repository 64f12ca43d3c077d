//! Operations written outside the engine (`Graph::custom` with a `BackwardRule`), as a learner writes
//! micrograd's: the value computed by hand, the chain rule supplied as a closure. They must give the
//! native operations' numbers, mix freely with native nodes above and below, survive compaction, and
//! fail cleanly: an error in a rule leaves every gradient as it was.

use micrograd::{BackwardError, BackwardStep, Graph, Op, RuleError, Value};

/// tanh as the notebook writes it: `t = tanh(x)`, and `x.grad += (1 - t²) · out.grad`.
fn tanh_written_out(x: Value<'_>) -> Value<'_> {
    let t = x.data().tanh();
    let out = x.graph().custom("tanh", &[x], t);
    out.set_backward_rule(move |s: &mut BackwardStep| {
        s.input_grads[0] = (1.0 - t * t) * s.grad;
        Ok(())
    });
    out
}

/// The notebook's neuron `tanh(x1*w1 + x2*w2 + b)`, with the tanh made by `tanh`; returns the
/// output and the gradients of the five inputs.
fn neuron(tanh: impl for<'g> Fn(Value<'g>) -> Value<'g>, plain: bool) -> (f64, [f64; 5]) {
    let g = Graph::new();
    let (x1, x2) = (g.value(2.0), g.value(0.0));
    let (w1, w2) = (g.value(-3.0), g.value(1.0));
    let b = g.value(6.881_373_587_019_543);
    let o = tanh(x1 * w1 + x2 * w2 + b) * 1.0;
    if plain {
        o.backward_plain();
    } else {
        o.backward();
    }
    let grads = [x1, x2, w1, w2, b].map(|v| v.grad());
    (o.data(), grads)
}

#[test]
fn a_tanh_written_out_gives_the_native_tanh_bit_for_bit() {
    let native = neuron(|v| v.tanh(), false);
    assert_eq!(neuron(tanh_written_out, false), native);
    assert_eq!(neuron(tanh_written_out, true), native);
    // The notebook's numbers: x1.grad = -1.5, w1.grad = 1.0, x2.grad = 0.5.
    let (_, [x1, x2, w1, w2, _]) = native;
    assert!((x1 + 1.5).abs() < 1e-6 && (w1 - 1.0).abs() < 1e-6 && (x2 - 0.5).abs() < 1e-6);
    assert_eq!(w2, 0.0);
}

#[test]
fn native_nodes_above_and_below_a_custom_node_pass_gradients_through_it() {
    let g = Graph::new();
    let a = g.value(0.7);
    let b = g.value(-1.3);
    let below = a * b + a.exp(); // native under the custom node
    let mid = tanh_written_out(below);
    let out = (mid * mid + b).sin(); // native over it, and `b` reached two ways
    out.backward();
    let written = (a.grad(), b.grad(), out.data());

    let h = Graph::new();
    let (a2, b2) = (h.value(0.7), h.value(-1.3));
    let mid2 = (a2 * b2 + a2.exp()).tanh();
    let out2 = (mid2 * mid2 + b2).sin();
    out2.backward();
    assert_eq!(written, (a2.grad(), b2.grad(), out2.data()));

    // Against central differences of the same function.
    let f = |a: f64, b: f64| {
        let m = (a * b + a.exp()).tanh();
        (m * m + b).sin()
    };
    let h = 1e-6;
    let da = (f(0.7 + h, -1.3) - f(0.7 - h, -1.3)) / (2.0 * h);
    let db = (f(0.7, -1.3 + h) - f(0.7, -1.3 - h)) / (2.0 * h);
    assert!((written.0 - da).abs() < 1e-8 && (written.1 - db).abs() < 1e-8);
}

#[test]
fn a_custom_node_without_a_rule_passes_nothing_back() {
    let g = Graph::new();
    let x = g.value(3.0);
    let y = g.custom("opaque", &[x], 9.0);
    let out = y * 2.0 + x;
    out.backward();
    assert_eq!(y.grad(), 2.0);
    // Only the direct path reaches x, as micrograd's default `_backward` does nothing.
    assert_eq!(x.grad(), 1.0);
    assert_eq!(y.op(), Op::Custom);
    assert_eq!(y.op_name(), "opaque");
    assert_eq!(
        y.children().iter().map(|c| c.id()).collect::<Vec<_>>(),
        [x.id()]
    );
}

#[test]
fn gradients_accumulate_across_passes_through_a_custom_node() {
    let g = Graph::new();
    let x = g.value(0.3);
    let y = tanh_written_out(x);
    y.backward();
    let once = x.grad();
    y.backward();
    assert_eq!(x.grad(), once + once);
}

/// What a failing rule returns.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

#[test]
fn an_error_in_a_rule_comes_back_and_leaves_every_gradient_as_it_was() {
    let g = Graph::new();
    let x = g.value(0.5);
    let w = g.value(2.0);
    (x * w).backward(); // gradients from an earlier pass: x 2, w 0.5
    let bad = g.custom("bad", &[x * w], 1.0);
    bad.set_backward_rule(|_: &mut BackwardStep| -> Result<(), RuleError> {
        Err(Box::new(Refused))
    });
    let out = bad * 3.0 + w;
    let before: Vec<f64> = (0..g.len())
        .map(|i| g.value_at(i).unwrap().grad())
        .collect();
    for plain in [false, true] {
        let result = if plain {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| out.backward_plain()))
                .map_err(|_| ())
        } else {
            match out.try_backward() {
                Err(BackwardError::Rule { node, error }) => {
                    assert_eq!(node, bad.id());
                    assert!(error.downcast_ref::<Refused>().is_some());
                    Err(())
                }
                other => panic!("expected the rule's error, got {other:?}"),
            }
        };
        assert!(result.is_err());
        let after: Vec<f64> = (0..g.len())
            .map(|i| g.value_at(i).unwrap().grad())
            .collect();
        assert_eq!(after, before);
    }
    // The graph is still usable: a pass that avoids the failing node works.
    let fine = x * 4.0;
    fine.backward();
    assert_eq!(x.grad(), 2.0 + 4.0);
}

#[test]
fn a_rule_can_step_on_its_own_and_its_error_comes_back_from_the_step() {
    let g = Graph::new();
    let x = g.value(0.25);
    let y = tanh_written_out(x);
    y.set_grad(2.0);
    y.backward_step();
    assert_eq!(x.grad(), (1.0 - y.data() * y.data()) * 2.0);
    let bad = g.custom("bad", &[x], 0.0);
    bad.set_backward_rule(|_: &mut BackwardStep| -> Result<(), RuleError> {
        Err(Box::new(Refused))
    });
    assert!(matches!(
        bad.try_backward_step(),
        Err(BackwardError::Rule { .. })
    ));
}

#[test]
fn a_custom_node_keeps_its_rule_through_a_compaction_and_is_freed_by_a_rewind() {
    let g = Graph::new();
    let x = g.value(0.8);
    let _waste = x * 100.0;
    let y = tanh_written_out(x * 2.0);
    let mut moved = g.compact([y.id()]);
    assert!(moved.take_freed_ops().is_empty());
    let y = g.value_at(moved.new_id(y.id()).unwrap()).unwrap();
    let x = g.value_at(moved.new_id(x.id()).unwrap()).unwrap();
    y.backward();
    let t = (0.8f64 * 2.0).tanh();
    assert_eq!(x.grad(), (1.0 - t * t) * 2.0);
    assert_eq!(y.op_name(), "tanh");

    let start = g.checkpoint();
    let z = tanh_written_out(x);
    g.rewind(start);
    let again = tanh_written_out(x);
    assert_eq!(again.id(), z.id());
    g.zero_grad();
    again.backward();
    assert_eq!(x.grad(), 1.0 - again.data() * again.data());
}

thread_local! {
    /// A graph that lives as long as the thread, so a rule can reach its values by id, as a
    /// Python closure reaches them through the objects it captured.
    static GRAPH: &'static Graph = Box::leak(Box::new(Graph::new()));
}

#[test]
fn a_rule_may_write_gradients_through_handles_as_micrograd_closures_do() {
    GRAPH.with(|g| {
        let x = g.value(0.6);
        let t = x.data().tanh();
        let out = g.custom("tanh", &[x], t);
        let (x_id, out_id) = (x.id(), out.id());
        // `self.grad += (1 - t**2) * out.grad`, through handles, with the graph free to use.
        out.set_backward_rule(move |_: &mut BackwardStep| {
            GRAPH.with(|g| {
                let (x, out) = (g.value_at(x_id).unwrap(), g.value_at(out_id).unwrap());
                x.set_grad(x.grad() + (1.0 - t * t) * out.grad());
            });
            Ok(())
        });
        let top = out * 3.0 + x; // x also reached directly: the two contributions add
        top.backward();
        assert_eq!(x.grad(), 1.0 + (1.0 - t * t) * 3.0);
        // Gradients from before the pass are set aside while the rule runs and added back after.
        top.backward();
        assert_eq!(x.grad(), 2.0 * (1.0 + (1.0 - t * t) * 3.0));
    });
}

#[test]
fn a_rule_that_starts_a_backward_pass_on_its_graph_is_refused() {
    GRAPH.with(|g| {
        let x = g.value(1.0);
        let y = g.custom("nested", &[x], 1.0);
        let x_id = x.id();
        y.set_backward_rule(move |_: &mut BackwardStep| {
            GRAPH.with(|g| g.value_at(x_id).unwrap().try_backward())?;
            Ok(())
        });
        let error = y.try_backward().unwrap_err();
        let BackwardError::Rule { error, .. } = error else {
            panic!("expected the rule's error");
        };
        assert!(matches!(
            error.downcast_ref::<BackwardError>(),
            Some(BackwardError::Reentrant)
        ));
        assert!(!g.in_backward());
        (x * 2.0).backward();
        assert_eq!(x.grad(), 2.0);
    });
}

#[test]
fn a_graph_with_custom_nodes_can_move_to_another_thread() {
    fn is_send<T: Send>(_: &T) {}
    let g = Graph::new();
    let x = g.value(1.0);
    tanh_written_out(x);
    is_send(&g);
}

#[test]
fn a_rule_that_panics_leaves_the_gradients_and_the_graph_usable() {
    let g = Graph::new();
    let x = g.value(0.5);
    (x * 3.0).backward();
    let bad = g.custom("bad", &[x], 1.0);
    bad.set_backward_rule(|_: &mut BackwardStep| -> Result<(), RuleError> {
        panic!("a bug in a rule")
    });
    let out = bad * 2.0;
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| out.backward()));
    assert!(unwound.is_err());
    assert_eq!(x.grad(), 3.0);
    assert!(!g.in_backward());
    (x * 4.0).backward();
    assert_eq!(x.grad(), 7.0);
}
