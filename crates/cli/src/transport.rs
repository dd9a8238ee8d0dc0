//! How `bianzhi serve` meets the network: HTTPS itself (certificate and key
//! files), or plain HTTP behind a reverse proxy (trusted proxies), and the
//! refusal of plain HTTP on a non-loopback address unless asked for.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};
use bianzhi_web::http::client::ProxyNet;
use bianzhi_web::http::tls::TlsFiles;

use crate::config::Config;

/// The options of `bianzhi serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// 监听地址（非本机地址须配置证书，或在反向代理之后运行并加 --allow-plain-http）
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// HTTPS 证书链文件（PEM，服务器证书在前），与 --tls-key 一起使用（也可在 bianzhi.toml 中设置 tls_cert）；
    /// 文件更换后自动重新载入（每 5 秒检查一次，收到 SIGHUP 时立即检查），新证书无法载入时继续使用原证书
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// HTTPS 私钥文件（PEM；也可在 bianzhi.toml 中设置 tls_key）
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// 受信任的反向代理的地址或网段（可重复，如 127.0.0.1、10.0.0.0/8；也可在 bianzhi.toml 中设置
    /// trusted_proxies）：只有来自这些地址的请求才采信 X-Forwarded-For（客户端地址，用于登录锁定和审计）
    /// 和 X-Forwarded-Proto（是否 HTTPS），其他请求的这两个头一概不理
    #[arg(long = "trusted-proxy", value_name = "ADDR_OR_CIDR")]
    pub trusted_proxies: Vec<ProxyNet>,
    /// 允许在非本机地址上以明文 HTTP 提供服务：仅用于在反向代理之后运行（由代理提供 HTTPS），
    /// 同时用 --trusted-proxy 指明代理的地址
    #[arg(long)]
    pub allow_plain_http: bool,
}

/// What `serve` does, with flags over the config file.
#[derive(Debug)]
pub struct Serving {
    pub addr: SocketAddr,
    pub tls: Option<TlsFiles>,
    pub trusted_proxies: Vec<ProxyNet>,
}

impl ServeArgs {
    /// Merges the config file in and checks: both certificate and key or
    /// neither, the pair loads, and no plain HTTP on a non-loopback address
    /// unless `--allow-plain-http`.
    pub fn resolve(&self, cfg: &Config) -> Result<Serving> {
        let cert = self.tls_cert.clone().or_else(|| cfg.tls_cert.clone());
        let key = self.tls_key.clone().or_else(|| cfg.tls_key.clone());
        let tls = match (cert, key) {
            (Some(cert), Some(key)) => {
                let mut files = TlsFiles::new(cert, key);
                if let Some(ms) = std::env::var("BIANZHI_TLS_RELOAD_MS")
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok())
                    .filter(|m| *m > 0)
                {
                    files.reload_every = Duration::from_millis(ms);
                }
                if let Err(e) = files.load() {
                    bail!("{e}");
                }
                Some(files)
            }
            (None, None) => None,
            _ => bail!("--tls-cert（证书）与 --tls-key（私钥）须同时指定"),
        };
        let trusted_proxies = if self.trusted_proxies.is_empty() {
            cfg.trusted_proxies
                .iter()
                .map(|s| s.parse::<ProxyNet>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("配置文件的 trusted_proxies 中 {e}"))?
        } else {
            self.trusted_proxies.clone()
        };
        let allow_plain = self.allow_plain_http || cfg.allow_plain_http;
        check_plain_http(self.addr, tls.is_some(), allow_plain)?;
        Ok(Serving {
            addr: self.addr,
            tls,
            trusted_proxies,
        })
    }
}

/// Plain HTTP only on loopback (a reverse proxy on the same machine), unless
/// explicitly allowed: elsewhere passwords and session ids would cross the
/// network in clear.
pub fn check_plain_http(addr: SocketAddr, tls: bool, allow_plain_http: bool) -> Result<()> {
    if tls || allow_plain_http || addr.ip().to_canonical().is_loopback() {
        return Ok(());
    }
    bail!(
        "拒绝在非本机地址 {addr} 上以明文 HTTP 提供服务：登录口令和会话令牌将以明文在网络上传输。请任选其一：\n\
         1. 配置证书，由本服务直接提供 HTTPS：--tls-cert 证书.pem --tls-key 私钥.pem\
         （或在 bianzhi.toml 中设置 tls_cert、tls_key）；\n\
         2. 在反向代理之后运行（由代理提供 HTTPS）：加 --allow-plain-http，并用 --trusted-proxy 代理地址 \
         指明代理（代理与本服务在同一台机器上时，监听 127.0.0.1 即可，无需 --allow-plain-http）。"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_unless_allowed() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        for ok in ["127.0.0.1:8080", "[::1]:8080", "[::ffff:127.0.0.1]:80"] {
            assert!(check_plain_http(a(ok), false, false).is_ok(), "{ok}");
        }
        for bad in ["0.0.0.0:8080", "10.1.2.3:8080", "[::]:8080"] {
            let e = check_plain_http(a(bad), false, false)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("--tls-cert") && e.contains("--allow-plain-http"),
                "{e}"
            );
            assert!(check_plain_http(a(bad), true, false).is_ok());
            assert!(check_plain_http(a(bad), false, true).is_ok());
        }
    }
}
