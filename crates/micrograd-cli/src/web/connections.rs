//! The playground's connections, served one task each with hyper's HTTP/1 directly rather than
//! through `axum::serve`, because that sets no timer, so a client that sends half its headers
//! and waits would hold its connection (and a file descriptor) for ever. Here every connection has
//!
//! - a header-read timeout (hyper's own): the headers of each request, including the first bytes
//!   of the next request on a kept-alive connection, must arrive within it;
//! - an idle timeout: a connection on which no byte moved either way for that long is closed
//!   (it catches a body sent at a trickle and a client that stops reading its answer; an open
//!   events stream is not idle, since it sends a keep-alive comment every 15 s);
//! - a place under a cap on open connections: past it, a new connection waits in the system's
//!   queue until another closes (which the timeouts guarantee), so descriptors and memory stay
//!   bounded whatever clients do, and a new client is answered late rather than never;
//! - a small read buffer, so that even at the cap the server's memory stays small.
//!
//! On shutdown each connection finishes the request it is answering and closes; events streams
//! end on the same signal ([`super::AppState::closing`]).

use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use super::limits;

/// How connections are bounded (the defaults are in [`limits`]; tests shorten the timeouts).
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// The longest wait for a request's headers.
    pub header_timeout: Duration,
    /// The longest a connection may pass with no byte read or written.
    pub idle_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(limits::HEADER_TIMEOUT_SECONDS),
            idle_timeout: Duration::from_secs(limits::IDLE_TIMEOUT_SECONDS),
            max_connections: limits::MAX_CONNECTIONS,
        }
    }
}

/// Accepts connections on `listener` and serves `app` on each until `closing` turns true; then
/// stops accepting and returns once every connection has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut closing: watch::Receiver<bool>,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        // At the cap, the next connection waits in the system's queue until one closes (the
        // header and idle timeouts see that one does), rather than being refused.
        let permit = tokio::select! {
            _ = closed(&mut closing) => break,
            permit = Arc::clone(&open).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = closed(&mut closing) => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of descriptors or a connection reset before it was accepted: wait a moment
            // rather than spin, and go on serving the others.
            Err(_) => {
                drop(permit);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let app = app.clone();
        let closing = closing.clone();
        tokio::spawn(async move {
            serve_one(stream, app, limits, closing).await;
            drop(permit);
        });
    }
    // Every connection task holds one permit until it ends.
    let _ = open.acquire_many(limits.max_connections as u32).await;
}

async fn serve_one(
    stream: TcpStream,
    app: Router,
    limits: ConnectionLimits,
    mut closing: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits::CONNECTION_BUFFER_BYTES);
    let mut connection = pin!(builder.serve_connection(io, TowerToHyperService::new(app)));
    let check = (limits.idle_timeout / 4).max(Duration::from_millis(100));
    let mut shutting_down = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => break,
            _ = closed(&mut closing), if !shutting_down => {
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep(check) => {
                if activity.idle_for() >= limits.idle_timeout {
                    // Dropping the connection closes the socket.
                    break;
                }
            }
        }
    }
}

/// Waits until `closing` turns true (or its sender is gone).
pub async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await;
}

/// When a connection last moved a byte, in milliseconds since it opened.
struct Activity {
    opened: Instant,
    last: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = self.opened.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.opened.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Relaxed)))
    }
}

/// A socket that notes in [`Activity`] every read or write that moved bytes.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
