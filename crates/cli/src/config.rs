//! Configuration: flag > environment > config file > default.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Settings read from `bianzhi.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Database file of the embedded SQLite ledger.
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
        // A relative database path is relative to the config file.
        if cfg.database.is_relative() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                cfg.database = dir.join(&cfg.database);
            }
        }
        Ok(cfg)
    }
}
