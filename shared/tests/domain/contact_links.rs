use crate::INDIA;
use leadmart_shared::contact::{Email, NoContactLink, PhoneE164, contact_url};
use leadmart_shared::pipeline::ContactChannel;
use proptest::prelude::*;

/// Indian mobiles: 10 digits starting 6–9.
fn indian_mobile() -> impl Strategy<Value = PhoneE164> {
    "[6-9][0-9]{9}".prop_filter_map("valid for the plan", |d| INDIA.parse(&d).ok())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

proptest! {
    #[test]
    fn the_display_groups_the_same_digits(phone in indian_mobile()) {
        let shown = phone.display_international();
        prop_assert!(shown.starts_with("+91 "), "an Indian number shows its code first: {shown}");
        prop_assert!(shown.contains(' '), "grouped, not raw E.164: {shown}");
        let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
        prop_assert_eq!(digits, phone.digits(), "grouping must not add or drop digits");
    }

    #[test]
    fn phone_links_carry_the_number_and_nothing_else(phone in indian_mobile()) {
        let call = contact_url(ContactChannel::Call, Some(&phone), None).unwrap();
        prop_assert_eq!(call, format!("tel:{}", phone.as_str()));
        let sms = contact_url(ContactChannel::Sms, Some(&phone), None).unwrap();
        prop_assert_eq!(sms, format!("sms:{}", phone.as_str()));
        let wa = contact_url(ContactChannel::WhatsApp, Some(&phone), None).unwrap();
        prop_assert_eq!(wa, format!("https://wa.me/{}", phone.digits()), "wa.me takes digits without +");
    }

    /// Whatever an address holds, the link's only delimiter is `mailto:` and it decodes back to
    /// the address: no `?cc=`, `#` or `&body=` can ride along.
    #[test]
    fn mailto_links_cannot_carry_parameters(
        local in "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]{1,20}",
        domain in "[a-z]{1,10}\\.(com|in|co\\.za)",
    ) {
        if let Ok(email) = Email::parse(&format!("{local}@{domain}")) {
            let url = contact_url(ContactChannel::Email, None, Some(&email)).unwrap();
            let rest = url.strip_prefix("mailto:").unwrap();
            prop_assert!(!rest.contains(['?', '#', '&', '/', '=']), "unencoded delimiter in {url}");
            prop_assert_eq!(percent_decode(rest), email.as_str());
        }
    }
}

#[test]
fn seed_numbers_show_grouped_for_their_region() {
    let mumbai = PhoneE164::from_e164("+919820012345").unwrap();
    assert_eq!(mumbai.display_international(), "+91 98200 12345");
    let london = PhoneE164::from_e164("+442079460000").unwrap();
    assert_eq!(london.display_international(), "+44 20 7946 0000");
}

#[test]
fn a_missing_phone_or_email_gives_no_link() {
    assert_eq!(
        contact_url(ContactChannel::WhatsApp, None, None),
        Err(NoContactLink::NoPhone)
    );
    assert_eq!(
        contact_url(ContactChannel::Email, None, None),
        Err(NoContactLink::NoEmail)
    );
    let email = Email::parse("rajesh.sharma@example.in").unwrap();
    assert_eq!(
        contact_url(ContactChannel::Email, None, Some(&email)).unwrap(),
        "mailto:rajesh.sharma@example.in"
    );
}

proptest! {
    /// Whatever the agent writes in a message arrives whole and adds nothing to the link: the
    /// query holds exactly the parameters put there, and each decodes back to the text.
    #[test]
    fn any_message_survives_its_link(phone in indian_mobile(), subject in "\\PC{0,40}", body in "(\\PC|\n){0,200}") {
        use leadmart_shared::messages::message_url;
        let email = Email::parse("rajesh@example.com").unwrap();
        let mail = message_url(ContactChannel::Email, Some(&phone), Some(&email), &subject, &body).unwrap();
        let query = mail.split_once('?').unwrap().1;
        let params: Vec<&str> = query.split('&').collect();
        prop_assert_eq!(params.len(), 2);
        prop_assert_eq!(percent_decode(params[0].strip_prefix("subject=").unwrap()), subject.trim());
        prop_assert_eq!(percent_decode(params[1].strip_prefix("body=").unwrap()), body.replace('\n', "\r\n"));
        for channel in [ContactChannel::WhatsApp, ContactChannel::Sms] {
            let chat = message_url(channel, Some(&phone), Some(&email), &subject, &body).unwrap();
            let (_, text) = chat.split_once('=').unwrap();
            prop_assert!(!text.contains(['&', '?', '#', ' ', '\n']));
            prop_assert_eq!(percent_decode(text), body.clone());
        }
    }
}
