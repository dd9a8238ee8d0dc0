use crate::prelude::*;

impl App {
    /// 修改本人密码: the current password checked, the new one held to the
    /// policy and different from it; every session of the account then ends
    /// (sign in again with the new password). API tokens cannot do it.
    pub fn change_own_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        confirm: Option<&str>,
    ) -> Result<(), WebError> {
        if user.token {
            return Err(WebError::Forbidden("接口令牌不能修改密码".into()));
        }
        let mut rec = self.wf().user(user.id)?.ok_or(WebError::Unauthorized)?;
        if !auth::verify_password(current, &rec.password_hash) {
            return Err(WebError::invalid("wrong_password", "当前密码不正确"));
        }
        if confirm.is_some_and(|c| c != new) {
            return Err(WebError::invalid(
                "password_mismatch",
                "两次输入的新密码不一致",
            ));
        }
        if new == current {
            return Err(WebError::invalid(
                "weak_password",
                "新密码不能与当前密码相同",
            ));
        }
        auth::check_password(new, &rec.login)?;
        rec.password_hash = auth::hash_password(new)?;
        self.wf().update_user(&rec)?;
        self.end_sessions_of(user.id)?;
        Ok(())
    }
}
