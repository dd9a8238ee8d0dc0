mod common;
mod reconcile;
mod reports;
mod xlsx;
