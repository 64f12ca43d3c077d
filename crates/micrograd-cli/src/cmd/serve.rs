//! `micrograd serve`: starts the web playground (the lesson, the graph explorer and the training
//! view) on a local address and prints it.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::error::{CliError, CliResult};
use crate::web;

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
}

/// Runs `micrograd serve` until interrupted.
pub fn run(args: Args) -> CliResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the server: {e}")))?;
    runtime.block_on(serve(SocketAddr::new(args.host, args.port)))
}

async fn serve(address: SocketAddr) -> CliResult {
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
    axum::serve(listener, web::router(bound.ip().is_loopback()))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| CliError::failure(format!("the server stopped: {e}")))
}
