//! `micrograd bench`: the speed figures of DESIGN section 9 on this machine, each as a ratio to its
//! baseline measured in the same run: PyTorch and the original Python micrograd (when Python has
//! them), and hand-written plain-`f64` Rust.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::bench;
use crate::error::{CliError, CliResult};
use crate::format::duration;

/// Options of `micrograd bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Directory of the Python baseline scripts (torch_moons.py, micrograd_py_moons.py, torch_digits.py).
    #[arg(long, default_value = "bench")]
    baselines: PathBuf,
    /// The Python interpreter that has torch, numpy and micrograd installed.
    #[arg(long, default_value = "python3")]
    python: String,
    /// Skip the Python baselines.
    #[arg(long)]
    no_python: bool,
    /// Steps of the original Python micrograd to time (it takes about a second each).
    #[arg(long, default_value_t = 3)]
    micrograd_steps: usize,
    /// Nodes in the long chain.
    #[arg(long, default_value_t = 10_000_000)]
    chain_nodes: usize,
    /// Repetitions of each Rust workload; the fastest counts.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// One line of the report.
struct Figure {
    name: &'static str,
    ours: String,
    baseline: Option<String>,
    /// Our time over the baseline's; for Python micrograd, its time over ours (how many times faster).
    ratio: Option<f64>,
    target: &'static str,
    met: Option<bool>,
}

/// Runs `micrograd bench`.
pub fn run(args: Args) -> CliResult {
    if args.runs == 0 || args.chain_nodes < 4 {
        return Err(CliError::input(
            "--runs must be at least 1 and --chain-nodes at least 4",
        ));
    }
    let say = |what: &str| {
        if !args.json {
            eprintln!("measuring {what}…");
        }
    };
    let python = if args.no_python {
        None
    } else {
        say("the Python baselines");
        Some(PythonBaselines::measure(&args))
    };

    say("the moons demo");
    let mut demo_accuracy = 0.0;
    let demo = bench::best_of(args.runs, || {
        let (s, acc) = bench::demo(1337);
        demo_accuracy = acc;
        s
    });
    let floor = bench::best_of(args.runs, || bench::demo_floor(1337));
    say("the long chain");
    // The fastest run, whose phases are reported with it.
    let chain = (0..args.runs.min(3))
        .map(|_| bench::chain(args.chain_nodes))
        .min_by(|a, b| a.seconds().total_cmp(&b.seconds()))
        .expect("at least one run");
    let chain_s = chain.seconds();
    let mut plain_gradient = 0.0;
    let plain_s = bench::best_of(args.runs, || {
        let (s, dy) = bench::chain_floor(args.chain_nodes);
        plain_gradient = dy;
        s
    });
    // What the chain's memory alone costs: why the chain cannot come near its plain loop.
    let chain_bytes = chain.bytes_per_node * args.chain_nodes as f64;
    let fresh_memory_s = bench::best_of(args.runs.min(3), || {
        bench::fresh_memory(chain_bytes as usize)
    });
    say("digits");
    let (digits_s, digits_accuracy) = bench::digits_run(20, 0);

    let python = python.unwrap_or_else(|| PythonBaselines {
        note: "skipped (--no-python)".into(),
        ..PythonBaselines::default()
    });
    let figures = vec![
        Figure {
            name: "moons demo (100 steps) vs PyTorch",
            ours: duration(demo),
            baseline: python.torch_moons.map(duration),
            ratio: python.torch_moons.map(|t| demo / t),
            target: "<= 0.5x",
            met: python.torch_moons.map(|t| demo / t <= 0.5),
        },
        Figure {
            name: "moons demo vs Python micrograd",
            ours: duration(demo),
            baseline: python
                .micrograd_step
                .map(|s| format!("{:.1} s (100 x {})", s * 100.0, duration(s))),
            ratio: python.micrograd_step.map(|s| s * 100.0 / demo),
            target: ">= 5000x faster",
            met: python.micrograd_step.map(|s| s * 100.0 / demo >= 5000.0),
        },
        Figure {
            name: "moons demo vs hand-written f64 Rust",
            ours: duration(demo),
            baseline: Some(duration(floor)),
            ratio: Some(demo / floor),
            target: "<= 3x",
            met: Some(demo / floor <= 3.0),
        },
        Figure {
            name: "memory per node (long chain)",
            ours: format!("{:.1} B", chain.bytes_per_node),
            baseline: None,
            ratio: None,
            target: "<= 32 B",
            met: Some(chain.bytes_per_node <= 32.0),
        },
        Figure {
            name: "chain of nodes: build+backward+drop vs f64 loop",
            ours: duration(chain_s),
            baseline: Some(duration(plain_s)),
            ratio: Some(chain_s / plain_s),
            target: "<= 3x",
            met: Some(chain_s / plain_s <= 3.0),
        },
        Figure {
            name: "digits (64-32-10, Adam, 20 epochs) vs PyTorch",
            ours: format!("{} (test acc {:.4})", duration(digits_s), digits_accuracy),
            baseline: python
                .torch_digits
                .map(|(s, acc)| format!("{} (test acc {acc:.4})", duration(s))),
            ratio: python.torch_digits.map(|(s, _)| digits_s / s),
            target: "<= 1x, acc >= 0.97",
            met: python
                .torch_digits
                .map(|(s, _)| digits_s / s <= 1.0 && digits_accuracy >= 0.97),
        },
    ];
    let gradients_agree =
        (chain.gradient - plain_gradient).abs() <= 1e-9 * plain_gradient.abs().max(1.0);
    if !gradients_agree {
        return Err(CliError::failure(format!(
            "the chain's gradient {} differs from the hand-computed {plain_gradient}",
            chain.gradient
        )));
    }

    if args.json {
        let rows: Vec<_> = figures
            .iter()
            .map(|f| {
                json!({"figure": f.name, "ours": f.ours, "baseline": f.baseline, "ratio": f.ratio,
                       "target": f.target, "met": f.met})
            })
            .collect();
        let [build, backward, drop] = chain.phases.map(|s| s * 1e3);
        let out = json!({
            "machine": machine(),
            "demo_train_accuracy": demo_accuracy,
            "digits_test_accuracy": digits_accuracy,
            "chain_nodes": args.chain_nodes,
            "chain_phases_ms": {"build": build, "backward": backward, "drop": drop},
            "chain_fresh_memory_ms": fresh_memory_s * 1e3,
            "python_baselines": python.note,
            "figures": rows,
        });
        println!("{out}");
    } else {
        print_table(&figures);
        println!();
        println!("machine: {}", machine());
        println!(
            "demo training accuracy {:.0}%, {} parameters; chain of {} nodes; Python baselines: {}",
            demo_accuracy * 100.0,
            bench::demo_parameters(),
            args.chain_nodes,
            python.note
        );
        let [build, backward, drop] = chain.phases.map(duration);
        println!(
            "chain: build {build}, backward {backward}, drop {drop}; writing its {:.0} MB to fresh memory \
             alone takes {} ({:.2}x the f64 loop)",
            chain_bytes / 1e6,
            duration(fresh_memory_s),
            fresh_memory_s / plain_s
        );
    }
    Ok(())
}

fn print_table(figures: &[Figure]) {
    let header = ["figure", "ours", "baseline", "ratio", "target", "met"];
    let rows: Vec<[String; 6]> = figures
        .iter()
        .map(|f| {
            [
                f.name.to_string(),
                f.ours.clone(),
                f.baseline.clone().unwrap_or_else(|| "-".into()),
                f.ratio.map_or("-".into(), |r| format!("{r:.2}x")),
                f.target.to_string(),
                match f.met {
                    Some(true) => "yes".into(),
                    Some(false) => "NO".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
}

/// The CPU and the number of cores, as far as this machine tells.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("{cpu}, {cores} cores")
}

/// The Python figures, measured by running the baseline scripts.
#[derive(Default)]
struct PythonBaselines {
    /// PyTorch, seconds for the demo's 100 steps.
    torch_moons: Option<f64>,
    /// Python micrograd, seconds per demo step.
    micrograd_step: Option<f64>,
    /// PyTorch digits: training seconds and test accuracy.
    torch_digits: Option<(f64, f64)>,
    /// What ran, or why not.
    note: String,
}

impl PythonBaselines {
    fn measure(args: &Args) -> Self {
        let dir = &args.baselines;
        let run =
            |script: &str, extra: &[String]| run_script(&args.python, &dir.join(script), extra);
        let torch_moons = run("torch_moons.py", &[]);
        let micrograd = run("micrograd_py_moons.py", &[args.micrograd_steps.to_string()]);
        let torch_digits = run("torch_digits.py", &[]);
        let failures: Vec<String> = [
            ("torch_moons.py", &torch_moons),
            ("micrograd_py_moons.py", &micrograd),
            ("torch_digits.py", &torch_digits),
        ]
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect();
        let number = |text: &Result<String, String>, key: &str| {
            text.as_ref().ok().and_then(|t| {
                let mut words = t.split_whitespace();
                words.position(|w| w == key)?;
                words.next()?.parse::<f64>().ok()
            })
        };
        let note = if failures.is_empty() {
            format!("measured in this run with {}", args.python)
        } else {
            format!("not all measured ({})", failures.join("; "))
        };
        PythonBaselines {
            torch_moons: number(&torch_moons, "torch_moons_ms").map(|m| m / 1e3),
            micrograd_step: number(&micrograd, "micrograd_py_step_ms").map(|m| m / 1e3),
            torch_digits: number(&torch_digits, "torch_digits_s")
                .zip(number(&torch_digits, "test_accuracy")),
            note,
        }
    }
}

/// Runs a Python script; its standard output, or why it could not run.
fn run_script(python: &str, script: &Path, extra: &[String]) -> Result<String, String> {
    if !script.is_file() {
        return Err(format!("{} not found (see --baselines)", script.display()));
    }
    let out = Command::new(python)
        .arg(script)
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no message").to_string();
        return Err(format!("failed: {last}"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
