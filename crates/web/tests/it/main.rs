//! Integration tests of bianzhi-web: every API endpoint in-process (good and
//! bad input), the OpenAPI document against `docs/openapi.json`, and a browser
//! test with Debian chromium + chromedriver (skipped with a message if absent).

mod api;
mod architecture;
mod browser;
mod browser_cases;
mod cases;
mod chrome;
mod exposure;
mod fixture;
mod openapi;
mod reports;
mod schema_fuzz;
mod security;
mod transport;
