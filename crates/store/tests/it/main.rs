//! Integration tests of bianzhi-store.
//!
//! The behaviour every backend must have is written once, in [`conformance`],
//! against the [`JournalStore`](bianzhi_store::JournalStore) trait plus a small
//! [`fixture::Fixture`] for what the trait cannot do (reopen, tamper with the
//! stored rows). Each backend is one `backend_tests!` line below and a fixture
//! implementation; backend-specific tests live in the backend's module. The
//! durable ledger ([`Db`](bianzhi_store::Db)) is tested the same way, once, in
//! [`ledger`], on every backend, and so is the workflow store
//! ([`WorkflowStore`](bianzhi_store::WorkflowStore)) in [`workflow`].

#[macro_use]
mod conformance;
#[macro_use]
mod chain;
mod fixture;
mod ledger;
mod postgres;
mod sqlite;
mod workflow;

backend_tests!(sqlite_file, crate::sqlite::SqliteFixture::boxed);
// Runs when BIANZHI_TEST_PG names a server (CI gives one); see postgres.rs.
backend_tests!(
    postgres_db,
    crate::postgres::PgFixture::boxed,
    crate::postgres::enabled
);
