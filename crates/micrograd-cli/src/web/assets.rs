//! The page's static files, compiled into the binary: the playground needs no file on disk and no
//! network, and no request can name a file outside this fixed list.

/// One embedded file: its path under `/`, its media type and its bytes.
pub struct Asset {
    /// The URL path, such as `/app.js`.
    pub path: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    /// The file itself.
    pub body: &'static str,
}

/// Every file the page loads.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../web/index.html"),
    },
    Asset {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../web/style.css"),
    },
    Asset {
        path: "/common.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/common.js"),
    },
    Asset {
        path: "/explorer.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/explorer.js"),
    },
    Asset {
        path: "/training.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/training.js"),
    },
    Asset {
        path: "/lesson-graph.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/lesson-graph.js"),
    },
    Asset {
        path: "/lesson-first.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/lesson-first.js"),
    },
    Asset {
        path: "/lesson-more.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/lesson-more.js"),
    },
    Asset {
        path: "/lesson.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/lesson.js"),
    },
    Asset {
        path: "/favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../../web/favicon.svg"),
    },
];

/// The embedded file at `path`, if there is one (`/index.html` is the page too).
pub fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/index.html" { "/" } else { path };
    ASSETS.iter().find(|a| a.path == path)
}
