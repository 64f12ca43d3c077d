//! The live training sessions of the playground: how to reach each one's thread, its latest
//! snapshot, and the reaper that ends the sessions nobody watches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::worker::Control;
use crate::web::error::ApiError;
use crate::web::limits::*;
use crate::web::AppState;

/// A live session: how to reach its thread, and its latest snapshot (as JSON text).
pub struct LiveSession {
    pub(super) controls: mpsc::Sender<Control>,
    pub(super) snapshots: watch::Receiver<Arc<String>>,
    last_used: Mutex<Instant>,
    watchers: AtomicUsize,
}

impl LiveSession {
    /// A session reached through `controls`, publishing on `snapshots`.
    pub fn new(controls: mpsc::Sender<Control>, snapshots: watch::Receiver<Arc<String>>) -> Self {
        LiveSession {
            controls,
            snapshots,
            last_used: Mutex::new(Instant::now()),
            watchers: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        *self.last_used.lock().unwrap() = Instant::now();
    }
}

/// Every live session, and the count of open streams.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<u64, Arc<LiveSession>>>,
    next_id: AtomicU64,
    streams: Arc<AtomicUsize>,
}

impl Sessions {
    /// The session `id`, marked as used now.
    pub fn get(&self, id: &str) -> Result<Arc<LiveSession>, ApiError> {
        let found = id
            .parse::<u64>()
            .ok()
            .and_then(|id| self.map.lock().unwrap().get(&id).cloned());
        let session = found.ok_or_else(|| {
            ApiError::not_found(format!("no training session `{id}` (it may have ended after {SESSION_IDLE_SECONDS} s unwatched)"))
        })?;
        session.touch();
        Ok(session)
    }

    /// Registers the session `start` makes with its new id, unless too many run already.
    pub fn add(
        &self,
        start: impl FnOnce(u64) -> Result<LiveSession, ApiError>,
    ) -> Result<(u64, Arc<LiveSession>), ApiError> {
        let mut map = self.map.lock().unwrap();
        if map.len() >= MAX_TRAINING_SESSIONS {
            return Err(ApiError::too_many(format!(
                "{MAX_TRAINING_SESSIONS} training sessions are running, the most at once; close another tab or wait {SESSION_IDLE_SECONDS} s"
            )));
        }
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let session = Arc::new(start(id)?);
        map.insert(id, Arc::clone(&session));
        Ok((id, session))
    }

    /// Ends the session `id` (its thread stops when its channel closes).
    pub fn remove(&self, id: &str) -> Result<(), ApiError> {
        self.get(id)?;
        self.map
            .lock()
            .unwrap()
            .remove(&id.parse::<u64>().unwrap_or(0));
        Ok(())
    }

    /// Counts a new stream of `session`'s snapshots, unless too many are open; the guard uncounts it.
    pub fn open_stream(&self, session: &Arc<LiveSession>) -> Result<StreamGuard, ApiError> {
        let streams = Arc::clone(&self.streams);
        if streams.fetch_add(1, Ordering::SeqCst) >= MAX_STREAMS {
            streams.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::too_many(format!(
                "{MAX_STREAMS} update streams are open, the most at once"
            )));
        }
        session.watchers.fetch_add(1, Ordering::SeqCst);
        Ok(StreamGuard {
            streams,
            session: Arc::clone(session),
        })
    }
}

/// Keeps the count of open streams and of a session's watchers while a stream lives.
pub struct StreamGuard {
    streams: Arc<AtomicUsize>,
    session: Arc<LiveSession>,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.streams.fetch_sub(1, Ordering::SeqCst);
        self.session.watchers.fetch_sub(1, Ordering::SeqCst);
        self.session.touch();
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
