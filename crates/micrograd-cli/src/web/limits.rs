//! How much one request or one visitor may ask of the playground. Each limit is answered with a
//! 4xx JSON message that names it, so the page can say what to change.

/// The largest request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest program the graph explorer evaluates, in bytes.
pub const MAX_PROGRAM_BYTES: usize = 4 * 1024;
/// The most nodes a program's graph may have (more would not be readable as a drawing).
pub const MAX_GRAPH_NODES: usize = 400;
/// The most nodes a graph exported as SVG may have: the library's layout takes time growing steeply
/// with the size (a quarter second at 60 nodes, seconds at 120), so larger graphs are offered as DOT.
pub const MAX_SVG_EXPORT_NODES: usize = 60;
/// The most SVG exports laid out at once.
pub const MAX_SVG_EXPORTS: usize = 2;
/// The most training sessions alive at once (each runs on its own thread).
pub const MAX_TRAINING_SESSIONS: usize = 8;
/// The most update streams open at once, across all visitors.
pub const MAX_STREAMS: usize = 16;
/// The most samples in a training data set.
pub const MAX_SAMPLES: usize = 1000;
/// The most hidden layers.
pub const MAX_HIDDEN_LAYERS: usize = 4;
/// The most neurons in one hidden layer.
pub const MAX_LAYER_WIDTH: usize = 32;
/// The most steps one session trains for (then it pauses).
pub const MAX_STEPS: usize = 20_000;
/// A session nobody has watched or driven for this long is ended, in seconds.
pub const SESSION_IDLE_SECONDS: u64 = 120;
/// The largest `|x|` of the lesson's slope (section 1).
pub const LESSON_MAX_ABS_X: f64 = 10.0;
/// The smallest `|h|` of the lesson's slope: below it `x + h` is `x` for most `x` in range.
pub const LESSON_MIN_ABS_H: f64 = 1e-16;
/// The most training steps one request of the lesson's MLP (section 8) may ask for.
pub const LESSON_MAX_STEPS: usize = 500;
/// The longest wait for a request's headers, in seconds (hyper's header-read timeout; it also
/// closes a kept-alive connection on which no next request begins).
pub const HEADER_TIMEOUT_SECONDS: u64 = 10;
/// A connection on which no byte moved either way for this long is closed, in seconds. Longer
/// than the 15 s between an events stream's keep-alive comments, so open streams stay open.
pub const IDLE_TIMEOUT_SECONDS: u64 = 60;
/// The most connections open at once; one more waits to be accepted until another closes.
pub const MAX_CONNECTIONS: usize = 256;
/// Each connection's read buffer, in bytes: the largest request head read, and with
/// [`MAX_CONNECTIONS`] a bound on what open connections may hold (hyper's default is ~400 KB).
pub const CONNECTION_BUFFER_BYTES: usize = MAX_BODY_BYTES + 16 * 1024;
