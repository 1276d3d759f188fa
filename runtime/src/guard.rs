//! The connect guard a spec declares with `connect_guard: { tokens: … }`:
//! the handshake's `auth.token` must equal the value of one of the named
//! environment variables, and that variable's role becomes the socket's.

use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::gateway::Verdict;

/// Admits a client whose `auth.token` (`io(url, { auth: { token } })`)
/// equals the value of one of `tokens`' environment variables, with that
/// entry's role. A variable that is unset or empty admits nobody. The
/// comparison takes the same time wherever the token differs.
pub fn bearer_tokens(auth: Option<&Value>, tokens: &[(&str, &str)]) -> Verdict {
    let Some(given) = auth
        .and_then(|auth| auth.get("token"))
        .and_then(Value::as_str)
    else {
        return Err("unauthorized: connect with a token (auth: { token })".to_owned());
    };
    for (variable, role) in tokens {
        let Ok(expected) = std::env::var(variable) else {
            continue;
        };
        if !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return Ok(Some((*role).to_owned()));
        }
    }
    Err("unauthorized: the token is not valid".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_token_gets_its_role_and_anything_else_is_refused_with_a_reason() {
        // PATH is set wherever tests run; no test sets a variable.
        let path = std::env::var("PATH").expect("PATH is set");
        let tokens = [("GATESMITH_TEST_UNSET_TOKEN", "admin"), ("PATH", "member")];
        let auth = json!({ "token": path });
        assert_eq!(
            bearer_tokens(Some(&auth), &tokens),
            Ok(Some("member".to_owned()))
        );
        let wrong = json!({ "token": "nope" });
        assert_eq!(
            bearer_tokens(Some(&wrong), &tokens),
            Err("unauthorized: the token is not valid".to_owned())
        );
        assert!(bearer_tokens(None, &tokens).is_err_and(|e| e.contains("connect with a token")));
        let empty = json!({ "token": "" });
        assert!(bearer_tokens(Some(&empty), &[("GATESMITH_TEST_UNSET_TOKEN", "x")]).is_err());
    }
}
