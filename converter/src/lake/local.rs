//! A lake rooted at a local directory (the embedded default). Writes are atomic: a temporary
//! file in the target directory, flushed to disk, then renamed over the key, so readers never
//! see half a file and a rewrite replaces the old file whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Debug)]
pub struct LocalLake {
    root: PathBuf,
}

impl LocalLake {
    /// Creates the root directory if needed; fails when it cannot be created.
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes `bytes` at `key` (a `/`-separated path under the root), replacing any file there.
    pub fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.root.join(key);
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        // Unique per process and write: two writers of one key never share a temp file.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".{}.{}-{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("part"),
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed),
        ));
        let result = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // The rename is durable once the directory holding it is synced, and a directory
            // created for it (by this write or a concurrent one that may yet fail) once its
            // parent is: sync every level up to the root before the queue hears "stored".
            for level in dir.ancestors() {
                sync_dir(level)?;
                if level == self.root {
                    break;
                }
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // Opening a directory read-only and syncing it is how POSIX persists its entries; other
    // systems do not open directories, and their renames are durable as they are.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
