//! What almost every feature module uses: the shared state, the signed-in
//! user, errors, extractors, query parameters, page layout and rendering.
//! Features `use crate::prelude::*;` and import anything else by name.

pub(crate) use crate::auth::{self, Role, User};
pub(crate) use crate::http::blocking::blocking;
pub(crate) use crate::http::error::*;
pub(crate) use crate::http::extract::*;
pub(crate) use crate::http::form::*;
pub(crate) use crate::http::json::ApiJson;
pub(crate) use crate::http::page::*;
pub(crate) use crate::http::params::*;
pub(crate) use crate::http::text::Form;
pub(crate) use crate::state::{App, AppState, ReadCtx};
