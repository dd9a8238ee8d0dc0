//! Integration tests of bianzhi-web, one file per feature where a test is
//! about one feature (`applications.rs`, `matters.rs`, `cases.rs`,
//! `reports.rs`, `admin.rs`, `session.rs`, `bootstrap.rs`), and across
//! features: every API read with good and bad input (`api.rs`), security and
//! exposure, transport, the OpenAPI document and its routes (`openapi.rs`,
//! `schema_fuzz.rs`), the shape of the code (`architecture.rs`), and browser
//! tests with Debian chromium + chromedriver (skipped with a message if
//! absent).

mod admin;
mod api;
mod applications;
mod architecture;
mod bootstrap;
mod browser;
mod browser_cases;
mod browser_documents;
mod browser_grassroots;
mod browser_instruments;
mod browser_norms;
mod browser_pages;
mod browser_registration;
mod browser_scenarios;
mod cases;
mod chrome;
mod documents;
mod exports;
mod exposure;
mod fixture;
mod forecast;
mod grassroots;
mod matters;
mod norms;
mod openapi;
mod overview;
mod person_codes;
mod registration;
mod reports;
mod scenarios;
mod schema_fuzz;
mod security;
mod session;
mod statistics;
mod transport;
mod units;
