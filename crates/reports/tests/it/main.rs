mod common;
mod import;
mod reconcile;
mod reports;
mod xlsx;
