//! `micrograd bench`: the speed figures on this machine, each as a ratio to its baseline measured in the
//! same run: PyTorch and the original Python micrograd (when Python has them), hand-written plain-`f64`
//! Rust, and the processor's floating-point peak.

use std::path::PathBuf;

use serde_json::json;

use crate::bench::{self, peak, python::PythonBaselines, python::Scripts};
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
    /// Repetitions of each Rust workload; the fastest counts (digits runs once per width).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Hidden widths H of the digits network 64-H-10, each trained here and in PyTorch.
    #[arg(long, value_delimiter = ',', default_value = "32,128,512")]
    widths: Vec<usize>,
    /// Epochs of digits training.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
}

/// One line of the report.
struct Figure {
    name: String,
    ours: String,
    baseline: Option<String>,
    /// Our time over the baseline's; for Python micrograd, its time over ours (how many times faster);
    /// for the arithmetic rate, ours over the peak.
    ratio: Option<f64>,
    target: &'static str,
    met: Option<bool>,
}

/// One width of the digits sweep, ours beside PyTorch's.
struct DigitsWidth {
    hidden: usize,
    ours: bench::Digits,
    torch: Option<(f64, f64)>,
    /// Our arithmetic rate (see [`bench::digits_flops`]).
    gflops: f64,
}

/// What the floors mean, printed under the table.
const FLOORS: &str = "floors: the reverse-mode loop stores each step's tanh and sweeps back, what any \
reverse mode (the engine included) must do, so the <= 3x target is measured against it; the forward-mode \
loop carries dy/dx along and stores nothing, which works only because the chain has one input: a reference, \
not a target";

/// Runs `micrograd bench`.
pub fn run(args: Args) -> CliResult {
    if args.runs == 0 || args.chain_nodes < 4 {
        return Err(CliError::input(
            "--runs must be at least 1 and --chain-nodes at least 4",
        ));
    }
    if args.widths.is_empty() || args.widths.contains(&0) || args.epochs == 0 {
        return Err(CliError::input(
            "--widths must list hidden widths of at least 1 and --epochs be at least 1",
        ));
    }
    let say = |what: &str| {
        if !args.json {
            eprintln!("measuring {what}…");
        }
    };
    let scripts = Scripts {
        dir: &args.baselines,
        python: &args.python,
    };
    let mut python = if args.no_python {
        PythonBaselines::skipped("skipped (--no-python)")
    } else {
        say("the Python baselines of the moons demo");
        PythonBaselines::measure_moons(&scripts, args.micrograd_steps)
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
    let mut reverse_gradient = 0.0;
    let reverse_s = bench::best_of(args.runs, || {
        let (s, dy) = bench::chain_reverse_floor(args.chain_nodes);
        reverse_gradient = dy;
        s
    });
    let mut forward_gradient = 0.0;
    let forward_s = bench::best_of(args.runs, || {
        let (s, dy) = bench::chain_forward_floor(args.chain_nodes);
        forward_gradient = dy;
        s
    });
    for (floor, gradient) in [("reverse", reverse_gradient), ("forward", forward_gradient)] {
        if (chain.gradient - gradient).abs() > 1e-9 * gradient.abs().max(1.0) {
            return Err(CliError::failure(format!(
                "the chain's gradient {} differs from the {floor}-mode loop's {gradient}",
                chain.gradient
            )));
        }
    }
    // What the chain's memory alone costs: why the chain cannot come near the forward-mode loop.
    let chain_bytes = chain.bytes_per_node * args.chain_nodes as f64;
    let fresh_memory_s = bench::best_of(args.runs.min(3), || {
        bench::fresh_memory(chain_bytes as usize)
    });
    say("the floating-point peak");
    let peaks = peak::measure();
    let samples = bench::digits_training_samples() * args.epochs;
    let mut digits = Vec::new();
    for &hidden in &args.widths {
        say(&format!("digits 64-{hidden}-10"));
        let torch = if args.no_python {
            None
        } else {
            python.measure_digits(&scripts, hidden, args.epochs)
        };
        let ours = bench::digits_run(hidden, args.epochs, 0, 1);
        let gflops = bench::digits_flops(hidden, samples) / ours.seconds / 1e9;
        digits.push(DigitsWidth {
            hidden,
            ours,
            torch,
            gflops,
        });
    }
    // The second core, on the widest network, where a step has the most work to share. The two are
    // run in turn, the fastest of each counting, so a burst of load elsewhere hurts both alike.
    let threads_hidden = args.widths.iter().copied().max().expect("widths checked");
    say(&format!("digits 64-{threads_hidden}-10 on 1 and 2 threads"));
    let (mut one_thread, mut two_threads) = (Vec::new(), Vec::new());
    for _ in 0..args.runs.clamp(1, 2) {
        one_thread.push(bench::digits_run(threads_hidden, args.epochs, 0, 1));
        two_threads.push(bench::digits_run(threads_hidden, args.epochs, 0, 2));
    }
    let fastest = |runs: Vec<bench::Digits>| {
        runs.into_iter()
            .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
            .expect("one run at least")
    };
    let (one_thread, two_threads) = (fastest(one_thread), fastest(two_threads));

    let mut figures = vec![
        Figure {
            name: "moons demo (100 steps) vs PyTorch".into(),
            ours: duration(demo),
            baseline: python.torch_moons.map(duration),
            ratio: python.torch_moons.map(|t| demo / t),
            target: "<= 0.5x",
            met: python.torch_moons.map(|t| demo / t <= 0.5),
        },
        Figure {
            name: "moons demo vs Python micrograd".into(),
            ours: duration(demo),
            baseline: python
                .micrograd_step
                .map(|s| format!("{:.1} s (100 x {})", s * 100.0, duration(s))),
            ratio: python.micrograd_step.map(|s| s * 100.0 / demo),
            target: ">= 5000x faster",
            met: python.micrograd_step.map(|s| s * 100.0 / demo >= 5000.0),
        },
        Figure {
            name: "moons demo vs hand-written f64 Rust".into(),
            ours: duration(demo),
            baseline: Some(duration(floor)),
            ratio: Some(demo / floor),
            target: "<= 3x",
            met: Some(demo / floor <= 3.0),
        },
        Figure {
            name: "memory per node (long chain)".into(),
            ours: format!("{:.1} B", chain.bytes_per_node),
            baseline: None,
            ratio: None,
            target: "<= 32 B",
            met: Some(chain.bytes_per_node <= 32.0),
        },
        Figure {
            name: "chain of nodes: build+backward+drop vs reverse-mode f64 loop".into(),
            ours: duration(chain_s),
            baseline: Some(duration(reverse_s)),
            ratio: Some(chain_s / reverse_s),
            target: "<= 3x",
            met: Some(chain_s / reverse_s <= 3.0),
        },
        Figure {
            name: "chain of nodes vs forward-mode f64 loop (stores nothing)".into(),
            ours: duration(chain_s),
            baseline: Some(duration(forward_s)),
            ratio: Some(chain_s / forward_s),
            target: "reference",
            met: None,
        },
    ];
    for d in &digits {
        figures.push(Figure {
            name: format!(
                "digits (64-{}-10, Adam, {} epochs) vs PyTorch",
                d.hidden, args.epochs
            ),
            ours: format!(
                "{} (test acc {:.4})",
                duration(d.ours.seconds),
                d.ours.test_accuracy
            ),
            baseline: d
                .torch
                .map(|(s, acc)| format!("{} (test acc {acc:.4})", duration(s))),
            ratio: d.torch.map(|(s, _)| d.ours.seconds / s),
            target: "<= 1x, acc within 1 pt",
            met: d
                .torch
                .map(|(s, acc)| d.ours.seconds / s <= 1.0 && d.ours.test_accuracy >= acc - 0.01),
        });
    }
    // The widest network: where the arithmetic, not the bookkeeping, should dominate.
    let widest = digits
        .iter()
        .max_by_key(|d| d.hidden)
        .expect("widths checked");
    // The machine's peak: the fastest instructions it has (AVX-512 need not beat AVX2 where the
    // processor splits a 512-bit operation in two).
    let machine_peak = peaks
        .iter()
        .max_by(|a, b| a.gflops.total_cmp(&b.gflops))
        .expect("the portable peak is always measured");
    figures.push(Figure {
        name: format!(
            "digits 64-{}-10: GFLOP/s vs f64 peak (1 core)",
            widest.hidden
        ),
        ours: format!("{:.2} GFLOP/s", widest.gflops),
        baseline: Some(format!(
            "{:.1} GFLOP/s ({})",
            machine_peak.gflops, machine_peak.instructions
        )),
        ratio: Some(widest.gflops / machine_peak.gflops),
        target: "reference",
        met: None,
    });
    figures.push(Figure {
        name: format!("threads 2 vs 1 (digits H={threads_hidden})"),
        ours: format!(
            "{} (test acc {:.4})",
            duration(two_threads.seconds),
            two_threads.test_accuracy
        ),
        baseline: Some(format!(
            "{} (test acc {:.4})",
            duration(one_thread.seconds),
            one_thread.test_accuracy
        )),
        ratio: Some(two_threads.seconds / one_thread.seconds),
        target: "<= 0.6x",
        met: Some(two_threads.seconds / one_thread.seconds <= 0.6),
    });

    if args.json {
        let rows: Vec<_> = figures
            .iter()
            .map(|f| {
                json!({"figure": f.name, "ours": f.ours, "baseline": f.baseline, "ratio": f.ratio,
                       "target": f.target, "met": f.met})
            })
            .collect();
        let sweep: Vec<_> = digits
            .iter()
            .map(|d| {
                json!({"hidden": d.hidden, "seconds": d.ours.seconds,
                       "test_accuracy": d.ours.test_accuracy, "gflops": d.gflops,
                       "torch_seconds": d.torch.map(|t| t.0), "torch_test_accuracy": d.torch.map(|t| t.1),
                       "torch_gflops": d.torch.map(|t| bench::digits_flops(d.hidden, samples) / t.0 / 1e9)})
            })
            .collect();
        let peaks: Vec<_> = peaks
            .iter()
            .map(|p| json!({"instructions": p.instructions, "gflops": p.gflops}))
            .collect();
        let [build, backward, drop] = chain.phases.map(|s| s * 1e3);
        let out = json!({
            "machine": machine(),
            "demo_train_accuracy": demo_accuracy,
            "digits_epochs": args.epochs,
            "digits": sweep,
            "threads": {"hidden": threads_hidden,
                        "one_thread_seconds": one_thread.seconds,
                        "one_thread_test_accuracy": one_thread.test_accuracy,
                        "two_threads_seconds": two_threads.seconds,
                        "two_threads_test_accuracy": two_threads.test_accuracy},
            "peak_gflops": peaks,
            "chain_nodes": args.chain_nodes,
            "chain_phases_ms": {"build": build, "backward": backward, "drop": drop},
            "chain_floors_ms": {"reverse_mode": reverse_s * 1e3, "forward_mode": forward_s * 1e3},
            "chain_fresh_memory_ms": fresh_memory_s * 1e3,
            "python_baselines": python.note(&args.python),
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
            python.note(&args.python)
        );
        let [build, backward, drop] = chain.phases.map(duration);
        println!(
            "chain: build {build}, backward {backward}, drop {drop}; writing its {:.0} MB to fresh 4 KiB \
             pages alone would take {} ({:.2}x the reverse-mode loop), which the tape's huge pages spare",
            chain_bytes / 1e6,
            duration(fresh_memory_s),
            fresh_memory_s / reverse_s
        );
        println!("{FLOORS}");
        let build_peak = peaks[0].gflops;
        let peaks: Vec<String> = peaks
            .iter()
            .map(|p| format!("{} {:.1}", p.instructions, p.gflops))
            .collect();
        println!("f64 peak of one core, GFLOP/s: {}", peaks.join("; "));
        for d in &digits {
            let torch = d.torch.map_or(String::new(), |(s, _)| {
                format!(
                    ", PyTorch {:.2}",
                    bench::digits_flops(d.hidden, samples) / s / 1e9
                )
            });
            println!(
                "digits 64-{}-10: ours {:.2} GFLOP/s{torch} ({:.1}% of this build's peak)",
                d.hidden,
                d.gflops,
                100.0 * d.gflops / build_peak
            );
        }
        println!(
            "GFLOP/s count 6 operations per weight per sample (2 forward: w*x, +; 4 backward: g*x and g*w, \
             each added), {} training samples x {} epochs; biases, activations, loss and Adam are left out",
            samples / args.epochs,
            args.epochs
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
