//! `bianzhi serve` and the network: HTTPS served directly (a self-signed
//! certificate made at test time, a rustls client), the certificate reloaded
//! when its files change, and plain HTTP refused on a non-loopback address
//! unless `--allow-plain-http`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use crate::db::{bin, shared_key};

const PASSWORD: &str = "Test-pass-2024";

/// A self-signed certificate for `localhost`: (certificate PEM, key PEM, DER).
fn certificate() -> (String, String, CertificateDer<'static>) {
    let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (
        c.cert.pem(),
        c.key_pair.serialize_pem(),
        c.cert.der().clone(),
    )
}

/// An empty ledger (not the demo district: quick to start) with one 编办
/// clerk `jingban`.
fn ledger(dir: &Path) -> String {
    let db = dir.join("ledger.db");
    let db_s = db.to_str().unwrap().to_string();
    let o = bin()
        .args([
            "--db",
            &db_s,
            "init",
            "--code",
            "320902",
            "--name",
            "盐城市亭湖区",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    shared_key();
    let mut wf = bianzhi_store::SqliteWorkflow::open(&db).unwrap();
    bianzhi_store::WorkflowStore::create_user(
        &mut wf,
        &bianzhi_store::NewUser {
            login: "jingban".into(),
            display_name: "测试经办".into(),
            role: "office_clerk".into(),
            unit: None,
            password_hash: bianzhi_web::auth::hash_password(PASSWORD).unwrap(),
        },
    )
    .unwrap();
    db_s
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `bianzhi serve` process; its standard error is collected; killed when
/// dropped.
struct Server {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `bianzhi <global> serve <args>` and waits until `port` answers.
    fn start(global: &[&str], args: &[&str], port: u16) -> Server {
        let mut child = bin()
            .args(global)
            .arg("serve")
            .args(args)
            .env("BIANZHI_TLS_RELOAD_MS", "200")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start bianzhi serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (pipe, sink) = (child.stderr.take().unwrap(), stderr.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                eprintln!("[serve] {line}");
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut server = Server { child, stderr };
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "bianzhi serve ended before listening: {status}\n{}",
                    server.stderr()
                );
            }
            assert!(Instant::now() < deadline, "bianzhi serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that trusts exactly these certificates.
fn client(trusted: &[&CertificateDer<'static>]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for c in trusted {
        roots.add((*c).clone()).unwrap();
    }
    let mut cfg =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    // Every connection a full handshake (a resumed one shows no certificate).
    cfg.resumption = rustls::client::Resumption::disabled();
    Arc::new(cfg)
}

/// An HTTPS answer: status, head (lower case), and the certificate the
/// server presented.
struct Answer {
    status: u16,
    head: String,
    cert: Vec<u8>,
}

/// One HTTPS/1.1 request to `localhost` (`Connection: close`).
fn https(
    port: u16,
    cfg: &Arc<ClientConfig>,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> std::io::Result<Answer> {
    let mut sock = TcpStream::connect(("127.0.0.1", port))?;
    sock.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut conn =
        ClientConnection::new(cfg.clone(), ServerName::try_from("localhost").unwrap()).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n");
    if let Some(b) = json {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    tls.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    if let Err(e) = tls.read_to_end(&mut raw) {
        // A server that closes without close_notify: keep what came.
        if e.kind() != std::io::ErrorKind::UnexpectedEof || raw.is_empty() {
            return Err(e);
        }
    }
    let cert = conn.peer_certificates().unwrap()[0].to_vec();
    let text = String::from_utf8_lossy(&raw).to_string();
    let head = text.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok(Answer { status, head, cert })
}

/// `serve --tls-cert --tls-key`: pages and API over HTTPS with HSTS and a
/// `Secure` session cookie; plain HTTP on that port gets no answer. New
/// files (a new key and certificate) are picked up by new connections; a
/// broken file is logged and the working certificate kept.
#[test]
fn serves_https_with_secure_cookies_and_hsts_and_reloads_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let (cert_a, key_a, der_a) = certificate();
    let (cert_b, key_b, der_b) = certificate();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &cert_a).unwrap();
    std::fs::write(&key, &key_a).unwrap();
    let port = free_port();
    let server = Server::start(
        &["--db", &db],
        &[
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        port,
    );
    let trusts_both = client(&[&der_a, &der_b]);

    let page = https(port, &trusts_both, "GET", "/login", None).unwrap();
    assert_eq!(page.status, 200, "{}", page.head);
    assert!(
        page.head
            .contains("strict-transport-security: max-age=31536000"),
        "{}",
        page.head
    );
    assert_eq!(page.cert, der_a.to_vec());
    let body = format!(r#"{{"login":"jingban","password":"{PASSWORD}"}}"#);
    let signed_in = https(port, &trusts_both, "POST", "/api/v1/session", Some(&body)).unwrap();
    assert_eq!(signed_in.status, 200, "{}", signed_in.head);
    let cookie = signed_in
        .head
        .lines()
        .find(|l| l.starts_with("set-cookie: bz_session="))
        .unwrap_or_else(|| panic!("{}", signed_in.head));
    assert!(cookie.contains("; secure"), "{cookie}");
    assert!(cookie.contains("httponly"), "{cookie}");

    // Plain HTTP to the HTTPS port: no HTTP answer.
    let mut plain = TcpStream::connect(("127.0.0.1", port)).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    plain
        .write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    let _ = plain.read_to_end(&mut raw);
    assert!(!raw.starts_with(b"HTTP/1.1 200"), "{raw:?}");

    // New files: new connections get the new certificate.
    std::fs::write(&key, &key_b).unwrap();
    std::fs::write(&cert, &cert_b).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let a = https(port, &trusts_both, "GET", "/login", None).unwrap();
        assert_eq!(a.status, 200);
        if a.cert == der_b.to_vec() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still the old certificate:\n{}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.stderr().contains("已重新载入证书"),
        "{}",
        server.stderr()
    );
    // A client that trusts only the old one is now refused.
    assert!(https(port, &client(&[&der_a]), "GET", "/login", None).is_err());

    // A broken certificate file: logged, the working pair kept.
    std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nbroken\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.stderr().contains("继续使用原证书") {
        assert!(Instant::now() < deadline, "{}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    let a = https(port, &client(&[&der_b]), "GET", "/login", None).unwrap();
    assert_eq!((a.status, a.cert), (200, der_b.to_vec()));
}

/// Waits for a process to end by itself (`None`: still running after `t`).
fn exits_within(child: &mut Child, t: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + t;
    while Instant::now() < deadline {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Plain HTTP on a non-loopback address is refused with the ways out in
/// Chinese (and nothing created); allowed with `--allow-plain-http` (behind a
/// proxy) or with a certificate (here from `bianzhi.toml`).
#[test]
fn plain_http_on_a_non_loopback_address_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    let mut child = bin()
        .args([
            "--db",
            fresh.to_str().unwrap(),
            "serve",
            "--addr",
            "0.0.0.0:0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = exits_within(&mut child, Duration::from_secs(60));
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("bianzhi serve --addr 0.0.0.0:0 serves plain HTTP to the network");
    }
    assert!(!status.unwrap().success());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    for needed in [
        "拒绝在非本机地址",
        "明文 HTTP",
        "--tls-cert",
        "--tls-key",
        "反向代理",
        "--allow-plain-http",
        "--trusted-proxy",
    ] {
        assert!(err.contains(needed), "{needed}: {err}");
    }
    assert!(!fresh.exists(), "a refused serve creates no database");

    let db = ledger(dir.path());
    let port = free_port();
    let _behind_proxy = Server::start(
        &["--db", &db],
        &[
            "--addr",
            &format!("0.0.0.0:{port}"),
            "--allow-plain-http",
            "--trusted-proxy",
            "127.0.0.1",
        ],
        port,
    );

    let (cert_pem, key_pem, der) = certificate();
    std::fs::write(dir.path().join("cert.pem"), cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), key_pem).unwrap();
    let config = dir.path().join("bianzhi.toml");
    std::fs::write(
        &config,
        format!(
            "database = \"{db}\"\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n\
             trusted_proxies = [\"10.0.0.0/8\"]\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let _tls = Server::start(
        &["--config", config.to_str().unwrap()],
        &["--addr", &format!("0.0.0.0:{port}")],
        port,
    );
    let a = https(port, &client(&[&der]), "GET", "/login", None).unwrap();
    assert_eq!((a.status, a.cert), (200, der.to_vec()));
}
