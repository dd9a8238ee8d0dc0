//! Configuration: flag > environment > config file > default.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Settings read from `bianzhi.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Database of the ledger: a SQLite file, or a PostgreSQL address
    /// `postgres://user@host:port/dbname?ledger=320903` (as `--database`).
    #[serde(default = "default_database")]
    pub database: PathBuf,
}

fn default_database() -> PathBuf {
    PathBuf::from("bianzhi.db")
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: default_database(),
        }
    }
}

impl Config {
    /// Loads the named file (which must exist), or `./bianzhi.toml` if present.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("bianzhi.toml"), false),
        };
        if !path.exists() {
            if required {
                anyhow::bail!("配置文件 {} 不存在", path.display());
            }
            return Ok(Config::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("无法读取配置文件 {}", path.display()))?;
        let mut cfg: Config = toml::from_str(&text)
            .with_context(|| format!("配置文件 {} 格式不对", path.display()))?;
        // A relative database path is relative to the config file (a
        // PostgreSQL address is not a path).
        let is_url = cfg
            .database
            .to_str()
            .is_some_and(bianzhi_store::is_postgres_url);
        if cfg.database.is_relative() && !is_url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                cfg.database = dir.join(&cfg.database);
            }
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_paths_are_relative_to_the_file_but_addresses_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bianzhi.toml");
        std::fs::write(&file, "database = \"data/l.db\"\n").unwrap();
        assert_eq!(
            Config::load(Some(&file)).unwrap().database,
            dir.path().join("data/l.db")
        );
        let url = "postgres://bianzhi@pg1:5432/jiangsu?ledger=320903";
        std::fs::write(&file, format!("database = \"{url}\"\n")).unwrap();
        assert_eq!(
            Config::load(Some(&file)).unwrap().database,
            PathBuf::from(url)
        );
    }
}
