//! Every kind of mistake in a program, through the binary: exit code 2, `error: FILE:LINE:COL:` and
//! what was expected, the line and a caret under the column, and never a panic. The expected
//! reports are written out in full (snapshots), so any change to a message is a visible change here.

use assert_cmd::Command;

fn micrograd() -> Command {
    Command::cargo_bin("micrograd").unwrap()
}

/// (program on standard input, the whole of standard error).
const SNAPSHOTS: &[(&str, &str)] = &[
    (
        "a = 2 $ 3",
        concat!(
            "error: <stdin>:1:7: unexpected character `$`: the language has names, numbers, `+ - * / **`, `( )`, assignments (`= += -= *= /=`), `;`, newlines and `#` comments\n",
            "  |\n",
            "1 | a = 2 $ 3\n",
            "  |       ^\n",
        ),
    ),
    (
        "a = 1.2.3",
        concat!(
            "error: <stdin>:1:5: malformed number `1.2.3`: expected a number such as 12, 1.5, .5 or 1e-3\n",
            "  |\n",
            "1 | a = 1.2.3\n",
            "  |     ^^^^^\n",
        ),
    ),
    (
        "x = 1\ny = 1e",
        concat!(
            "error: <stdin>:2:5: malformed number `1e`: expected a number such as 12, 1.5, .5 or 1e-3; an exponent needs digits, as in 1e-3\n",
            "  |\n",
            "2 | y = 1e\n",
            "  |     ^^\n",
        ),
    ),
    (
        "x = 2\ny = 2x",
        concat!(
            "error: <stdin>:2:5: malformed number `2x`: expected a number such as 12, 1.5, .5 or 1e-3; a product needs `*`, as in `2 * x`\n",
            "  |\n",
            "2 | y = 2x\n",
            "  |     ^^\n",
        ),
    ),
    (
        "a = 1\nb = (a + 1",
        concat!(
            "error: <stdin>:2:5: unbalanced parentheses: this `(` is never closed; expected `)` before the end of the line\n",
            "  |\n",
            "2 | b = (a + 1\n",
            "  |     ^\n",
        ),
    ),
    (
        "a = 1\nb = a + 1)",
        concat!(
            "error: <stdin>:2:10: unbalanced parentheses: this `)` has no matching `(` before it\n",
            "  |\n",
            "2 | b = a + 1)\n",
            "  |          ^\n",
        ),
    ),
    (
        "a = 1\nb = a +\n",
        concat!(
            "error: <stdin>:2:8: dangling operator: expected an expression after `+`, found end of line\n",
            "  |\n",
            "2 | b = a +\n",
            "  |        ^\n",
        ),
    ),
    (
        "a = 1\nb = a * * 2",
        concat!(
            "error: <stdin>:2:9: dangling operator: expected an expression after `*`, found `*`\n",
            "  |\n",
            "2 | b = a * * 2\n",
            "  |         ^\n",
        ),
    ),
    (
        "a =",
        concat!(
            "error: <stdin>:1:4: expected an expression after `=`, found end of input\n",
            "  |\n",
            "1 | a =\n",
            "  |    ^\n",
        ),
    ),
    (
        "a = ()",
        concat!(
            "error: <stdin>:1:6: expected an expression after `(`, found `)`\n",
            "  |\n",
            "1 | a = ()\n",
            "  |      ^\n",
        ),
    ),
    (
        "a = 1\nb = a a",
        concat!(
            "error: <stdin>:2:7: unexpected name `a`: expected an operator (`+ - * / **`), `)` or the end of the statement\n",
            "  |\n",
            "2 | b = a a\n",
            "  |       ^\n",
        ),
    ),
    (
        "a = 1\nb = a = 2",
        concat!(
            "error: <stdin>:2:7: unexpected `=`: expected an operator (`+ - * / **`), `)` or the end of the statement; statements are separated by newlines or `;`\n",
            "  |\n",
            "2 | b = a = 2\n",
            "  |       ^\n",
        ),
    ),
    (
        "a = 1\na + 2",
        concat!(
            "error: <stdin>:2:1: not an assignment: a statement is `NAME = expression` (or `+=`, `-=`, `*=`, `/=`), found an expression; to see a value, name it, as in `y = …`\n",
            "  |\n",
            "2 | a + 2\n",
            "  | ^\n",
        ),
    ),
    (
        "a = 1\nb = a * z",
        concat!(
            "error: <stdin>:2:9: unknown name `z`: expected a name assigned by an earlier statement (names assigned before this point: a)\n",
            "  |\n",
            "2 | b = a * z\n",
            "  |         ^\n",
        ),
    ),
    (
        "a += 1",
        concat!(
            "error: <stdin>:1:1: unknown name `a`: expected a name assigned by an earlier statement (no name is assigned before this point)\n",
            "  |\n",
            "1 | a += 1\n",
            "  | ^\n",
        ),
    ),
    (
        "a = 1\nb = tan(a)",
        concat!(
            "error: <stdin>:2:5: unknown function `tan`: expected one of tanh, exp, log, relu, sigmoid, sin, cos, sqrt, abs; did you mean `tanh`?\n",
            "  |\n",
            "2 | b = tan(a)\n",
            "  |     ^^^\n",
        ),
    ),
    (
        "tanh = 1",
        concat!(
            "error: <stdin>:1:1: `tanh` is a function and cannot be assigned; choose another name\n",
            "  |\n",
            "1 | tanh = 1\n",
            "  | ^^^^\n",
        ),
    ),
    (
        "a = 1\nb = exp + a",
        concat!(
            "error: <stdin>:2:5: `exp` is a function: expected `(` after it, as in `exp(x)`\n",
            "  |\n",
            "2 | b = exp + a\n",
            "  |     ^^^\n",
        ),
    ),
    (
        "",
        concat!(
            "error: <stdin>:1:1: empty program: expected at least one assignment, such as `x = 2.0`\n",
            "  |\n",
            "1 | \n",
            "  | ^\n",
        ),
    ),
];

#[test]
fn each_mistake_is_reported_with_its_position_and_a_caret() {
    for (program, expected) in SNAPSHOTS {
        let result = micrograd()
            .args(["eval", "-"])
            .write_stdin(*program)
            .output()
            .unwrap();
        assert_eq!(result.status.code(), Some(2), "{program:?}");
        assert!(result.stdout.is_empty(), "{program:?}");
        assert_eq!(
            String::from_utf8(result.stderr).unwrap(),
            *expected,
            "{program:?}"
        );
    }
}

#[test]
fn files_and_expressions_are_named_in_the_report() {
    // Removed when `dir` is dropped, at the end of the test, pass or fail.
    let dir = tempfile::Builder::new()
        .prefix("micrograd-eval-errors-")
        .tempdir()
        .unwrap();
    let file = dir.path().join("prog.mg");
    std::fs::write(&file, "x = 2.0\ny = x +* 3\n").unwrap();
    let result = micrograd().arg("eval").arg(&file).output().unwrap();
    assert_eq!(result.status.code(), Some(2));
    let expected = format!(
        "error: {}:2:8: dangling operator: expected an expression after `+`, found `*`\n  |\n2 | y = x +* 3\n  |        ^\n",
        file.display()
    );
    assert_eq!(String::from_utf8(result.stderr).unwrap(), expected);

    let result = micrograd()
        .args(["gradcheck", "-e", "x = 2; y = sinh(x)"])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(
        stderr.starts_with("error: <-e>:1:12: unknown function `sinh`"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("1 | x = 2; y = sinh(x)\n  |            ^^^^\n"),
        "{stderr}"
    );
    dir.close().unwrap();
}

#[test]
fn tens_of_thousands_of_open_parentheses_end_in_an_error() {
    let program = format!("x = 1\ny = {}x", "(".repeat(30_000));
    let result = micrograd()
        .args(["eval", "-"])
        .write_stdin(program)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(
        stderr.starts_with("error: <stdin>:2:30004: unbalanced parentheses"),
        "{stderr}"
    );
    assert!(
        stderr.len() < 500,
        "the report shows a window of the line, not all of it"
    );
}

#[test]
fn bad_usage_and_unreadable_input_exit_2() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["eval"], "", "error: no program: give a FILE, `-` to read standard input, or -e 'PROGRAM' (see --help)\n"),
        (&["eval", "-e", "x = 1; y = x", "--output", "z"], "", "error: --output: no name `z` in the program; it assigns x, y\n"),
        (&["eval", "-e", "x = 1", "--dot", "-", "--svg", "-"], "", "error: --dot - and --svg - cannot both write to standard output\n"),
        (&["eval", "-e", "x = 1", "--json", "--dot", "-"], "", "error: --json prints to standard output: write the picture to a file, not `-`\n"),
        (&["gradcheck", "-e", "x = 1", "--step", "0"], "", "error: --step must be a positive number, not 0\n"),
    ];
    for (args, stdin, expected) in cases {
        let result = micrograd()
            .args(*args)
            .write_stdin(*stdin)
            .output()
            .unwrap();
        assert_eq!(result.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8(result.stderr).unwrap(),
            *expected,
            "{args:?}"
        );
    }
    let result = micrograd()
        .args(["eval", "/nonexistent/prog.mg"])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8(result.stderr)
        .unwrap()
        .starts_with("error: cannot read /nonexistent/prog.mg: "));
    let result = micrograd()
        .args(["eval", "-"])
        .write_stdin(vec![b'x', b'=', 0xff])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(result.stderr).unwrap(),
        "error: <stdin> is not UTF-8 text (invalid byte at offset 2)\n"
    );
    let result = micrograd()
        .args(["eval", "a.mg", "-e", "x = 1"])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2), "a file and -e together");
}
