use crate::auth::User;
use crate::http::error::WebError;
use std::collections::HashMap;

/// The values a form was filled with, to show it again (after an error, or
/// to edit): `f.v("name")`, and `f.sel(…)` / `f.seln(…)` for `<option>`s.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormValues(pub HashMap<String, String>);

impl FormValues {
    pub fn v(&self, k: &str) -> String {
        self.0.get(k).cloned().unwrap_or_default()
    }
    pub fn sel(&self, k: &str, v: &str) -> &'static str {
        if self.0.get(k).map(String::as_str) == Some(v) {
            "selected"
        } else {
            ""
        }
    }
    pub fn seln(&self, k: &str, v: &u32) -> &'static str {
        self.sel(k, &v.to_string())
    }
}

pub(crate) fn check_csrf(user: &User, form: &[(String, String)]) -> Result<(), WebError> {
    let tok = form
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    if tok == Some(user.csrf.as_str()) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

pub(crate) fn field<'a>(form: &'a [(String, String)], k: &str) -> &'a str {
    form.iter()
        .find(|(fk, _)| fk == k)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}
