//! Passwords and tokens never appear in `Debug` output (so never in a log line or a panic).

use leadmart_shared::account::Role;
use leadmart_shared::wire::{AuthSession, MeDto, RefreshRequest, SignInRequest, SignUpRequest};
use proptest::prelude::*;

proptest! {
    #[test]
    fn debug_output_never_contains_a_secret(secret in "[a-f0-9]{16,64}") {
        let session = AuthSession {
            access_token: format!("access-{secret}"),
            access_expires_at: chrono::Utc::now(),
            refresh_token: format!("refresh-{secret}"),
            user: MeDto {
                id: "7".to_owned(),
                email: "asha@example.in".to_owned(),
                name: "Asha".to_owned(),
                role: Role::Agent,
                verified: true,
            },
        };
        let printed = [
            format!("{session:?}"),
            format!("{session:#?}"),
            format!("{:?}", RefreshRequest { refresh_token: secret.clone() }),
            format!("{:?}", SignInRequest { email: "a@b.in".to_owned(), password: secret.clone() }),
            format!(
                "{:?}",
                SignUpRequest {
                    email: "a@b.in".to_owned(),
                    password: secret.clone(),
                    name: "A".to_owned(),
                    role: Role::Agent,
                }
            ),
        ];
        for text in &printed {
            prop_assert!(!text.contains(&secret), "a secret leaked into Debug output: {}", text);
            prop_assert!(text.contains("<redacted>"), "the secret's place is marked: {}", text);
        }
        prop_assert!(printed[0].contains("asha@example.in"), "the rest stays debuggable");
    }
}
