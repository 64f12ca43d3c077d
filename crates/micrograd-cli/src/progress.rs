//! Showing a training run as it goes: a progress bar (step, loss, accuracy, speed, time left) when the
//! output is a terminal, plain lines when it is a file or a pipe (so logs stay readable), or nothing.

use crate::format::loss_text;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where progress goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error (used when standard output is reserved for JSON).
    Stderr,
}

/// The most plain lines one run prints: longer runs print every k-th step.
const MAX_LINES: usize = 100;

/// A running display of training progress.
pub struct Progress {
    display: Display,
    total: usize,
    every: usize,
}

enum Display {
    Bar(ProgressBar),
    Lines(Stream),
    Quiet,
}

impl Progress {
    /// A display for `total` steps on `stream`: a bar if the stream is a terminal, lines otherwise, or
    /// nothing if `quiet`.
    pub fn new(total: usize, stream: Stream, quiet: bool) -> Progress {
        let is_terminal = match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        };
        let display = if quiet {
            Display::Quiet
        } else if is_terminal {
            let target = match stream {
                Stream::Stdout => ProgressDrawTarget::stdout_with_hz(12),
                Stream::Stderr => ProgressDrawTarget::stderr_with_hz(12),
            };
            let bar = ProgressBar::with_draw_target(Some(total as u64), target);
            // Short enough for an 80-column terminal: a wrapped bar redraws as a mess.
            let style = ProgressStyle::with_template(
                "{bar:20.cyan/blue} step {pos}/{len} {msg} left {eta}",
            )
            .expect("the template is valid")
            .progress_chars("█▉▊▋▌▍▎▏ ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(250));
            Display::Bar(bar)
        } else {
            Display::Lines(stream)
        };
        Progress {
            display,
            total,
            every: total.div_ceil(MAX_LINES).max(1),
        }
    }

    /// Reports that step `step` (counting from 0) ended with `loss` and training accuracy `accuracy`
    /// (0 to 1).
    pub fn step(&self, step: usize, loss: f64, accuracy: f64) {
        match &self.display {
            Display::Bar(bar) => {
                bar.set_position(step as u64 + 1);
                bar.set_message(format!(
                    "loss {} acc {:.1}% {:.0}/s",
                    loss_text(loss),
                    accuracy * 100.0,
                    bar.per_sec()
                ));
            }
            Display::Lines(stream) => {
                if step.is_multiple_of(self.every) || step + 1 == self.total {
                    let line = format!(
                        "step {step} loss {}, accuracy {:.1}%",
                        loss_text(loss),
                        accuracy * 100.0
                    );
                    print_line(*stream, &line);
                }
            }
            Display::Quiet => {}
        }
    }

    /// Removes the bar, leaving the terminal clean for the summary.
    pub fn finish(&self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Writes a line, ignoring a closed pipe (`micrograd train | head` must not panic).
pub fn print_line(stream: Stream, line: &str) {
    let _ = match stream {
        Stream::Stdout => writeln!(std::io::stdout(), "{line}"),
        Stream::Stderr => writeln!(std::io::stderr(), "{line}"),
    };
}
