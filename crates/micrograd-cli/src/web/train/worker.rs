//! A playground session's thread: it owns the graph, the model and the trainer (the graph is
//! single-threaded), obeys the page's controls, and publishes a snapshot after every frame.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use micrograd::nn::MLP;
use micrograd::session::{Bounds, Curves, Session};
use micrograd::train::{StepReport, Trainer};
use micrograd::Graph;
use tokio::sync::watch;

use super::json::{self, PageState};
use crate::web::limits::MAX_STEPS;

/// The side of the decision-boundary grid, in cells.
const GRID: usize = 48;
/// The time between two published frames while playing.
const FRAME: Duration = Duration::from_millis(40);

/// What the page asks a session to do.
pub enum Control {
    /// Train frame after frame.
    Play,
    /// Stop after the current frame.
    Pause,
    /// One step, then pause.
    Step,
    /// Back to the initial weights and a fresh optimizer.
    Reset,
    /// Train this many steps per frame.
    Speed(usize),
}

/// One session's state, owned by its thread.
pub struct Worker {
    session: Session,
    bounds: Bounds,
    playing: bool,
    speed: usize,
    last: Option<StepReport>,
    curves: Curves,
    message: Option<String>,
}

impl Worker {
    /// A paused session drawn over `bounds`.
    pub fn new(session: Session, bounds: Bounds) -> Worker {
        Worker {
            session,
            bounds,
            playing: false,
            speed: 4,
            last: None,
            curves: Curves::default(),
            message: None,
        }
    }

    /// The session's loop: publish the first snapshot, then wait for controls while paused; while
    /// playing, train `speed` steps per frame and publish. Ends when the session is removed (its
    /// control channel closes).
    pub fn run(mut self, inbox: Receiver<Control>, publish: watch::Sender<Arc<String>>) {
        let graph = Graph::new();
        let model = self.session.build_model(&graph);
        let initial = model.parameter_data();
        let mut trainer = self.session.trainer(&model);
        if publish.send(Arc::new(self.snapshot(&model))).is_err() {
            return;
        }
        loop {
            let frame_start = Instant::now();
            let control = if self.playing {
                match inbox.try_recv() {
                    Ok(c) => Some(c),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            } else {
                match inbox.recv_timeout(Duration::from_secs(60)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            let mut changed = true;
            match control {
                Some(Control::Play) => {
                    self.playing = self.steps_done() < MAX_STEPS;
                    self.message = None;
                }
                Some(Control::Pause) => self.playing = false,
                Some(Control::Speed(s)) => {
                    self.speed = s;
                    changed = false;
                }
                Some(Control::Step) => {
                    self.playing = false;
                    self.message = None;
                    self.train_step(&mut trainer);
                }
                Some(Control::Reset) => {
                    model
                        .set_parameter_data(&initial)
                        .expect("same architecture");
                    trainer = self.session.trainer(&model);
                    self.playing = false;
                    self.last = None;
                    self.curves = Curves::default();
                    self.message = None;
                }
                None => changed = false,
            }
            if self.playing {
                // A large network does fewer steps per frame rather than fewer frames, so the
                // page stays lively and a pause is obeyed at once.
                for _ in 0..self.speed {
                    if !self.train_step(&mut trainer) || frame_start.elapsed() > FRAME {
                        break;
                    }
                }
                changed = true;
            }
            if changed && publish.send(Arc::new(self.snapshot(&model))).is_err() {
                return;
            }
            if self.playing {
                std::thread::sleep(FRAME.saturating_sub(frame_start.elapsed()));
            }
        }
    }

    fn steps_done(&self) -> usize {
        self.last.as_ref().map_or(0, |r| r.step + 1)
    }

    /// One step of the session; records the report. Returns false (and pauses) when training cannot
    /// go on.
    fn train_step(&mut self, trainer: &mut Trainer) -> bool {
        if self.steps_done() >= MAX_STEPS {
            self.playing = false;
            self.message = Some(format!("stopped at the limit of {MAX_STEPS} steps"));
            return false;
        }
        match self.session.step(trainer) {
            Ok(report) => {
                self.curves.record(&report);
                self.last = Some(report);
                true
            }
            Err(e) => {
                self.playing = false;
                self.message = Some(format!("paused: {e}"));
                false
            }
        }
    }

    fn snapshot(&self, model: &MLP) -> String {
        let snapshot =
            self.session
                .snapshot(model, self.last.as_ref(), &self.curves, self.bounds, GRID);
        let page = PageState {
            playing: self.playing,
            speed: self.speed,
            message: self.message.as_deref(),
        };
        json::snapshot(&snapshot, &page)
    }
}
