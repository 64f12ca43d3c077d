//! The report of `micrograd bench`: each figure beside its baseline and its target, as a table with
//! notes under it, or as one JSON object.

use serde_json::{json, Value as Json};

use super::{Args, Measured};
use crate::bench::{self, peak::Peak};
use crate::format::duration;

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

/// Digits at every width against PyTorch float64 on one thread: at most this ratio of its time.
const TORCH_RATIO: f64 = 0.5;
/// The widest network's arithmetic: at least this fraction of one core's AVX2+FMA peak.
const PEAK_FRACTION: f64 = 0.35;
/// The peak the arithmetic is judged against (the instructions PyTorch's BLAS uses on x86-64).
const JUDGED_PEAK: &str = "AVX2+FMA";
/// Two threads against one at the widest network: at most this ratio.
const THREADS_RATIO: f64 = 0.6;
/// The chain against the hand-written reverse-mode loop: at most this ratio.
const CHAIN_RATIO: f64 = 2.5;

/// What the floors mean, printed under the table.
const FLOORS: &str = "floors: the reverse-mode loop stores each step's tanh and sweeps back, what any \
reverse mode (the engine included) must do, so the <= 2.5x target is measured against it; the forward-mode \
loop carries dy/dx along and stores nothing, which works only because the chain has one input: a reference, \
not a target";

/// Prints the report, as `--json` asks.
pub(super) fn print(args: &Args, m: &Measured) {
    let mut figures = demo_and_chain_figures(m);
    figures.extend(digits_figures(args, m));
    if args.json {
        println!("{}", to_json(args, m, &figures));
    } else {
        print_table(&figures);
        println!();
        print_notes(args, m);
    }
}

fn demo_and_chain_figures(m: &Measured) -> Vec<Figure> {
    let (demo, torch, micrograd) = (
        m.demo.seconds,
        m.python.torch_moons,
        m.python.micrograd_step,
    );
    let chain = &m.chain;
    let chain_s = chain.run.seconds();
    vec![
        Figure {
            name: "moons demo (100 steps) vs PyTorch".into(),
            ours: duration(demo),
            baseline: torch.map(duration),
            ratio: torch.map(|t| demo / t),
            target: "<= 0.5x",
            met: torch.map(|t| demo / t <= 0.5),
        },
        Figure {
            name: "moons demo vs Python micrograd".into(),
            ours: duration(demo),
            baseline: micrograd.map(|s| format!("{:.1} s (100 x {})", s * 100.0, duration(s))),
            ratio: micrograd.map(|s| s * 100.0 / demo),
            target: ">= 5000x faster",
            met: micrograd.map(|s| s * 100.0 / demo >= 5000.0),
        },
        Figure {
            name: "moons demo vs hand-written f64 Rust".into(),
            ours: duration(demo),
            baseline: Some(duration(m.demo.floor_seconds)),
            ratio: Some(demo / m.demo.floor_seconds),
            target: "<= 3x",
            met: Some(demo / m.demo.floor_seconds <= 3.0),
        },
        Figure {
            name: "memory per node (long chain)".into(),
            ours: format!("{:.1} B", chain.run.bytes_per_node),
            baseline: None,
            ratio: None,
            target: "<= 32 B",
            met: Some(chain.run.bytes_per_node <= 32.0),
        },
        Figure {
            name: "chain of nodes: build+backward+drop vs reverse-mode f64 loop".into(),
            ours: duration(chain_s),
            baseline: Some(duration(chain.reverse_seconds)),
            ratio: Some(chain_s / chain.reverse_seconds),
            target: "<= 2.5x",
            met: Some(chain_s / chain.reverse_seconds <= CHAIN_RATIO),
        },
        Figure {
            name: "chain of nodes vs forward-mode f64 loop (stores nothing)".into(),
            ours: duration(chain_s),
            baseline: Some(duration(chain.forward_seconds)),
            ratio: Some(chain_s / chain.forward_seconds),
            target: "reference",
            met: None,
        },
    ]
}

/// Each width against PyTorch, the widest one's arithmetic against the peak, and the threads.
fn digits_figures(args: &Args, m: &Measured) -> Vec<Figure> {
    let mut figures: Vec<Figure> = m
        .digits
        .iter()
        .map(|d| Figure {
            name: format!(
                "digits (64-{}-10, Adam, {} epochs) vs PyTorch",
                d.hidden, args.epochs
            ),
            ours: with_accuracy(d.ours.seconds, d.ours.test_accuracy),
            baseline: d.torch.map(|(s, acc)| with_accuracy(s, acc)),
            ratio: d.torch.map(|(s, _)| d.ours.seconds / s),
            target: "<= 0.5x, acc within 1 pt",
            met: d.torch.map(|(s, acc)| {
                d.ours.seconds / s <= TORCH_RATIO && d.ours.test_accuracy >= acc - 0.01
            }),
        })
        .collect();
    // The widest network: where the arithmetic, not the bookkeeping, should dominate.
    let widest = m
        .digits
        .iter()
        .max_by_key(|d| d.hidden)
        .expect("widths checked");
    let judged = judged_peak(&m.peaks);
    figures.push(Figure {
        name: format!(
            "digits 64-{}-10: GFLOP/s vs {} peak (1 core)",
            widest.hidden, judged.instructions
        ),
        ours: format!(
            "{:.2} GFLOP/s ({:.0} %)",
            widest.gflops,
            100.0 * widest.gflops / judged.gflops
        ),
        baseline: Some(format!("{:.1} GFLOP/s", judged.gflops)),
        ratio: Some(widest.gflops / judged.gflops),
        target: if judged.instructions == JUDGED_PEAK {
            ">= 0.35x (35 %)"
        } else {
            "reference"
        },
        met: (judged.instructions == JUDGED_PEAK)
            .then(|| widest.gflops / judged.gflops >= PEAK_FRACTION),
    });
    let t = &m.threads;
    figures.push(Figure {
        name: format!("threads 2 vs 1 (digits H={})", t.hidden),
        ours: with_accuracy(t.two.seconds, t.two.test_accuracy),
        baseline: Some(with_accuracy(t.one.seconds, t.one.test_accuracy)),
        ratio: Some(t.two.seconds / t.one.seconds),
        target: "<= 0.6x",
        met: Some(t.two.seconds / t.one.seconds <= THREADS_RATIO),
    });
    figures
}

/// The AVX2+FMA peak where the processor has it; else the fastest measured, judged against
/// nothing.
fn judged_peak(peaks: &[Peak]) -> &Peak {
    peaks
        .iter()
        .find(|p| p.instructions == JUDGED_PEAK)
        .or_else(|| peaks.iter().max_by(|a, b| a.gflops.total_cmp(&b.gflops)))
        .expect("the portable peak is always measured")
}

fn with_accuracy(seconds: f64, accuracy: f64) -> String {
    format!("{} (test acc {accuracy:.4})", duration(seconds))
}

fn to_json(args: &Args, m: &Measured, figures: &[Figure]) -> Json {
    let rows: Vec<_> = figures
        .iter()
        .map(|f| {
            json!({"figure": f.name, "ours": f.ours, "baseline": f.baseline, "ratio": f.ratio,
                   "target": f.target, "met": f.met})
        })
        .collect();
    let flops = |hidden| bench::digits_flops(hidden, m.digits_samples);
    let sweep: Vec<_> = m
        .digits
        .iter()
        .map(|d| {
            json!({"hidden": d.hidden, "seconds": d.ours.seconds,
                   "test_accuracy": d.ours.test_accuracy, "gflops": d.gflops,
                   "torch_seconds": d.torch.map(|t| t.0), "torch_test_accuracy": d.torch.map(|t| t.1),
                   "torch_gflops": d.torch.map(|t| flops(d.hidden) / t.0 / 1e9)})
        })
        .collect();
    let peaks: Vec<_> = m
        .peaks
        .iter()
        .map(|p| json!({"instructions": p.instructions, "gflops": p.gflops}))
        .collect();
    let chain = &m.chain;
    let [build, backward, drop] = chain.run.phases.map(|s| s * 1e3);
    let t = &m.threads;
    json!({
        "machine": machine(),
        "demo_train_accuracy": m.demo.train_accuracy,
        "digits_epochs": args.epochs,
        "digits": sweep,
        "threads": {"hidden": t.hidden,
                    "one_thread_seconds": t.one.seconds,
                    "one_thread_test_accuracy": t.one.test_accuracy,
                    "two_threads_seconds": t.two.seconds,
                    "two_threads_test_accuracy": t.two.test_accuracy,
                    "torch_one_thread_seconds": t.torch.map(|t| t.0),
                    "torch_two_threads_seconds": t.torch.map(|t| t.1)},
        "peak_gflops": peaks,
        "chain_nodes": args.chain_nodes,
        "chain_phases_ms": {"build": build, "backward": backward, "drop": drop},
        "chain_floors_ms": {"reverse_mode": chain.reverse_seconds * 1e3,
                            "forward_mode": chain.forward_seconds * 1e3},
        "chain_fresh_memory_ms": chain.fresh_memory_seconds * 1e3,
        "python_baselines": m.python.note(&args.python),
        "figures": rows,
    })
}

/// The lines under the table: the machine, the chain's phases, the peaks and each width's rate.
fn print_notes(args: &Args, m: &Measured) {
    println!("machine: {}", machine());
    println!(
        "demo training accuracy {:.0}%, {} parameters; chain of {} nodes; Python baselines: {}",
        m.demo.train_accuracy * 100.0,
        bench::demo_parameters(),
        args.chain_nodes,
        m.python.note(&args.python)
    );
    let chain = &m.chain;
    let [build, backward, drop] = chain.run.phases.map(duration);
    println!(
        "chain: build {build}, backward {backward}, drop {drop}; writing its {:.0} MB to fresh 4 KiB \
         pages alone would take {} ({:.2}x the reverse-mode loop), which the tape's huge pages spare",
        chain.run.bytes_per_node * args.chain_nodes as f64 / 1e6,
        duration(chain.fresh_memory_seconds),
        chain.fresh_memory_seconds / chain.reverse_seconds
    );
    println!("{FLOORS}");
    let peaks: Vec<String> = m
        .peaks
        .iter()
        .map(|p| format!("{} {:.1}", p.instructions, p.gflops))
        .collect();
    println!("f64 peak of one core, GFLOP/s: {}", peaks.join("; "));
    let judged = judged_peak(&m.peaks);
    for d in &m.digits {
        let torch = d.torch.map_or(String::new(), |(s, _)| {
            let rate = bench::digits_flops(d.hidden, m.digits_samples) / s / 1e9;
            format!(", PyTorch {rate:.2}")
        });
        println!(
            "digits 64-{}-10: ours {:.2} GFLOP/s{torch} ({:.1}% of the {} peak)",
            d.hidden,
            d.gflops,
            100.0 * d.gflops / judged.gflops,
            judged.instructions
        );
    }
    println!(
        "GFLOP/s count 6 operations per weight per sample (2 forward: w*x, +; 4 backward: g*x and g*w, \
         each added; the first layer's g*w, the data rows' gradients, counts whether computed or not, \
         and PyTorch does not compute it), {} training samples x {} epochs; biases, activations, \
         loss and Adam are left out",
        m.digits_samples / args.epochs,
        args.epochs
    );
    let t = &m.threads;
    if let Some((one, two)) = t.torch {
        println!(
            "threads for reference: PyTorch's own second thread at H={} takes it from {} to {} ({:.2}x)",
            t.hidden,
            duration(one),
            duration(two),
            two / one
        );
    }
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
