//! The front door's token check: a request needs `Authorization: Bearer <token>`, and a token
//! that says when it expires must not have expired.
//!
//! headers -> scheme and token -> (a JWT's `exp` claim, when the token is one) -> Ok or a 401
//! with ARM's code and a `WWW-Authenticate` challenge. Signatures, audiences and issuers are
//! not checked: any ARM client's real or test token is accepted until its `exp`, as ARM would
//! accept a valid one. `exp` is compared with the real clock, not the emulator's scaled one:
//! the token's issuer stamped it in real time. The token is never logged.

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use time::OffsetDateTime;

use crate::arm_error::ArmError;

const MISSING_OR_INVALID: &str =
    "Bearer error=\"invalid_token\", error_description=\"The access token is missing or invalid.\"";
const EXPIRED: &str =
    "Bearer error=\"invalid_token\", error_description=\"The access token has expired.\"";

/// Ok when the request carries a bearer token that has not expired.
pub(crate) fn check(headers: &HeaderMap) -> Result<(), ArmError> {
    let unauthorized = |code: &str, message: &str, challenge: &'static str| {
        let mut e = ArmError::front_door(401, code, message);
        e.www_authenticate = Some(challenge);
        e
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            MISSING_OR_INVALID,
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("Bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return Err(unauthorized(
            "InvalidAuthenticationToken",
            "The access token is invalid: the 'Authorization' header must be 'Bearer <token>'.",
            MISSING_OR_INVALID,
        ));
    };
    let now = OffsetDateTime::now_utc();
    match expiry(token) {
        Some(exp) if exp <= now => Err(unauthorized(
            "ExpiredAuthenticationToken",
            &format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                dotnet_time(exp),
                dotnet_time(now)
            ),
            EXPIRED,
        )),
        _ => Ok(()),
    }
}

/// The `exp` claim of a JWT (`header.payload.signature`, base64url JSON), if `token` is one
/// and has it.
fn expiry(token: &str) -> Option<OffsetDateTime> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&json).ok()?;
    let exp = claims.get("exp")?.as_f64()?;
    OffsetDateTime::from_unix_timestamp(exp.floor() as i64).ok()
}

/// ARM's way of writing a time in this message: `6/15/2026 8:22:51 AM`.
fn dotnet_time(t: OffsetDateTime) -> String {
    let (hour, half) = match t.hour() {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{}/{}/{} {hour}:{:02}:{:02} {half}",
        u8::from(t.month()),
        t.day(),
        t.year(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.sig",
            b64(r#"{"typ":"JWT","alg":"none"}"#),
            b64(claims)
        )
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn a_jwt_past_its_exp_is_refused_as_expired_and_one_before_it_is_accepted() {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let e = check(&bearer(&jwt(&format!(r#"{{"exp":{}}}"#, now - 5)))).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code.as_str()),
            (401, "ExpiredAuthenticationToken")
        );
        assert!(
            e.message.contains("is earlier than current UTC time"),
            "{}",
            e.message
        );
        assert_eq!(e.www_authenticate, Some(EXPIRED));
        assert!(check(&bearer(&jwt(&format!(r#"{{"exp":{}}}"#, now + 60)))).is_ok());
    }

    #[test]
    fn a_token_that_is_not_a_jwt_or_has_no_exp_is_accepted() {
        for token in [
            "emulator",
            "a.b",
            "a.b.c.d",
            &jwt(r#"{"sub":"x"}"#),
            &jwt("not json"),
        ] {
            assert!(check(&bearer(token)).is_ok(), "{token}");
        }
    }

    #[test]
    fn no_header_or_no_bearer_token_is_refused() {
        assert_eq!(
            check(&HeaderMap::new()).unwrap_err().code,
            "AuthenticationFailed"
        );
        let mut basic = HeaderMap::new();
        basic.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(
            check(&basic).unwrap_err().code,
            "InvalidAuthenticationToken"
        );
        assert_eq!(
            check(&bearer(" ")).unwrap_err().code,
            "InvalidAuthenticationToken"
        );
    }

    #[test]
    fn times_are_written_as_arm_writes_them() {
        let t = |h, m, s| {
            time::macros::datetime!(2026-06-15 00:00 UTC)
                .replace_time(time::Time::from_hms(h, m, s).unwrap())
        };
        assert_eq!(dotnet_time(t(8, 22, 51)), "6/15/2026 8:22:51 AM");
        assert_eq!(dotnet_time(t(0, 5, 0)), "6/15/2026 12:05:00 AM");
        assert_eq!(dotnet_time(t(12, 0, 9)), "6/15/2026 12:00:09 PM");
        assert_eq!(dotnet_time(t(21, 30, 0)), "6/15/2026 9:30:00 PM");
    }
}
