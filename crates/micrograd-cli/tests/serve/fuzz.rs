//! Random programs and random request bodies, from a seeded generator: never a 5xx, and the server
//! goes on.

use crate::playground::Server;
use serde_json::json;

/// A small deterministic generator, so the random requests are the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn random_expr(rng: &mut XorShift, names: &[String], depth: u32) -> String {
    let choice = if depth == 0 {
        rng.next() % 2
    } else {
        rng.next() % 6
    };
    match choice {
        0 => rng
            .pick(&["1", "2.5", "0", "1e-3", "-4", "700"])
            .to_string(),
        1 => names[(rng.next() % names.len() as u64) as usize].clone(),
        2 => format!(
            "{} {} {}",
            random_expr(rng, names, depth - 1),
            rng.pick(&["+", "-", "*", "/", "**"]),
            random_expr(rng, names, depth - 1)
        ),
        3 => format!(
            "{}({})",
            rng.pick(&["tanh", "exp", "log", "relu", "sigmoid", "sin", "cos", "sqrt", "abs"]),
            random_expr(rng, names, depth - 1)
        ),
        4 => format!("-{}", random_expr(rng, names, depth - 1)),
        _ => format!("({})", random_expr(rng, names, depth - 1)),
    }
}

#[test]
fn random_programs_and_bodies_never_get_a_5xx() {
    let mut server = Server::start();
    let mut rng = XorShift(0x9e3779b97f4a7c15);
    let tokens = [
        "a", "=", "+=", "*", "/", "**", "(", ")", "tanh(", "1e308", "1e-320", "\n", ";", "#", "$",
        "é", "1.2.3", "nan", "",
    ];
    let mut answers = std::collections::BTreeMap::new();
    for _ in 0..300 {
        // A program of the language's grammar, then, one time in two, a token put in at random.
        let mut program = String::new();
        let mut names = vec!["a".to_string()];
        program.push_str(&format!(
            "a = {}\n",
            rng.pick(&["2.0", "-3", "0", ".5", "1e-3", "1e300"])
        ));
        for k in 0..1 + rng.next() % 4 {
            let expr = random_expr(&mut rng, &names, 3);
            let name = format!("v{k}");
            program.push_str(&format!(
                "{name} {} {expr}\n",
                rng.pick(&["=", "=", "+=", "*="])
            ));
            names.push(name);
        }
        if rng.next().is_multiple_of(2) {
            let chars: Vec<char> = program.chars().collect();
            let at = (rng.next() % chars.len() as u64) as usize;
            let token = rng.pick(&tokens);
            program = chars[..at].iter().collect::<String>()
                + token
                + &chars[at..].iter().collect::<String>();
        }
        let r = server.post("/api/graph", &json!({ "program": program }));
        assert!(
            r.status == 200 || r.status == 422,
            "{program:?}: {} {}",
            r.status,
            r.text()
        );
        *answers.entry(r.status).or_insert(0) += 1;
        let format = rng.pick(&["svg", "dot"]);
        let r = server.post(
            "/api/graph/export",
            &json!({ "program": program, "format": format }),
        );
        assert!(
            r.status == 200 || r.status == 422,
            "{program:?} as {format}: {} {}",
            r.status,
            r.text()
        );
    }
    // Both kinds were exercised: programs that run and programs that are refused.
    let count = |status: u16| answers.get(&status).copied().unwrap_or(0);
    assert!(count(200) >= 10 && count(422) >= 10, "{answers:?}");
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"program\"",
        "\"dataset\"",
        ":",
        ",",
        "\"",
        "1",
        "-",
        "null",
        "true",
        "\\u0000",
        "\u{ffff}",
        "e9999",
    ];
    for _ in 0..200 {
        let n = 1 + rng.next() % 12;
        let body: String = (0..n).map(|_| rng.pick(&pieces)).collect();
        for path in ["/api/graph", "/api/train", "/api/graph/export"] {
            let r = server.request("POST", path, Some(body.as_bytes()));
            assert!(
                (200..500).contains(&r.status),
                "{path} {body:?}: {} {}",
                r.status,
                r.text()
            );
            if r.status == 201 {
                let id = r.json()["id"].as_str().unwrap().to_string();
                server.request("DELETE", &format!("/api/train/{id}"), None);
            }
        }
    }
    assert!(server.alive());
}
