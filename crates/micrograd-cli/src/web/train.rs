//! The training view's sessions: each one trains a network with the library on its own thread, and
//! publishes a snapshot (step, loss, accuracy, curves, decision-boundary grid, weights) after every
//! frame; `GET /api/train/{id}/events` streams the snapshots as server-sent events. A watch channel
//! holds only the latest snapshot, so a slow page skips frames instead of queueing them.
//!
//! Endpoints: `POST /api/train` (create, from the settings), `GET /api/train/{id}` (the latest
//! snapshot), `POST /api/train/{id}/control` (`play`, `pause`, `step`, `reset`, `speed`),
//! `DELETE /api/train/{id}`, `GET /api/train/{id}/events`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use futures_util::stream::{Stream, StreamExt};
use micrograd::data::{self, Dataset};
use micrograd::loss::Loss;
use micrograd::nn::{Activation, MLP};
use micrograd::optim::{Adam, Schedule, Sgd};
use micrograd::train::Trainer;
use micrograd::Graph;
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;

use super::error::ApiError;
use super::explore::number;
use super::limits::*;
use super::AppState;

/// The settings of a training session, as the page's form sends them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// `moons`, `circles`, `xor`, `spiral` or `blobs` (two classes each).
    #[serde(default = "default_dataset")]
    pub dataset: String,
    /// How many points.
    #[serde(default = "default_samples")]
    pub samples: usize,
    /// The standard deviation of the noise added to each coordinate.
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// The widths of the hidden layers.
    #[serde(default = "default_hidden")]
    pub hidden: Vec<usize>,
    /// The hidden layers' activation: `relu`, `tanh` or `sigmoid` (the output is linear).
    #[serde(default = "default_activation")]
    pub activation: String,
    /// `hinge`, `bce` or `mse`, plus the demo's 1e-4 L2 penalty.
    #[serde(default = "default_loss")]
    pub loss: String,
    /// `sgd` (with the demo's linear decay to a tenth over 100 steps), `adam` or `adamw`.
    #[serde(default = "default_optimizer")]
    pub optimizer: String,
    /// The (starting) learning rate.
    #[serde(default = "default_learning_rate")]
    pub learning_rate: f64,
    /// The seed of the data and the initial weights.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_dataset() -> String {
    "moons".into()
}
fn default_samples() -> usize {
    100
}
fn default_noise() -> f64 {
    0.1
}
fn default_hidden() -> Vec<usize> {
    vec![16, 16]
}
fn default_activation() -> String {
    "relu".into()
}
fn default_loss() -> String {
    "hinge".into()
}
fn default_optimizer() -> String {
    "sgd".into()
}
fn default_learning_rate() -> f64 {
    1.0
}
fn default_seed() -> u64 {
    1337
}

/// The settings, checked and turned into the library's types.
struct Plan {
    config: TrainConfig,
    data: Dataset,
    layers: Vec<(usize, Activation)>,
    loss: Loss,
}

impl TrainConfig {
    fn plan(self) -> Result<Plan, ApiError> {
        let bad = |m: String| Err(ApiError::unprocessable(m));
        if !(2..=MAX_SAMPLES).contains(&self.samples) {
            return bad(format!(
                "samples must be between 2 and {MAX_SAMPLES}, not {}",
                self.samples
            ));
        }
        if !(self.noise.is_finite() && (0.0..=1.0).contains(&self.noise)) {
            return bad(format!("noise must be between 0 and 1, not {}", self.noise));
        }
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return bad(format!(
                "at most {MAX_HIDDEN_LAYERS} hidden layers, not {}",
                self.hidden.len()
            ));
        }
        if let Some(&w) = self
            .hidden
            .iter()
            .find(|&&w| !(1..=MAX_LAYER_WIDTH).contains(&w))
        {
            return bad(format!(
                "a hidden layer has between 1 and {MAX_LAYER_WIDTH} neurons, not {w}"
            ));
        }
        if !(self.learning_rate.is_finite()
            && self.learning_rate > 0.0
            && self.learning_rate <= 10.0)
        {
            return bad(format!(
                "the learning rate must be above 0 and at most 10, not {}",
                self.learning_rate
            ));
        }
        if !matches!(self.optimizer.as_str(), "sgd" | "adam" | "adamw") {
            return bad(format!(
                "unknown optimizer `{}`: expected sgd, adam or adamw",
                self.optimizer
            ));
        }
        let activation = match self.activation.as_str() {
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            "sigmoid" => Activation::Sigmoid,
            other => {
                return bad(format!(
                    "unknown activation `{other}`: expected relu, tanh or sigmoid"
                ))
            }
        };
        let loss = match self.loss.as_str() {
            "hinge" => Loss::Hinge,
            "bce" => Loss::BceWithLogits,
            "mse" => Loss::Mse,
            other => {
                return bad(format!(
                    "unknown loss `{other}`: expected hinge, bce or mse"
                ))
            }
        };
        let (n, noise, seed) = (self.samples, self.noise, self.seed);
        let raw = match self.dataset.as_str() {
            "moons" => data::moons(n, noise, seed),
            "circles" => data::circles(n, noise, seed),
            "xor" => data::xor(n, noise, seed),
            "spiral" => data::spiral_with(n, 2, noise, seed),
            "blobs" => data::blobs_with(n, 2, noise, seed),
            other => {
                return bad(format!(
                    "unknown data set `{other}`: expected moons, circles, xor, spiral or blobs"
                ))
            }
        };
        // Classes 0/1 become -1/+1: the sign of the one output is the prediction under every loss.
        let labels: Vec<f64> = raw
            .labels()
            .iter()
            .map(|&y| if y > 0.0 { 1.0 } else { -1.0 })
            .collect();
        let data = Dataset::from_flat(raw.name.clone(), 2, raw.features().to_vec(), labels);
        let mut layers: Vec<(usize, Activation)> =
            self.hidden.iter().map(|&w| (w, activation)).collect();
        layers.push((1, Activation::Linear));
        Ok(Plan {
            config: self,
            data,
            layers,
            loss,
        })
    }
}

/// What the page asks a session to do.
enum Command {
    Play,
    Pause,
    Step,
    Reset,
    Speed(usize),
}

/// A live session: how to reach its thread, and its latest snapshot.
pub struct Session {
    commands: mpsc::Sender<Command>,
    snapshots: watch::Receiver<Arc<String>>,
    last_used: Mutex<Instant>,
    watchers: AtomicUsize,
}

/// Every live session, and the count of open streams.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<u64, Arc<Session>>>,
    next_id: AtomicU64,
    streams: Arc<AtomicUsize>,
}

impl Sessions {
    fn get(&self, id: &str) -> Result<Arc<Session>, ApiError> {
        let found = id
            .parse::<u64>()
            .ok()
            .and_then(|id| self.map.lock().unwrap().get(&id).cloned());
        let session = found.ok_or_else(|| {
            ApiError::not_found(format!("no training session `{id}` (it may have ended after {SESSION_IDLE_SECONDS} s unwatched)"))
        })?;
        *session.last_used.lock().unwrap() = Instant::now();
        Ok(session)
    }
}

/// Ends sessions nobody has watched or driven for [`SESSION_IDLE_SECONDS`].
pub fn start_reaper(state: Arc<AppState>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let limit = Duration::from_secs(SESSION_IDLE_SECONDS);
            state.sessions.map.lock().unwrap().retain(|_, s| {
                s.watchers.load(Ordering::SeqCst) > 0
                    || s.last_used.lock().unwrap().elapsed() < limit
            });
        }
    });
}

/// The session id of a path; one that cannot be read (such as invalid UTF-8) names no session.
fn session_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|_| ApiError::not_found("no such training session"))
}

/// `POST /api/train`: starts a paused session; answers its id, the data points and a first snapshot.
pub async fn create(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let config: TrainConfig = super::parse_json(body)?;
    let plan = config.plan()?;
    let points: Vec<JsonValue> = plan
        .data
        .rows()
        .zip(plan.data.labels())
        .map(|(r, &y)| json!([r[0], r[1], y]))
        .collect();
    let bounds = Bounds::around(&plan.data);
    let dataset = plan.data.name.clone();
    let sessions = &state.sessions;
    let id = {
        let mut map = sessions.map.lock().unwrap();
        if map.len() >= MAX_TRAINING_SESSIONS {
            return Err(ApiError::too_many(format!(
                "{MAX_TRAINING_SESSIONS} training sessions are running, the most at once; close another tab or wait {SESSION_IDLE_SECONDS} s"
            )));
        }
        let id = sessions.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (commands, inbox) = mpsc::channel();
        let run = TrainingRun::new(plan, bounds);
        let (publish, snapshots) = watch::channel(Arc::new(run.snapshot()));
        std::thread::Builder::new()
            .name(format!("train-{id}"))
            .spawn(move || run.run(inbox, publish))
            .map_err(|e| ApiError::too_many(format!("cannot start a training thread: {e}")))?;
        let session = Session {
            commands,
            snapshots,
            last_used: Mutex::new(Instant::now()),
            watchers: AtomicUsize::new(0),
        };
        map.insert(id, Arc::new(session));
        id
    };
    let session = sessions.get(&id.to_string())?;
    let snapshot: JsonValue =
        serde_json::from_str(&session.snapshots.borrow()).unwrap_or(JsonValue::Null);
    let body = json!({"id": id.to_string(), "dataset": dataset, "points": points, "bounds": bounds.to_json(), "snapshot": snapshot});
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /api/train/{id}`: the latest snapshot.
pub async fn status(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    let session = state.sessions.get(&id)?;
    let text = session.snapshots.borrow().clone();
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text.to_string(),
    ))
}

/// `DELETE /api/train/{id}`: ends the session (its thread stops when its channel closes).
pub async fn remove(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    state.sessions.get(&id)?;
    state
        .sessions
        .map
        .lock()
        .unwrap()
        .remove(&id.parse::<u64>().unwrap_or(0));
    Ok(Json(json!({"ended": id})))
}

/// The body of `POST /api/train/{id}/control`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRequest {
    /// `play`, `pause`, `step`, `reset` or `speed`.
    pub action: String,
    /// For `speed`: training steps per frame, 1 to 64.
    #[serde(default)]
    pub speed: Option<usize>,
}

/// `POST /api/train/{id}/control`.
pub async fn control(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    let session = state.sessions.get(&id)?;
    let request: ControlRequest = super::parse_json(body)?;
    let command = match request.action.as_str() {
        "play" => Command::Play,
        "pause" => Command::Pause,
        "step" => Command::Step,
        "reset" => Command::Reset,
        "speed" => match request.speed {
            Some(s) if (1..=64).contains(&s) => Command::Speed(s),
            _ => {
                return Err(ApiError::unprocessable(
                    "speed must be a number of steps per frame from 1 to 64",
                ))
            }
        },
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown action `{other}`: expected play, pause, step, reset or speed"
            )))
        }
    };
    session
        .commands
        .send(command)
        .map_err(|_| ApiError::not_found(format!("training session `{id}` has ended")))?;
    Ok(Json(json!({"ok": true})))
}

/// Keeps the count of open streams and of a session's watchers while a stream lives.
struct StreamGuard {
    streams: Arc<AtomicUsize>,
    session: Arc<Session>,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.streams.fetch_sub(1, Ordering::SeqCst);
        self.session.watchers.fetch_sub(1, Ordering::SeqCst);
        *self.session.last_used.lock().unwrap() = Instant::now();
    }
}

/// `GET /api/train/{id}/events`: every new snapshot as an SSE `message` event (the latest at once).
pub async fn events(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = session_id(id)?;
    let session = state.sessions.get(&id)?;
    let streams = Arc::clone(&state.sessions.streams);
    if streams.fetch_add(1, Ordering::SeqCst) >= MAX_STREAMS {
        streams.fetch_sub(1, Ordering::SeqCst);
        return Err(ApiError::too_many(format!(
            "{MAX_STREAMS} update streams are open, the most at once"
        )));
    }
    session.watchers.fetch_add(1, Ordering::SeqCst);
    let guard = StreamGuard {
        streams,
        session: Arc::clone(&session),
    };
    let stream = WatchStream::new(session.snapshots.clone()).map(move |snapshot| {
        let _alive = &guard;
        Ok(Event::default().data(snapshot.as_str()))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The square of the plane the boundary grid covers: the data with a margin.
#[derive(Clone, Copy)]
struct Bounds {
    x: (f64, f64),
    y: (f64, f64),
}

impl Bounds {
    fn around(data: &Dataset) -> Bounds {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for r in data.rows() {
            x0 = x0.min(r[0]);
            x1 = x1.max(r[0]);
            y0 = y0.min(r[1]);
            y1 = y1.max(r[1]);
        }
        let half = ((x1 - x0).max(y1 - y0) / 2.0 * 1.15).max(0.5);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        Bounds {
            x: (cx - half, cx + half),
            y: (cy - half, cy + half),
        }
    }

    fn to_json(self) -> JsonValue {
        json!({"x": [self.x.0, self.x.1], "y": [self.y.0, self.y.1]})
    }
}

/// The side of the decision-boundary grid, in cells.
const GRID: usize = 48;
/// The time between two published frames while playing.
const FRAME: Duration = Duration::from_millis(40);
/// The most points kept in each curve (older ones are thinned by half when it fills).
const CURVE_POINTS: usize = 1000;
/// The demo's L2 penalty coefficient.
const L2: f64 = 1e-4;

/// The library's trainer for the session's settings: full batch, the demo's L2, and for SGD the
/// demo's linear decay of the learning rate to a tenth over 100 steps.
fn new_trainer<'a, 'g>(plan: &Plan, model: &'a MLP<'g>) -> Trainer<'a, 'g> {
    let lr = plan.config.learning_rate;
    let trainer = match plan.config.optimizer.as_str() {
        "adam" => Trainer::new(model, Adam::new(lr), plan.loss),
        "adamw" => Trainer::new(model, Adam::adamw(lr), plan.loss),
        _ => Trainer::new(model, Sgd::new(lr), plan.loss).schedule(Schedule::linear(
            lr,
            lr * 0.1,
            100,
        )),
    };
    trainer.l2(L2)
}

/// One session's state, owned by its thread (the graph is single-threaded).
struct TrainingRun {
    plan: Plan,
    bounds: Bounds,
    step: usize,
    playing: bool,
    speed: usize,
    loss: Option<f64>,
    accuracy: Option<f64>,
    curve_every: usize,
    loss_curve: Vec<f64>,
    accuracy_curve: Vec<f64>,
    message: Option<String>,
    learning_rate: Option<f64>,
    /// The parameters' values between steps (the graph lives only inside [`TrainingRun::run`]).
    weights: Vec<f64>,
}

impl TrainingRun {
    fn new(plan: Plan, bounds: Bounds) -> TrainingRun {
        let g = Graph::new();
        let model = MLP::with_activations(&g, 2, &plan.layers, plan.config.seed);
        let weights = model.parameter_data();
        TrainingRun {
            plan,
            bounds,
            step: 0,
            playing: false,
            speed: 4,
            loss: None,
            accuracy: None,
            curve_every: 1,
            loss_curve: Vec::new(),
            accuracy_curve: Vec::new(),
            message: None,
            learning_rate: None,
            weights,
        }
    }

    /// The session's loop: wait for commands while paused; while playing, train `speed` steps per
    /// frame and publish. Ends when the session is removed (its command channel closes).
    fn run(mut self, inbox: Receiver<Command>, publish: watch::Sender<Arc<String>>) {
        let g = Graph::new();
        let model = MLP::with_activations(&g, 2, &self.plan.layers, self.plan.config.seed);
        let initial = model.parameter_data();
        let everything: Vec<usize> = (0..self.plan.data.len()).collect();
        let mut trainer = new_trainer(&self.plan, &model);
        loop {
            let frame_start = Instant::now();
            let command = if self.playing {
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
            match command {
                Some(Command::Play) => {
                    self.playing = self.step < MAX_STEPS;
                    self.message = None;
                }
                Some(Command::Pause) => self.playing = false,
                Some(Command::Speed(s)) => {
                    self.speed = s;
                    changed = false;
                }
                Some(Command::Step) => {
                    self.playing = false;
                    self.message = None;
                    self.train_step(&mut trainer, &everything);
                }
                Some(Command::Reset) => {
                    model
                        .set_parameter_data(&initial)
                        .expect("same architecture");
                    trainer = new_trainer(&self.plan, &model);
                    self.step = 0;
                    self.playing = false;
                    self.loss = None;
                    self.accuracy = None;
                    self.learning_rate = None;
                    self.loss_curve.clear();
                    self.accuracy_curve.clear();
                    self.curve_every = 1;
                    self.message = None;
                }
                None => changed = false,
            }
            if self.playing {
                // A large network does fewer steps per frame rather than fewer frames, so the
                // page stays lively and a pause is obeyed at once.
                for _ in 0..self.speed {
                    if !self.train_step(&mut trainer, &everything) || frame_start.elapsed() > FRAME
                    {
                        break;
                    }
                }
                changed = true;
            }
            if changed {
                self.weights = model.parameter_data();
                let grid = self.grid(&model);
                if publish.send(Arc::new(self.snapshot_with(grid))).is_err() {
                    return;
                }
            }
            if self.playing {
                std::thread::sleep(FRAME.saturating_sub(frame_start.elapsed()));
            }
        }
    }

    /// One full-batch step with the library's [`Trainer`], as the demo trains; records the loss
    /// and accuracy. Returns false (and pauses) when training cannot go on.
    fn train_step(&mut self, trainer: &mut Trainer, everything: &[usize]) -> bool {
        if self.step >= MAX_STEPS {
            self.playing = false;
            self.message = Some(format!("stopped at the limit of {MAX_STEPS} steps"));
            return false;
        }
        let report = match trainer.train_step(&self.plan.data, everything) {
            Ok(report) => report,
            Err(e) => {
                self.playing = false;
                self.message = Some(format!("paused: {e}"));
                return false;
            }
        };
        self.step += 1;
        self.loss = Some(report.loss);
        self.accuracy = Some(report.accuracy);
        self.learning_rate = Some(report.learning_rate);
        if self.step.is_multiple_of(self.curve_every) {
            self.loss_curve.push(report.loss);
            self.accuracy_curve.push(report.accuracy);
            if self.loss_curve.len() >= CURVE_POINTS {
                self.curve_every *= 2;
                // Steps every, 2·every, ... sit at indices 0, 1, ...: the multiples of the new
                // stride are the odd indices.
                let thin = |v: &mut Vec<f64>| *v = v.iter().skip(1).step_by(2).copied().collect();
                thin(&mut self.loss_curve);
                thin(&mut self.accuracy_curve);
            }
        }
        true
    }

    /// The model's score at the centre of every grid cell, row by row from the bottom.
    fn grid(&self, model: &MLP) -> Vec<f64> {
        let Bounds { x, y } = self.bounds;
        let cell = |lo: f64, hi: f64, i: usize| lo + (hi - lo) * (i as f64 + 0.5) / GRID as f64;
        let mut scores = Vec::with_capacity(GRID * GRID);
        for j in 0..GRID {
            for i in 0..GRID {
                scores.push(model.predict(&[cell(x.0, x.1, i), cell(y.0, y.1, j)])[0]);
            }
        }
        scores
    }

    fn snapshot(&self) -> String {
        let g = Graph::new();
        let model = MLP::with_activations(&g, 2, &self.plan.layers, self.plan.config.seed);
        model
            .set_parameter_data(&self.weights)
            .expect("same architecture");
        self.snapshot_with(self.grid(&model))
    }

    fn snapshot_with(&self, grid: Vec<f64>) -> String {
        let round = |x: f64| (x * 1e4).round() / 1e4;
        let mut sizes = vec![2];
        sizes.extend(self.plan.layers.iter().map(|l| l.0));
        let mut layers = Vec::new();
        let mut at = 0;
        for pair in sizes.windows(2) {
            let (n_in, n_out) = (pair[0], pair[1]);
            let mut weights = Vec::new();
            let mut biases = Vec::new();
            for _ in 0..n_out {
                weights.push(
                    self.weights[at..at + n_in]
                        .iter()
                        .map(|&w| round(w))
                        .collect::<Vec<_>>(),
                );
                biases.push(round(self.weights[at + n_in]));
                at += n_in + 1;
            }
            layers.push(json!({"weights": weights, "biases": biases}));
        }
        json!({
            "step": self.step,
            "playing": self.playing,
            "speed": self.speed,
            "loss": self.loss.map(number),
            "accuracy": self.accuracy,
            "learning_rate": self.learning_rate,
            "curves": {"every": self.curve_every, "loss": self.loss_curve.iter().map(|&x| number(x)).collect::<Vec<_>>(), "accuracy": self.accuracy_curve},
            "grid": {"size": GRID, "scores": grid.iter().map(|&s| if s.is_finite() { round(s) } else { 0.0 }).collect::<Vec<_>>()},
            "network": {"sizes": sizes, "layers": layers},
            "message": self.message,
        })
        .to_string()
    }
}
