//! Ctrl-C during training: the first press asks the training loop to stop after the current step (so
//! the last good model can still be saved); a second press ends the process at once. Files are written
//! atomically, so even that leaves no half-written file.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::CliError;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The exit code of a run stopped by Ctrl-C, as shells report a process ended by SIGINT (128 + 2).
pub const EXIT_CODE: i32 = 130;

/// Installs the handler. Call once, before training.
pub fn install() -> Result<(), CliError> {
    ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            eprintln!("\ninterrupted again: stopping now");
            std::process::exit(EXIT_CODE);
        }
        eprintln!("\ninterrupted: stopping after this step (press Ctrl-C again to stop at once)");
    })
    .map_err(|e| CliError::failure(format!("cannot install the Ctrl-C handler: {e}")))
}

/// Whether Ctrl-C was pressed since the handler was installed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
