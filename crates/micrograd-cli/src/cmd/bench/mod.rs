//! `micrograd bench`: the speed figures on this machine, each as a ratio to its baseline measured in the
//! same run: PyTorch and the original Python micrograd (when Python has them), hand-written plain-`f64`
//! Rust, and the processor's floating-point peak. This file measures; `report.rs` judges the
//! figures against their targets and prints them.

mod report;

use std::path::PathBuf;

use crate::bench::{self, peak, python::PythonBaselines, python::Scripts};
use crate::error::{CliError, CliResult};

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

/// The moons demo, timed on the engine and by the hand-written loop.
struct Demo {
    seconds: f64,
    floor_seconds: f64,
    train_accuracy: f64,
}

/// The long chain, with the two plain loops it is judged against.
struct Chain {
    run: bench::Chain,
    reverse_seconds: f64,
    forward_seconds: f64,
    /// Seconds to write the chain's bytes to freshly mapped memory.
    fresh_memory_seconds: f64,
}

/// One width of the digits sweep, ours beside PyTorch's.
struct DigitsWidth {
    hidden: usize,
    ours: bench::Digits,
    /// PyTorch's (seconds, test accuracy), when it ran.
    torch: Option<(f64, f64)>,
    /// Our arithmetic rate (see [`bench::digits_flops`]).
    gflops: f64,
}

/// The widest network trained on one thread and on two, the fastest of each.
struct Threads {
    hidden: usize,
    one: bench::Digits,
    two: bench::Digits,
    /// PyTorch's own training seconds on one thread and on two, when it ran: how much a second
    /// core gives the reference library on the same small work.
    torch: Option<(f64, f64)>,
}

/// Everything one run measured.
struct Measured {
    python: PythonBaselines,
    demo: Demo,
    chain: Chain,
    peaks: Vec<peak::Peak>,
    /// Training samples the digits workload sees per run (all epochs).
    digits_samples: usize,
    digits: Vec<DigitsWidth>,
    threads: Threads,
}

/// Runs `micrograd bench`.
pub fn run(args: Args) -> CliResult {
    check(&args)?;
    let scripts = Scripts {
        dir: &args.baselines,
        python: &args.python,
    };
    let mut python = if args.no_python {
        PythonBaselines::skipped("skipped (--no-python)")
    } else {
        say(&args, "the Python baselines of the moons demo");
        PythonBaselines::measure_moons(&scripts, args.micrograd_steps)
    };
    let demo = measure_demo(&args);
    let chain = measure_chain(&args)?;
    say(&args, "the floating-point peak");
    let peaks = peak::measure();
    let digits = measure_digits(&args, &scripts, &mut python);
    let threads = measure_threads(&args, &scripts, &mut python, &digits);
    let measured = Measured {
        python,
        demo,
        chain,
        peaks,
        digits_samples: bench::digits_training_samples() * args.epochs,
        digits,
        threads,
    };
    report::print(&args, &measured);
    Ok(())
}

/// Refuses options no workload can run with.
fn check(args: &Args) -> CliResult {
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
    Ok(())
}

/// Says on stderr what is being measured, unless the output is JSON.
fn say(args: &Args, what: &str) {
    if !args.json {
        eprintln!("measuring {what}…");
    }
}

fn measure_demo(args: &Args) -> Demo {
    say(args, "the moons demo");
    let mut train_accuracy = 0.0;
    let seconds = bench::best_of(args.runs, || {
        let (s, accuracy) = bench::demo(1337);
        train_accuracy = accuracy;
        s
    });
    Demo {
        seconds,
        floor_seconds: bench::best_of(args.runs, || bench::demo_floor(1337)),
        train_accuracy,
    }
}

/// The chain, fastest of up to three runs (its phases reported with it), and its floors; fails if
/// the engine's gradient is not the plain loops'.
fn measure_chain(args: &Args) -> Result<Chain, CliError> {
    say(args, "the long chain");
    let run = (0..args.runs.min(3))
        .map(|_| bench::chain(args.chain_nodes))
        .min_by(|a, b| a.seconds().total_cmp(&b.seconds()))
        .expect("at least one run");
    let floor = |loop_: fn(usize) -> (f64, f64), name: &str| {
        let mut gradient = 0.0;
        let seconds = bench::best_of(args.runs, || {
            let (s, dy) = loop_(args.chain_nodes);
            gradient = dy;
            s
        });
        if (run.gradient - gradient).abs() > 1e-9 * gradient.abs().max(1.0) {
            return Err(CliError::failure(format!(
                "the chain's gradient {} differs from the {name}-mode loop's {gradient}",
                run.gradient
            )));
        }
        Ok(seconds)
    };
    let reverse_seconds = floor(bench::chain_reverse_floor, "reverse")?;
    let forward_seconds = floor(bench::chain_forward_floor, "forward")?;
    // What the chain's memory alone costs: why the chain cannot come near the forward-mode loop.
    let bytes = run.bytes_per_node * args.chain_nodes as f64;
    let fresh_memory_seconds =
        bench::best_of(args.runs.min(3), || bench::fresh_memory(bytes as usize));
    Ok(Chain {
        run,
        reverse_seconds,
        forward_seconds,
        fresh_memory_seconds,
    })
}

/// Each width trained here and, right before, in PyTorch (unless Python is skipped), so both
/// meet the machine in the same state.
fn measure_digits(
    args: &Args,
    scripts: &Scripts<'_>,
    python: &mut PythonBaselines,
) -> Vec<DigitsWidth> {
    let samples = bench::digits_training_samples() * args.epochs;
    args.widths
        .iter()
        .map(|&hidden| {
            say(args, &format!("digits 64-{hidden}-10"));
            let torch = if args.no_python {
                None
            } else {
                python.measure_digits(scripts, hidden, args.epochs, 1)
            };
            let ours = bench::digits_run(hidden, args.epochs, 0, 1);
            let gflops = bench::digits_flops(hidden, samples) / ours.seconds / 1e9;
            DigitsWidth {
                hidden,
                ours,
                torch,
                gflops,
            }
        })
        .collect()
}

/// The second core, on the widest network, where a step has the most work to share. One and two
/// threads run in turn, the fastest of each counting, so a burst of load elsewhere hurts both
/// alike.
fn measure_threads(
    args: &Args,
    scripts: &Scripts<'_>,
    python: &mut PythonBaselines,
    digits: &[DigitsWidth],
) -> Threads {
    let hidden = args.widths.iter().copied().max().expect("widths checked");
    say(args, &format!("digits 64-{hidden}-10 on 1 and 2 threads"));
    // PyTorch's one-thread run at this width is the sweep's.
    let torch_one = digits
        .iter()
        .find(|d| d.hidden == hidden)
        .and_then(|d| d.torch);
    let torch = torch_one.and_then(|(one, _)| {
        let (two, _) = python.measure_digits(scripts, hidden, args.epochs, 2)?;
        Some((one, two))
    });
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for _ in 0..args.runs.clamp(1, 3) {
        one.push(bench::digits_run(hidden, args.epochs, 0, 1));
        two.push(bench::digits_run(hidden, args.epochs, 0, 2));
    }
    let fastest = |runs: Vec<bench::Digits>| {
        runs.into_iter()
            .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
            .expect("one run at least")
    };
    Threads {
        hidden,
        one: fastest(one),
        two: fastest(two),
        torch,
    }
}
