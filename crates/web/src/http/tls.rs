//! HTTPS served directly: rustls (ring provider) with a certificate chain and
//! private key from PEM files, reloaded when the files change (checked every
//! few seconds, and at once on SIGHUP). A new pair that does not load — a
//! half-written file, a key that does not match — is logged and the old one
//! kept; connections already open keep the certificate they started with.
//!
//! TLS handshakes run in their own tasks (with a time limit), so a slow or
//! silent client holds up no one else; [`TlsListener`] hands finished
//! connections to `axum::serve`.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How often the certificate files are checked for a change by default.
pub const RELOAD_EVERY: Duration = Duration::from_secs(5);

/// Longest time a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate chain and private key files (PEM) of an HTTPS server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, server certificate first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// How often the files are checked for a change.
    pub reload_every: Duration,
}

impl TlsFiles {
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> TlsFiles {
        TlsFiles {
            cert: cert.into(),
            key: key.into(),
            reload_every: RELOAD_EVERY,
        }
    }

    /// Reads and checks the pair (the key must match the certificate).
    pub fn load(&self) -> Result<Arc<CertifiedKey>, String> {
        load_pair(&self.cert, &self.key, &provider())
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_pair(
    cert: &Path,
    key: &Path,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("无法读取证书文件 {}：{e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "证书文件 {} 中没有证书（应为 PEM 格式的 CERTIFICATE）",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("无法读取私钥文件 {}：{e}", key.display()))?;
    let ck = CertifiedKey::from_der(chain, private, provider).map_err(|e| {
        format!(
            "证书 {} 与私钥 {} 不能配套使用：{e}",
            cert.display(),
            key.display()
        )
    })?;
    Ok(Arc::new(ck))
}

/// Answers every handshake with the current pair; swapped on reload.
#[derive(Debug)]
struct CurrentCert(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for CurrentCert {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

/// A TCP listener that completes TLS handshakes (each in its own task) and
/// hands out the finished connections, for `axum::serve`.
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl TlsListener {
    /// Serves `files` on `listener`: loads the pair now (an error if it does
    /// not load) and watches the files for a new one.
    pub fn new(listener: TcpListener, files: &TlsFiles) -> std::io::Result<TlsListener> {
        let provider = provider();
        let first = load_pair(&files.cert, &files.key, &provider)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let current = Arc::new(CurrentCert(RwLock::new(first)));
        let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let local = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(64);
        let tasks = vec![
            tokio::spawn(accept_loop(listener, acceptor, tx)),
            tokio::spawn(reload_loop(files.clone(), provider, current)),
        ];
        Ok(TlsListener { rx, local, tasks })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The accept loop never ends while the listener lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait, as axum does.
                tracing::warn!("接受连接失败：{e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            // A failed handshake (a plain-HTTP request, a client that does not
            // trust the certificate, a scanner) just closes the connection.
            if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
            {
                let _ = tx.send((tls, peer)).await;
            }
        });
    }
}

/// Checks the files every `reload_every` (and on SIGHUP); loads a changed
/// pair, or logs why not and keeps the old one.
async fn reload_loop(files: TlsFiles, provider: Arc<CryptoProvider>, current: Arc<CurrentCert>) {
    let read = |files: &TlsFiles| {
        (
            std::fs::read(&files.cert).ok(),
            std::fs::read(&files.key).ok(),
        )
    };
    let mut seen = read(&files);
    let mut tick = tokio::time::interval(files.reload_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        #[cfg(unix)]
        let forced = tokio::select! {
            _ = tick.tick() => false,
            Some(()) = async {
                match hup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            } => true,
        };
        #[cfg(not(unix))]
        let forced = {
            tick.tick().await;
            false
        };
        let now = read(&files);
        if now == seen && !forced {
            continue;
        }
        seen = now;
        match load_pair(&files.cert, &files.key, &provider) {
            Ok(ck) => {
                *current.0.write().unwrap_or_else(|e| e.into_inner()) = ck;
                tracing::info!(
                    "已重新载入证书 {} 和私钥 {}",
                    files.cert.display(),
                    files.key.display()
                );
            }
            Err(e) => tracing::warn!("新证书未载入，继续使用原证书：{e}"),
        }
    }
}
