//! Losses and optimizer trajectories against PyTorch's numbers in `fixtures/nn_cases.json`.

use micrograd::loss;
use micrograd::optim::{Adam, Optimizer, Sgd};
use micrograd::{Graph, Value};
use serde_json::Value as Json;

fn fixture() -> Json {
    serde_json::from_str(include_str!("fixtures/nn_cases.json")).expect("valid fixture")
}

fn numbers(v: &Json) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn close(ours: f64, torch: f64, tol: f64) -> bool {
    (ours - torch).abs() <= tol * 1f64.max(torch.abs())
}

#[test]
fn losses_and_their_gradients_match_pytorch() {
    let cases = fixture();
    let cases = cases["losses"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let g = Graph::new();
        let inputs_key = if case.get("logits").is_some() {
            "logits"
        } else {
            "scores"
        };
        let inputs: Vec<Value> = numbers(&case[inputs_key])
            .into_iter()
            .map(|x| g.value(x))
            .collect();
        let l = match name {
            "softmax_cross_entropy" | "softmax_cross_entropy_large_logits" => {
                loss::softmax_cross_entropy(
                    &inputs,
                    case["target_class"].as_u64().unwrap() as usize,
                )
            }
            "bce_with_logits_mean" => loss::bce_with_logits(&inputs, &numbers(&case["targets"])),
            "hinge_mean" => loss::hinge(&inputs, &numbers(&case["targets"])),
            "mse_mean" => loss::mse(&inputs, &numbers(&case["targets"])),
            other => panic!("unknown loss case {other}"),
        };
        assert_like_pytorch(name, l, &inputs, case, &numbers(&case["grad"]));
    }
}

/// Backward from `l`, then asserts that its value is PyTorch's `case["loss"]` and the gradients of
/// `inputs` are `grads`, to 1e-12.
fn assert_like_pytorch(name: &str, l: Value, inputs: &[Value], case: &Json, grads: &[f64]) {
    l.backward();
    let want = case["loss"].as_f64().unwrap();
    assert!(
        close(l.data(), want, 1e-12),
        "{name}: loss {} vs PyTorch {want}",
        l.data()
    );
    assert_eq!(inputs.len(), grads.len(), "{name}");
    for (i, (x, &want)) in inputs.iter().zip(grads).enumerate() {
        assert!(
            close(x.grad(), want, 1e-12),
            "{name}: grad[{i}] {} vs PyTorch {want}",
            x.grad()
        );
    }
}

#[test]
fn losses_agree_with_finite_differences() {
    let g = Graph::new();
    let s: Vec<Value> = [0.3, -2.0, 4.0, -0.7].iter().map(|&x| g.value(x)).collect();
    let targets01 = [1.0, 0.0, 1.0, 1.0];
    for (name, l) in [
        ("mse", loss::mse(&s, &targets01)),
        ("bce", loss::bce_with_logits(&s, &targets01)),
        ("ce", loss::softmax_cross_entropy(&s, 2)),
    ] {
        let report = micrograd::gradcheck(l, &s, 1e-6, 1e-6);
        assert!(report.passed(), "{name}: {report:?}");
    }
}

#[test]
fn l2_is_the_sum_of_squares_with_gradient_2p() {
    let g = Graph::new();
    let p: Vec<Value> = [0.5, -1.5, 2.0].iter().map(|&x| g.value(x)).collect();
    let l = loss::l2(&p).unwrap();
    assert_eq!(l.data(), 0.25 + 2.25 + 4.0);
    l.backward();
    assert_eq!(
        p.iter().map(Value::grad).collect::<Vec<_>>(),
        vec![1.0, -3.0, 4.0]
    );
}

/// The gradient of the fixture's objective `(p0*p1 - 1)**2 + tanh(p2)*p0 + 0.1*p2**2`, by our engine.
fn objective_grad(p: &[f64]) -> Vec<f64> {
    let g = Graph::new();
    let v: Vec<Value> = p.iter().map(|&x| g.value(x)).collect();
    let f = (v[0] * v[1] - 1.0).powf(2.0) + v[2].tanh() * v[0] + 0.1 * v[2].powf(2.0);
    f.backward();
    v.iter().map(Value::grad).collect()
}

fn optimizer_for(case: &Json) -> Box<dyn Optimizer> {
    let o = &case["options"];
    let lr = o["lr"].as_f64().unwrap();
    let wd = o.get("weight_decay").and_then(Json::as_f64);
    match case["optimizer"].as_str().unwrap() {
        "SGD" => {
            let mut s = Sgd::new(lr)
                .momentum(o.get("momentum").and_then(Json::as_f64).unwrap_or(0.0))
                .nesterov(o.get("nesterov").and_then(Json::as_bool).unwrap_or(false));
            if let Some(wd) = wd {
                s = s.weight_decay(wd);
            }
            Box::new(s)
        }
        kind @ ("Adam" | "AdamW") => {
            let mut a = if kind == "Adam" {
                Adam::new(lr)
            } else {
                Adam::adamw(lr)
            };
            if let Some(b) = o.get("betas") {
                let b = numbers(b);
                a = a.betas(b[0], b[1]);
            }
            if let Some(eps) = o.get("eps").and_then(Json::as_f64) {
                a = a.eps(eps);
            }
            if let Some(wd) = wd {
                a = a.weight_decay(wd);
            }
            Box::new(a)
        }
        other => panic!("unknown optimizer {other}"),
    }
}

#[test]
fn optimizer_trajectories_match_pytorch_to_1e_9() {
    let cases = fixture();
    let cases = cases["optimizers"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut opt = optimizer_for(case);
        let mut p = numbers(&case["start"]);
        for (k, want) in case["params_after_each_step"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let grads = objective_grad(&p);
            opt.update(&mut p, &grads);
            for (i, (ours, torch)) in p.iter().zip(numbers(want)).enumerate() {
                assert!(
                    (ours - torch).abs() <= 1e-9,
                    "{name}: step {} p{i} = {ours}, PyTorch {torch}",
                    k + 1
                );
            }
        }
    }
}

#[test]
fn optimizer_step_on_values_equals_update_on_numbers() {
    let g = Graph::new();
    let start = [0.5, -1.5, 2.0];
    let v: Vec<Value> = start.iter().map(|&x| g.value(x)).collect();
    let f = (v[0] * v[1] - 1.0).powf(2.0) + v[2].tanh() * v[0] + 0.1 * v[2].powf(2.0);
    f.backward();
    let mut by_values = Adam::new(0.1);
    by_values.step(&v);
    let mut p = start.to_vec();
    Adam::new(0.1).update(&mut p, &objective_grad(&start));
    assert_eq!(v.iter().map(Value::data).collect::<Vec<_>>(), p);
}

#[test]
fn schedules_follow_their_formulas() {
    use micrograd::optim::Schedule;
    // The demo's decay, as its Python: lr = 1.0 - 0.9 * k / 100.
    let demo = Schedule::linear(1.0, 0.1, 100);
    for k in 0..100 {
        assert_eq!(demo.lr(k), 1.0 - 0.9 * k as f64 / 100.0, "step {k}");
    }
    assert_eq!(demo.lr(100), 0.1);
    assert_eq!(demo.lr(1000), 0.1);
    assert_eq!(Schedule::constant(0.3).lr(77), 0.3);
    let step = Schedule::step(1.0, 0.5, 10);
    assert_eq!(
        [step.lr(0), step.lr(9), step.lr(10), step.lr(25)],
        [1.0, 1.0, 0.5, 0.25]
    );
    let cosine = Schedule::cosine(1.0, 0.0, 100);
    assert_eq!(cosine.lr(0), 1.0);
    assert!((cosine.lr(50) - 0.5).abs() < 1e-15);
    assert!(cosine.lr(99) > 0.0 && cosine.lr(99) < 1e-3);
    assert_eq!(cosine.lr(100), 0.0);
}

#[test]
fn optimizers_refuse_a_changed_number_of_parameters() {
    let result = std::panic::catch_unwind(|| {
        let mut adam = Adam::new(0.1);
        adam.update(&mut [1.0, 2.0], &[0.1, 0.2]);
        adam.update(&mut [1.0], &[0.1]);
    });
    assert!(result.is_err());
}

#[test]
fn an_optimizer_chosen_at_run_time_works_boxed() {
    for adam in [false, true] {
        let mut boxed: Box<dyn Optimizer> = if adam {
            Box::new(Adam::new(0.1))
        } else {
            Box::new(Sgd::new(0.1))
        };
        let mut direct: Box<dyn Optimizer> = if adam {
            Box::new(Adam::new(0.1))
        } else {
            Box::new(Sgd::new(0.1))
        };
        let (mut a, mut b) = (vec![0.5, -1.5, 2.0], vec![0.5, -1.5, 2.0]);
        for _ in 0..3 {
            let grads = objective_grad(&a);
            Optimizer::update(&mut boxed, &mut a, &grads);
            direct.as_mut().update(&mut b, &grads);
        }
        assert_eq!(a, b);
        boxed.set_learning_rate(0.25);
        assert_eq!(boxed.learning_rate(), 0.25);
    }
}

#[test]
fn label_smoothing_matches_pytorch() {
    let cases: Json =
        serde_json::from_str(include_str!("fixtures/torch_label_smoothing.json")).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let g = Graph::new();
        let logits: Vec<Vec<Value>> = case["logits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| numbers(row).into_iter().map(|x| g.value(x)).collect())
            .collect();
        let classes: Vec<usize> = numbers(&case["classes"])
            .into_iter()
            .map(|c| c as usize)
            .collect();
        let smoothing = case["label_smoothing"].as_f64().unwrap();
        let l = loss::cross_entropy_smoothed(&logits, &classes, smoothing);
        let grads: Vec<f64> = case["grad"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(numbers)
            .collect();
        assert_like_pytorch(name, l, &logits.concat(), case, &grads);
    }
}

#[test]
fn label_smoothing_agrees_with_finite_differences_and_zero_changes_no_bit() {
    let g = Graph::new();
    let z: Vec<Value> = [0.3, -2.0, 4.0, -0.7].iter().map(|&x| g.value(x)).collect();
    for smoothing in [0.05, 0.1, 0.5, 1.0] {
        let l = loss::softmax_cross_entropy_smoothed(&z, 1, smoothing);
        let report = micrograd::gradcheck(l, &z, 1e-6, 1e-6);
        assert!(report.passed(), "smoothing {smoothing}: {report:?}");
    }
    let plain = loss::softmax_cross_entropy(&z, 2);
    let unsmoothed = loss::softmax_cross_entropy_smoothed(&z, 2, 0.0);
    assert_eq!(plain.data().to_bits(), unsmoothed.data().to_bits());
}
