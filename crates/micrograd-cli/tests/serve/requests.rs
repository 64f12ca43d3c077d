//! Requests the server refuses: limits on programs, malformed bodies and broken HTTP answered with a
//! 4xx JSON error, and requests from other hosts or sites.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::playground::{Server, NOTEBOOK};
use serde_json::json;

#[test]
fn limits_on_program_size_and_node_count() {
    let server = Server::start();
    let long = format!("a = 1.0\n{}", "b = a + 1\n".repeat(500));
    let r = server.post("/api/graph", &json!({"program": long}));
    assert_eq!(r.status, 413);
    assert!(r.error().contains("bytes"), "{}", r.error());
    // Under the size limit, but too many nodes to draw.
    let many = format!("x = 1.0\ny = x{}", "*x".repeat(1500));
    let r = server.post("/api/graph", &json!({"program": many}));
    assert_eq!(r.status, 422);
    assert!(r.error().contains("nodes"), "{}", r.error());
}

#[test]
fn malformed_requests_get_a_4xx_json_answer() {
    let mut server = Server::start();
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("POST", "/api/graph", b"not json".to_vec(), 400),
        ("POST", "/api/graph", b"{\"program\": 12}".to_vec(), 400),
        ("POST", "/api/graph", b"{}".to_vec(), 400),
        ("POST", "/api/graph", b"[1,2,3]".to_vec(), 400),
        ("POST", "/api/graph", vec![0xff, 0xfe, 0x00, 0x7b], 400),
        (
            "POST",
            "/api/graph",
            b"{\"program\": \"a = 1\"".to_vec(),
            400,
        ),
        ("POST", "/api/graph", vec![b' '; 100 * 1024], 413),
        ("PUT", "/api/graph", b"{}".to_vec(), 405),
        ("GET", "/api/graph", vec![], 405),
        ("POST", "/api/train", b"{\"samples\": -5}".to_vec(), 400),
        (
            "POST",
            "/api/train",
            b"{\"hidden\": \"lots\"}".to_vec(),
            400,
        ),
        (
            "POST",
            "/api/train/1/control",
            b"{\"action\": \"play\"}".to_vec(),
            404,
        ),
        ("GET", "/api/train/abc", vec![], 404),
        ("GET", "/api/train/99999999999999999999999", vec![], 404),
        ("DELETE", "/api/train/7", vec![], 404),
        ("GET", "/api/train/7/events", vec![], 404),
        ("GET", "/api/train/%FF", vec![], 404),
        ("GET", "/api/train/%FF/events", vec![], 404),
        (
            "POST",
            "/api/train/%FF/control",
            b"{\"action\": \"play\"}".to_vec(),
            404,
        ),
        ("DELETE", "/api/train/%C0%AF", vec![], 404),
        ("GET", "/%FF%FE", vec![], 404),
    ];
    for (method, path, body, status) in cases {
        let r = server.request(
            method,
            path,
            if method == "GET" { None } else { Some(&body) },
        );
        assert_eq!(
            r.status,
            status,
            "{method} {path} {:?}: {}",
            String::from_utf8_lossy(&body[..body.len().min(40)]),
            r.text()
        );
        assert!(
            r.header("content-type").unwrap_or("").contains("json"),
            "{method} {path}"
        );
        assert!(!r.error().is_empty());
    }
    // Broken HTTP is refused by the HTTP layer, and the server goes on.
    for raw in [
        &b"NONSENSE\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /api/graph HTTP/1.1\r\nContent-Length: zz\r\n\r\n",
        b"\x00\x01\x02\x03\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(raw);
        let mut first = String::new();
        let _ = BufReader::new(stream).read_line(&mut first);
        assert!(
            first.is_empty() || first.contains(" 400") || first.contains(" 505"),
            "{raw:?}: {first}"
        );
    }
    // A body shorter than announced, then the connection closed.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(
            b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"program\"",
        )
        .unwrap();
    drop(stream);
    assert!(server.alive());
    assert_eq!(
        server
            .post("/api/graph", &json!({"program": NOTEBOOK}))
            .status,
        200
    );
}

#[test]
fn requests_from_elsewhere_are_refused() {
    let server = Server::start();
    // A page on another site reaching 127.0.0.1 through a DNS name of its own.
    let r =
        server.raw(b"GET / HTTP/1.1\r\nHost: attacker.example:8000\r\nConnection: close\r\n\r\n");
    assert_eq!(r.status, 403);
    assert!(r.error().contains("attacker.example"), "{}", r.error());
    for host in ["localhost", "127.0.0.1", "[::1]:8000"] {
        let r = server
            .raw(format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
        assert_eq!(r.status, 200, "{host}");
    }
    // A form on another site can post text without asking first; JSON it cannot.
    let body = "{\"program\": \"a = 1\"}";
    let r = server.raw(
        format!("POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            .as_bytes(),
    );
    assert_eq!(r.status, 415);
    assert!(r.error().contains("application/json"));
}
