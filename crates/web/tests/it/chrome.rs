//! Shared plumbing of the browser tests: the demo district served in-process,
//! Debian chromium driven through chromedriver, and small page helpers.
//! `Browser::start` answers `None` (the caller skips with a message) where
//! chromium or chromedriver is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bianzhi_store::{Db, SqliteStore, SqliteWorkflow};
use bianzhi_web::App;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(cands: &[&str]) -> Option<PathBuf> {
    cands.iter().map(PathBuf::from).find(|p| p.exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The demo district (as `bianzhi serve` prepares it) in a temporary file.
pub struct Demo {
    pub app: Arc<App>,
    pub dir: tempfile::TempDir,
}

impl Demo {
    pub fn build() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let mut db = Db::init_demo(
            Box::new(SqliteStore::open(&path).unwrap()),
            "320903",
            "盐城市盐都区",
        )
        .unwrap();
        {
            let mut sink = db.batch_sink(500);
            bianzhi_demo::build_demo(&mut sink, &mut |_, _| {}).unwrap();
            sink.flush().unwrap();
        }
        let mut wf = SqliteWorkflow::open(&path).unwrap();
        bianzhi_web::prepare(&mut db, &mut wf, chrono::Utc::now()).unwrap();
        Demo {
            app: App::new(db, Box::new(wf)),
            dir,
        }
    }
}

/// A headless chromium session against the application served on loopback.
pub struct Browser {
    pub c: Client,
    pub base: String,
    _driver: Kill,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Serves `app` and starts chromium; `None` where it is not installed.
    pub async fn start(app: Arc<App>) -> Option<Browser> {
        let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
        let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            println!("跳过浏览器测试：未找到 chromium 或 chromedriver（CI 的 .ci/run 会安装 Debian 的 chromium 与 chromium-driver）");
            return None;
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = bianzhi_web::router(app);
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap()
        });
        let port = free_port();
        let driver = Kill(
            Command::new(&driver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--window-size=1366,900", "--lang=zh-CN",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        });
        let caps: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(caps).unwrap();
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    return Some(Browser {
                        c,
                        base,
                        _driver: driver,
                        _profile: profile,
                    })
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        panic!("cannot connect to chromedriver");
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// Saves a screenshot to `target/screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) {
        shot(&self.c, name).await
    }

    pub async fn text(&self, css: &str) -> String {
        text(&self.c, css).await
    }

    pub async fn fill(&self, id: &str, value: &str) {
        let e = self.c.find(Locator::Id(id)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Sets an input's value directly (date inputs, whose typed format
    /// depends on the browser's locale).
    pub async fn set_value(&self, id: &str, value: &str) {
        self.c
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![serde_json::json!(id), serde_json::json!(value)],
            )
            .await
            .unwrap();
    }

    pub async fn select(&self, id: &str, value: &str) {
        self.c
            .find(Locator::Id(id))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// Clicks the element with this id and waits for the next page to show
    /// `wait_for` (an id).
    /// Clicks the element with this id and waits for the next page to show
    /// `wait_for` (an id); on failure saves a screenshot and shows the page.
    pub async fn click(&self, id: &str, wait_for: &str) {
        if !click_then(&self.c, Locator::Id(id), wait_for).await {
            self.shot(&format!("failed-{id}")).await;
            let body = self.text("main").await;
            panic!("after clicking #{id}, #{wait_for} did not appear; the page says:\n{body}");
        }
    }

    pub async fn sign_in(&self, login: &str, pw: &str) {
        sign_in(&self.c, &self.base, login, pw).await
    }

    pub async fn sign_out(&self) {
        sign_out(&self.c).await
    }
}

/// `target/screenshots/`, created if missing.
pub fn shots_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Saves a screenshot to `target/screenshots/<name>.png`.
pub async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

/// The text of the first element matching `css`.
pub async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn sign_in(c: &Client, base: &str, login: &str, pw: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    for (id, v) in [("login", login), ("password", pw)] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(v)
            .await
            .unwrap();
    }
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("header.top nav"))
        .await
        .unwrap();
}

pub async fn sign_out(c: &Client) {
    c.find(Locator::Css(".who button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("login")).await.unwrap();
}

/// Clicks `target` (which loads a page) and waits for `wait_for` (an id) on
/// the new page. The element may stand on the old page too (a form posting
/// back to its own page), so first the old page must be gone. Answers
/// whether it appeared within 30 s.
pub async fn click_then(c: &Client, target: Locator<'_>, wait_for: &str) -> bool {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.find(target).await.unwrap().click().await.unwrap();
    let mut gone = false;
    for _ in 0..600 {
        if old.tag_name().await.is_err() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    gone && c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Id(wait_for))
        .await
        .is_ok()
}
