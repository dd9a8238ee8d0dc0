mod common;
mod hostile;
mod import;
mod libreoffice;
mod posts;
mod reconcile;
mod reports;
mod xlsx;
