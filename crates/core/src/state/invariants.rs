//! What holds of every state.

use thiserror::Error;

/// A broken invariant: a bug in the state machine, never a clerk's mistake.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct InvariantError(pub String);
