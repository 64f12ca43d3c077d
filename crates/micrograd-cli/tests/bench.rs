//! End-to-end tests of `micrograd bench`: the figures it reports, its JSON, and its errors. Speed
//! is never asserted here (timings belong to benchmarks); what is checked is that every workload
//! runs, computes what it should, and is reported.

mod common;

use common::{json_from_success, micrograd, scratch};
use predicates::str::contains;

const BASELINES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench");

/// `micrograd bench` kept short: one run of each workload, a chain of 4,000 nodes and digits at one
/// hidden width.
fn quick_bench() -> assert_cmd::Command {
    let mut command = micrograd();
    command.args([
        "bench",
        "--runs",
        "1",
        "--chain-nodes",
        "4000",
        "--widths",
        "32",
    ]);
    command
}

/// The peak the widest network's rate is judged against: AVX2+FMA where the processor has it,
/// else the fastest the report measured.
fn judged_peak(report: &serde_json::Value) -> String {
    let peaks = report["peak_gflops"].as_array().unwrap();
    let name = |p: &serde_json::Value| p["instructions"].as_str().unwrap().to_string();
    match peaks.iter().find(|p| p["instructions"] == "AVX2+FMA") {
        Some(p) => name(p),
        None => name(
            peaks
                .iter()
                .max_by(|a, b| {
                    a["gflops"]
                        .as_f64()
                        .unwrap()
                        .total_cmp(&b["gflops"].as_f64().unwrap())
                })
                .unwrap(),
        ),
    }
}

#[test]
fn every_figure_is_reported_in_json() {
    let report = json_from_success(quick_bench().args(["--no-python", "--json"]));
    let figures = report["figures"].as_array().unwrap();
    let peak = judged_peak(&report);
    let rate = format!("digits 64-32-10: GFLOP/s vs {peak} peak (1 core)");
    let names: Vec<&str> = figures
        .iter()
        .map(|f| f["figure"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "moons demo (100 steps) vs PyTorch",
            "moons demo vs Python micrograd",
            "moons demo vs hand-written f64 Rust",
            "memory per node (long chain)",
            "chain of nodes: build+backward+drop vs reverse-mode f64 loop",
            "chain of nodes vs forward-mode f64 loop (stores nothing)",
            "digits (64-32-10, Adam, 20 epochs) vs PyTorch",
            &rate,
            "threads 2 vs 1 (digits H=32)",
        ]
    );
    // Without Python the baselines it runs are missing, and nothing is claimed about them.
    for f in &figures[..2] {
        assert!(f["ratio"].is_null() && f["met"].is_null(), "{f}");
    }
    // The Rust baselines are always measured.
    for k in [2, 4, 5, 7, 8] {
        assert!(
            figures[k]["ratio"].as_f64().unwrap() > 0.0,
            "{}",
            figures[k]
        );
    }
    // The reverse-mode loop is the floor the target is judged on; the forward-mode loop is shown
    // beside it with no target.
    assert_eq!(figures[4]["target"], "<= 2.5x");
    assert_eq!(figures[6]["target"], "<= 0.5x, acc within 1 pt");
    assert!(figures[5]["met"].is_null());
    assert!(figures[6]["met"].is_null(), "no PyTorch, no verdict");
    assert_eq!(figures[3]["met"], true, "{}", figures[3]);
    assert_eq!(report["demo_train_accuracy"], 1.0);
    let digits = report["digits"].as_array().unwrap();
    assert_eq!(digits.len(), 1);
    assert_eq!(digits[0]["hidden"], 32);
    assert!(digits[0]["test_accuracy"].as_f64().unwrap() >= 0.97);
    assert!(digits[0]["gflops"].as_f64().unwrap() > 0.0);
    assert!(digits[0]["torch_seconds"].is_null());
    let floors = &report["chain_floors_ms"];
    for floor in ["reverse_mode", "forward_mode"] {
        assert!(floors[floor].as_f64().unwrap() > 0.0, "{floor}");
    }
    let peaks = report["peak_gflops"].as_array().unwrap();
    assert!(!peaks.is_empty());
    for p in peaks {
        assert!(p["gflops"].as_f64().unwrap() > 0.0, "{p}");
    }
    assert_eq!(report["chain_nodes"], 4000);
    let phases = &report["chain_phases_ms"];
    for phase in ["build", "backward", "drop"] {
        assert!(phases[phase].as_f64().unwrap() >= 0.0, "{phase}");
    }
    assert!(report["chain_fresh_memory_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(report["python_baselines"], "skipped (--no-python)");
    // The second core: the widest network trained on 1 and 2 threads, to the same accuracy.
    let threads = &report["threads"];
    assert_eq!(threads["hidden"], 32);
    assert_eq!(figures[8]["target"], "<= 0.6x");
    let (one, two) = (
        threads["one_thread_test_accuracy"].as_f64().unwrap(),
        threads["two_threads_test_accuracy"].as_f64().unwrap(),
    );
    assert!((one - two).abs() <= 0.005, "{one} vs {two}");
    assert!(
        threads["torch_two_threads_seconds"].is_null(),
        "no PyTorch, no run"
    );
}

#[test]
fn the_table_names_each_target_and_the_chain_phases() {
    quick_bench()
        .arg("--no-python")
        .assert()
        .success()
        .stdout(contains("moons demo vs hand-written f64 Rust"))
        .stdout(contains("<= 3x"))
        .stdout(contains("chain: build "))
        .stdout(contains("to fresh 4 KiB pages alone would take"))
        .stdout(contains(
            "floors: the reverse-mode loop stores each step's tanh",
        ))
        .stdout(contains("f64 peak of one core, GFLOP/s: this build"))
        .stdout(contains("digits 64-32-10: ours "));
}

#[test]
fn the_width_sweep_trains_each_width_beside_pytorch() {
    // A stand-in for Python that answers as the baseline scripts do, so that the wiring of every
    // width to its own PyTorch run is checked without PyTorch.
    let dir = scratch("bench-sweep");
    let python = dir.path().join("python3");
    std::fs::write(
        &python,
        "#!/bin/sh\n\
         case \"$1\" in\n\
         *torch_digits.py) case \"$*\" in\n\
           *--threads\\ 2*) echo \"torch_digits_s 800 test_accuracy 0.0$2\" ;;\n\
           *) echo \"torch_digits_s 1000 test_accuracy 0.0$2\" ;;\n\
           esac ;;\n\
         *torch_moons.py) echo torch_moons_ms 1000 ;;\n\
         *) echo micrograd_py_step_ms 1000 ;;\n\
         esac\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&python).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&python, permissions).unwrap();

    let report = json_from_success(micrograd().args([
        "bench",
        "--runs",
        "1",
        "--chain-nodes",
        "4000",
        "--json",
        "--widths",
        "4,8",
        "--epochs",
        "1",
        "--baselines",
        BASELINES,
        "--python",
        python.to_str().unwrap(),
    ]));
    assert!(
        report["python_baselines"]
            .as_str()
            .unwrap()
            .starts_with("measured in this run"),
        "{}",
        report["python_baselines"]
    );
    let digits = report["digits"].as_array().unwrap();
    let hidden: Vec<u64> = digits
        .iter()
        .map(|d| d["hidden"].as_u64().unwrap())
        .collect();
    assert_eq!(hidden, [4, 8]);
    // The stand-in's accuracy is 0.0H: each width reached its own run.
    for d in digits {
        assert_eq!(d["torch_seconds"], 1000.0);
        let h = d["hidden"].as_f64().unwrap();
        assert_eq!(d["torch_test_accuracy"].as_f64().unwrap(), h / 100.0);
    }
    let figures = report["figures"].as_array().unwrap();
    for (k, h) in [(6, 4), (7, 8)] {
        let f = &figures[k];
        assert_eq!(
            f["figure"],
            format!("digits (64-{h}-10, Adam, 1 epochs) vs PyTorch")
        );
        // Seconds of training against the stand-in's 1000 s.
        assert!(f["ratio"].as_f64().unwrap() < 0.01, "{f}");
        assert!(f["met"].is_boolean(), "{f}");
    }
    assert_eq!(
        figures[8]["figure"],
        format!(
            "digits 64-8-10: GFLOP/s vs {} peak (1 core)",
            judged_peak(&report)
        )
    );
    // PyTorch's own second thread, at the widest width, beside its one-thread run of the sweep.
    let threads = &report["threads"];
    assert_eq!(threads["hidden"], 8);
    assert_eq!(threads["torch_one_thread_seconds"], 1000.0);
    assert_eq!(threads["torch_two_threads_seconds"], 800.0);
}

#[test]
fn a_python_that_cannot_run_is_a_note_not_a_failure() {
    let report = json_from_success(quick_bench().args([
        "--json",
        "--baselines",
        BASELINES,
        "--python",
        "/no/such/python3",
    ]));
    let note = report["python_baselines"].as_str().unwrap();
    assert!(note.contains("cannot run /no/such/python3"), "{note}");
    assert!(report["figures"][0]["ratio"].is_null());
}

#[test]
fn bad_options_exit_2() {
    micrograd()
        .args(["bench", "--runs", "0"])
        .assert()
        .code(2)
        .stderr(contains("--runs must be at least 1"));
    micrograd()
        .args(["bench", "--chain-nodes", "3"])
        .assert()
        .code(2)
        .stderr(contains("--chain-nodes at least 4"));
    for bad in [["--widths", "32,0"], ["--epochs", "0"]] {
        micrograd()
            .args(["bench"])
            .args(bad)
            .assert()
            .code(2)
            .stderr(contains("--widths must list hidden widths of at least 1"));
    }
}
