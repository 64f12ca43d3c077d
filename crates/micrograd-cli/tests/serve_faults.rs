//! `micrograd serve` against clients that hold connections and against being stopped: half-sent
//! requests and silent connections are dropped within their timeouts, open connections are capped,
//! SIGINT or SIGTERM stops the server within 2 s even with an events stream open, and a second
//! SIGINT stops it at once. The timeouts are shortened with the hidden `--header-timeout` and
//! `--idle-timeout` options so the tests are quick.

mod playground;

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use playground::Server;
use serde_json::json;

/// Reads until the server closes the connection (or `limit` passes): how long that took, and
/// whether it closed at all.
fn time_to_close(stream: &mut TcpStream, limit: Duration) -> (Duration, bool) {
    let start = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (start.elapsed(), true),
            Ok(_) => continue,
            // A reset is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (start.elapsed(), true)
            }
            Err(_) => return (start.elapsed(), false),
        }
    }
}

#[test]
fn a_half_sent_request_is_dropped_within_the_header_timeout() {
    let server = Server::start_with(&["--header-timeout", "1"]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Waiting: ")
        .unwrap();
    let (after, closed) = time_to_close(&mut stream, Duration::from_secs(10));
    assert!(closed, "the connection was still open after {after:?}");
    assert!(
        after < Duration::from_secs(4),
        "closed only after {after:?} with a 1 s header timeout"
    );
    // The server still answers others.
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_connection_that_sends_nothing_is_dropped() {
    let server = Server::start_with(&["--header-timeout", "1"]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let (after, closed) = time_to_close(&mut stream, Duration::from_secs(10));
    assert!(closed && after < Duration::from_secs(4), "{after:?}");
}

#[test]
fn a_body_sent_at_a_trickle_is_dropped_when_idle() {
    let server = Server::start_with(&["--idle-timeout", "1"]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    // Whole headers, then no more of the promised body.
    write!(
        stream,
        "POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"program\""
    )
    .unwrap();
    let (after, closed) = time_to_close(&mut stream, Duration::from_secs(10));
    assert!(closed && after < Duration::from_secs(4), "{after:?}");
}

#[test]
fn open_connections_are_capped_and_the_next_is_served_when_one_leaves() {
    let server = Server::start_with(&["--max-connections", "4"]);
    let held: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // Give the server time to accept all four before the fifth arrives.
    std::thread::sleep(Duration::from_millis(300));
    let mut fifth = TcpStream::connect(server.addr).unwrap();
    fifth
        .write_all(b"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    fifth
        .set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(
        fifth.read(&mut buf).is_err(),
        "a fifth connection was served while four were open"
    );
    drop(held);
    fifth
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = fifth.read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"HTTP/1.1 404"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

/// Starts a server, opens an events stream of a training session (reading its first event, so it
/// is surely open), and sends `signal` to the server.
fn stop_with_a_stream_open(signal: &str) {
    let mut server = Server::start();
    let r = server.post("/api/train", &json!({"dataset": "xor", "samples": 40}));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let mut reader = server.events(&id, Duration::from_secs(10));
    let mut line = String::new();
    while !line.starts_with("data: ") {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "no first event");
    }
    let start = Instant::now();
    let sent = Command::new("kill")
        .args([signal, &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = server.wait_exit(Duration::from_secs(2));
    assert!(
        status.is_some(),
        "still running {:?} after {signal} with a stream open",
        start.elapsed()
    );
    // The stream was ended by the server, not left hanging.
    let mut rest = Vec::new();
    reader
        .get_mut()
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    assert!(
        reader.read_to_end(&mut rest).is_ok(),
        "the stream never ended"
    );
}

#[test]
fn sigint_stops_the_server_within_2_s_with_a_stream_open() {
    stop_with_a_stream_open("-INT");
}

#[test]
fn sigterm_stops_the_server_within_2_s_with_a_stream_open() {
    stop_with_a_stream_open("-TERM");
}

#[test]
fn a_second_sigint_stops_the_server_at_once() {
    let mut server = Server::start();
    // A request whose body never comes: after the first SIGINT the server gives it a moment to
    // finish, during which a second SIGINT must end the process without waiting.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let kill = |server: &Server| {
        assert!(Command::new("kill")
            .args(["-INT", &server.pid().to_string()])
            .status()
            .unwrap()
            .success());
    };
    kill(&server);
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        server.alive(),
        "the first SIGINT waits for the request in flight"
    );
    let start = Instant::now();
    kill(&server);
    let status = server.wait_exit(Duration::from_millis(500));
    assert!(
        status.is_some(),
        "still running {:?} after a second SIGINT",
        start.elapsed()
    );
    // As shells report a process ended by SIGINT.
    assert_eq!(status.unwrap().code(), Some(130));
}
