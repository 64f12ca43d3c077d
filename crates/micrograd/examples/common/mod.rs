//! What the notebook examples share: saving a picture of a graph, as the notebook's `draw_dot`.

use std::path::PathBuf;

use micrograd::{draw, Value};

/// Where pictures go: `$MICROGRAD_PICTURES`, or `target/notebook` in the workspace.
fn picture_dir() -> PathBuf {
    match std::env::var_os("MICROGRAD_PICTURES") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let workspace = crate_dir
                .parent()
                .and_then(|p| p.parent())
                .unwrap_or(crate_dir);
            workspace.join("target").join("notebook")
        }
    }
}

/// Writes `svg` as `NAME.svg` in the picture directory, and says where.
#[allow(dead_code)] // not every example draws a chart
pub fn save_svg(name: &str, svg: &str) {
    let dir = picture_dir();
    let path = dir.join(format!("{name}.svg"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, svg.as_bytes())) {
        Ok(()) => println!("(picture: {})", path.display()),
        Err(e) => eprintln!("could not write the picture {name}: {e}"),
    }
}

/// Writes the graph that `root` depends on as `NAME.dot` and `NAME.svg`, and says where.
#[allow(dead_code)] // not every example draws a graph
pub fn save_picture(name: &str, root: Value<'_>) {
    let dir = picture_dir();
    let result = std::fs::create_dir_all(&dir).and_then(|()| {
        let dot = dir.join(format!("{name}.dot"));
        std::fs::write(&dot, draw::to_dot(root).as_bytes())?;
        let svg = draw::to_svg(root).map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::write(dir.join(format!("{name}.svg")), svg.as_bytes())
    });
    match result {
        Ok(()) => println!("(picture: {})", dir.join(format!("{name}.svg")).display()),
        Err(e) => eprintln!("could not write the picture {name}: {e}"),
    }
}
