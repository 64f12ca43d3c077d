//! The page and its files: served from the binary, from this host only, and nothing outside them.

use crate::playground::Server;

#[test]
fn serves_the_page_and_its_files_from_the_binary() {
    let server = Server::start();
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let html = page.text();
    for file in [
        "/style.css",
        "/common.js",
        "/explorer.js",
        "/training.js",
        "/favicon.svg",
    ] {
        assert!(html.contains(file), "the page loads {file}");
        let r = server.get(file);
        assert_eq!(r.status, 200, "{file}");
        assert!(!r.body.is_empty());
    }
    assert!(server
        .get("/style.css")
        .header("content-type")
        .unwrap()
        .starts_with("text/css"));
    assert!(server
        .get("/explorer.js")
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    // Nothing is loaded from another host: the only absolute URL is the SVG namespace's name.
    for file in [
        "/",
        "/style.css",
        "/common.js",
        "/explorer.js",
        "/training.js",
        "/favicon.svg",
    ] {
        let text = server
            .get(file)
            .text()
            .replace("http://www.w3.org/2000/svg", "");
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{file} refers to another host"
        );
        assert!(
            !text.contains("@import") && !text.contains("@font-face"),
            "{file} loads a style or font"
        );
    }
}

#[test]
fn no_file_outside_the_embedded_ones_can_be_read() {
    let server = Server::start();
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/Cargo.toml",
        "/src/main.rs",
        "/web/index.html",
        "//etc/passwd",
    ] {
        let r = server.get(path);
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.text().contains("root:"), "{path}");
    }
    let r = server.get("/nothing-here");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("/nothing-here"));
}
