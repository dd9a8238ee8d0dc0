mod common;
mod import;
mod libreoffice;
mod reconcile;
mod reports;
mod xlsx;
