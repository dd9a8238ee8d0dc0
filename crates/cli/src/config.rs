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
    /// `serve` over HTTPS: the certificate chain (PEM), as `--tls-cert`.
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `tls_cert`, as `--tls-key`.
    pub tls_key: Option<PathBuf>,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed, as
    /// `--trusted-proxy` (addresses or networks: `["127.0.0.1", "10.0.0.0/8"]`).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Plain HTTP on a non-loopback address (behind a proxy), as `--allow-plain-http`.
    #[serde(default)]
    pub allow_plain_http: bool,
}

fn default_database() -> PathBuf {
    PathBuf::from("bianzhi.db")
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: default_database(),
            tls_cert: None,
            tls_key: None,
            trusted_proxies: Vec::new(),
            allow_plain_http: false,
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
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if cfg.database.is_relative() && !is_url {
                cfg.database = dir.join(&cfg.database);
            }
            // So are the certificate and key.
            for p in [&mut cfg.tls_cert, &mut cfg.tls_key].into_iter().flatten() {
                if p.is_relative() {
                    *p = dir.join(&*p);
                }
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
        std::fs::write(
            &file,
            "tls_cert = \"tls/cert.pem\"\ntls_key = \"/etc/bianzhi/key.pem\"\n\
             trusted_proxies = [\"10.0.0.0/8\"]\nallow_plain_http = true\n",
        )
        .unwrap();
        let cfg = Config::load(Some(&file)).unwrap();
        assert_eq!(cfg.tls_cert, Some(dir.path().join("tls/cert.pem")));
        assert_eq!(cfg.tls_key, Some(PathBuf::from("/etc/bianzhi/key.pem")));
        assert_eq!(cfg.trusted_proxies, ["10.0.0.0/8"]);
        assert!(cfg.allow_plain_http);
    }
}
