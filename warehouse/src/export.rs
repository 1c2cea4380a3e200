//! The whole export as one set of files: rendered from the registry, written to a directory,
//! or compared with one (the drift check).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use behavior_runtime::Registry;

use crate::contract::Contract;
use crate::{dbt, json_schema, snowflake};

/// Relative path → contents of every exported file.
#[derive(Debug, PartialEq)]
pub struct Export {
    pub files: BTreeMap<PathBuf, String>,
}

/// One difference between a directory and the export.
#[derive(Debug, PartialEq)]
pub enum Drift {
    Missing(PathBuf),
    Changed(PathBuf),
    /// In the directory, not exported any more.
    Stale(PathBuf),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing(p) => write!(f, "missing: {}", p.display()),
            Drift::Changed(p) => write!(f, "differs: {}", p.display()),
            Drift::Stale(p) => write!(f, "no longer exported: {}", p.display()),
        }
    }
}

impl Export {
    pub fn new(registry: &Registry) -> Self {
        let contract = Contract::new(registry);
        let files = json_schema::render(&contract)
            .into_iter()
            .chain(snowflake::render(&contract))
            .chain(dbt::render(&contract))
            .map(|(path, text)| (PathBuf::from(path), text))
            .collect();
        Self { files }
    }

    /// Writes every file under `dir` and deletes files there that are no longer exported.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        for drift in self.diff(dir)? {
            if let Drift::Stale(path) = drift {
                fs::remove_file(dir.join(path))?;
            }
        }
        for (path, text) in &self.files {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            if fs::read_to_string(&path).ok().as_deref() != Some(text) {
                fs::write(&path, text)?;
            }
        }
        Ok(())
    }

    /// How `dir` differs from this export; empty when it is up to date.
    pub fn diff(&self, dir: &Path) -> io::Result<Vec<Drift>> {
        let mut drift = Vec::new();
        for (path, text) in &self.files {
            match fs::read_to_string(dir.join(path)) {
                Ok(found) if &found == text => {}
                Ok(_) => drift.push(Drift::Changed(path.clone())),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    drift.push(Drift::Missing(path.clone()))
                }
                Err(e) => return Err(e),
            }
        }
        if dir.exists() {
            for path in list(dir, Path::new(""))? {
                if !self.files.contains_key(&path) {
                    drift.push(Drift::Stale(path));
                }
            }
        }
        Ok(drift)
    }
}

/// Every file under `dir/rel`, relative to `dir`, sorted.
fn list(dir: &Path, rel: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir.join(rel))? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            out.extend(list(dir, &rel)?);
        } else {
            out.push(rel);
        }
    }
    out.sort();
    Ok(out)
}
