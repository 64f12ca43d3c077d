//! `micrograd serve`: starts the web playground (the lesson, the graph explorer and the training
//! view) on a local address and prints it.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use std::time::Duration;

use tokio::sync::watch;

use crate::error::{CliError, CliResult};
use crate::web;
use crate::web::connections::{self, ConnectionLimits};

/// Options of `micrograd serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 8000)]
    pub port: u16,
    /// The address to listen on. The default, 127.0.0.1, accepts only this machine; 0.0.0.0 would
    /// let anyone on the network use the playground.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Seconds a client may take to send a request's headers (for tests; the default is the
    /// playground's limit).
    #[arg(long, hide = true, default_value_t = web::limits::HEADER_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=30))]
    pub header_timeout: u64,
    /// Seconds a connection may pass with no byte moved (for tests).
    #[arg(long, hide = true, default_value_t = web::limits::IDLE_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// The most connections open at once (for tests).
    #[arg(long, hide = true, default_value_t = web::limits::MAX_CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: u64,
}

/// Runs `micrograd serve` until interrupted.
pub fn run(args: Args) -> CliResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the server: {e}")))?;
    let limits = ConnectionLimits {
        header_timeout: Duration::from_secs(args.header_timeout),
        idle_timeout: Duration::from_secs(args.idle_timeout),
        max_connections: args.max_connections as usize,
    };
    let result = runtime.block_on(serve(SocketAddr::new(args.host, args.port), limits));
    // Training threads and drawings in progress are not waited for: the process ends with them.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

async fn serve(address: SocketAddr, limits: ConnectionLimits) -> CliResult {
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            " (choose another with --port)"
        } else {
            ""
        };
        CliError::failure(format!("cannot listen on {address}: {e}{hint}"))
    })?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::failure(format!("cannot read the address: {e}")))?;
    let mut stop = Stop::install()?;
    let shown = if bound.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), bound.port())
    } else {
        bound
    };
    // A closed standard output (a pipe whose reader went away) must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "micrograd playground: http://{shown}/\npress Ctrl-C to stop"
    );
    let _ = out.flush();
    if !bound.ip().is_loopback() {
        let _ = writeln!(
            std::io::stderr(),
            "warning: listening on {bound}: other machines on the network can use the playground"
        );
    }
    let (close, closing) = watch::channel(false);
    let app = web::router(bound.ip().is_loopback(), closing.clone());
    let server = tokio::spawn(connections::serve(listener, app, limits, closing));
    stop.next().await;
    let _ = writeln!(
        std::io::stderr(),
        "stopping (press Ctrl-C again to stop at once)"
    );
    let _ = close.send(true);
    // A second signal ends the process at once; otherwise requests in flight get a moment to end.
    tokio::select! {
        _ = stop.next() => std::process::exit(crate::interrupt::EXIT_CODE),
        _ = server => {}
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
    Ok(())
}

/// How long requests in flight may take to finish after Ctrl-C (streams end at once): well under
/// the 2 s in which `serve` promises to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, as one stream of stop requests. The handlers are
/// installed when it is made (before the address is printed), so no early signal is lost.
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Stop {
    fn install() -> Result<Stop, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let handle = |kind| {
                signal(kind).map_err(|e| CliError::failure(format!("cannot handle signals: {e}")))
            };
            Ok(Stop {
                interrupt: handle(SignalKind::interrupt())?,
                terminate: handle(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Stop {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
