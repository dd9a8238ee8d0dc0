//! The SM3 hash chain over journal entries.
//!
//! Each entry's hash covers the previous entry's hash, its sequence number and
//! every stored field, in an unambiguous encoding:
//!
//! ```text
//! SM3( "bianzhi-journal-v1"
//!    ‖ prev (32 bytes)
//!    ‖ seq (u64 big-endian)
//!    ‖ len ‖ 文号 (UTF-8)
//!    ‖ len ‖ 生效日期 as "YYYY-MM-DD"
//!    ‖ len ‖ 登记时间 as i64 microseconds since the Unix epoch, big-endian
//!    ‖ len ‖ actor (UTF-8)
//!    ‖ len ‖ payload )
//! ```
//!
//! where every `len` is the field's byte length as u64 big-endian. The encoding
//! is part of the stored data's meaning: changing it invalidates every existing
//! journal, so a new encoding needs a new domain tag.

use chrono::{DateTime, NaiveDate, Utc};
use sm3::{Digest, Sm3};

/// An SM3 digest.
pub type Hash = [u8; 32];

/// The `prev` hash of the first entry.
pub const GENESIS_HASH: Hash = [0; 32];

/// Domain-separation tag of version 1 of the entry encoding.
const DOMAIN_TAG: &[u8] = b"bianzhi-journal-v1";

/// The text form of an effective date used both in the hash and in storage.
pub(crate) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Hash of one journal entry chained to `prev`.
pub fn entry_hash(
    prev: &Hash,
    seq: u64,
    doc_no: &str,
    effective: NaiveDate,
    recorded_at: DateTime<Utc>,
    actor: &str,
    payload: &[u8],
) -> Hash {
    hash_fields(
        prev,
        seq,
        doc_no,
        &date_text(effective),
        recorded_at.timestamp_micros(),
        actor,
        payload,
    )
}

/// [`entry_hash`] over the stored forms of the date and time.
pub(crate) fn hash_fields(
    prev: &Hash,
    seq: u64,
    doc_no: &str,
    effective: &str,
    recorded_at_micros: i64,
    actor: &str,
    payload: &[u8],
) -> Hash {
    let mut h = Sm3::new();
    h.update(DOMAIN_TAG);
    h.update(prev);
    h.update(seq.to_be_bytes());
    field(&mut h, doc_no.as_bytes());
    field(&mut h, effective.as_bytes());
    field(&mut h, &recorded_at_micros.to_be_bytes());
    field(&mut h, actor.as_bytes());
    field(&mut h, payload);
    h.finalize().into()
}

fn field(h: &mut Sm3, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Hash, u64, String, NaiveDate, DateTime<Utc>, String, Vec<u8>) {
        (
            [7; 32],
            42,
            "盐编〔2021〕12号".to_string(),
            NaiveDate::from_ymd_opt(2021, 3, 15).unwrap(),
            DateTime::from_timestamp_micros(1_616_000_000_123_456).unwrap(),
            "张三".to_string(),
            br#"{"kind":"establish"}"#.to_vec(),
        )
    }

    fn hash_of(s: &(Hash, u64, String, NaiveDate, DateTime<Utc>, String, Vec<u8>)) -> Hash {
        entry_hash(&s.0, s.1, &s.2, s.3, s.4, &s.5, &s.6)
    }

    #[test]
    fn sm3_is_the_standard_one() {
        // GB/T 32905-2016, example 1.
        let d: Hash = Sm3::digest(b"abc").into();
        assert_eq!(
            hex::encode(d),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn fixed_value() {
        // Computed once (and cross-checked with OpenSSL's SM3 over the same
        // bytes); if this changes, every stored journal stops verifying.
        assert_eq!(
            hex::encode(hash_of(&sample())),
            "526bb1a4deb06ef5a15cf8b56b70c99f74b317293ed796d5fe62386966618d53"
        );
    }

    #[test]
    fn encoding_is_as_documented() {
        let s = sample();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"bianzhi-journal-v1");
        bytes.extend_from_slice(&s.0);
        bytes.extend_from_slice(&42u64.to_be_bytes());
        for f in [
            s.2.as_bytes(),
            b"2021-03-15".as_slice(),
            &1_616_000_000_123_456i64.to_be_bytes(),
            s.5.as_bytes(),
            &s.6,
        ] {
            bytes.extend_from_slice(&(f.len() as u64).to_be_bytes());
            bytes.extend_from_slice(f);
        }
        let expected: Hash = Sm3::digest(&bytes).into();
        assert_eq!(hash_of(&s), expected);
    }

    #[test]
    fn every_field_matters() {
        let base = sample();
        let h = hash_of(&base);

        let mut s = base.clone();
        s.0[31] ^= 1;
        assert_ne!(hash_of(&s), h, "prev");

        let mut s = base.clone();
        s.1 += 1;
        assert_ne!(hash_of(&s), h, "seq");

        let mut s = base.clone();
        s.2 = "盐编〔2021〕13号".into();
        assert_ne!(hash_of(&s), h, "doc_no");

        let mut s = base.clone();
        s.3 = s.3.succ_opt().unwrap();
        assert_ne!(hash_of(&s), h, "effective");

        let mut s = base.clone();
        s.4 += chrono::Duration::microseconds(1);
        assert_ne!(hash_of(&s), h, "recorded_at");

        let mut s = base.clone();
        s.5 = "李四".into();
        assert_ne!(hash_of(&s), h, "actor");

        let mut s = base.clone();
        s.6[3] ^= 0x20;
        assert_ne!(hash_of(&s), h, "payload");
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        // Moving bytes from one field to its neighbour must change the hash.
        let s = sample();
        let a = entry_hash(&s.0, s.1, "ab", s.3, s.4, "c", b"");
        let b = entry_hash(&s.0, s.1, "a", s.3, s.4, "bc", b"");
        assert_ne!(a, b);
        let c = entry_hash(&s.0, s.1, "x", s.3, s.4, "", b"y");
        let d = entry_hash(&s.0, s.1, "x", s.3, s.4, "y", b"");
        assert_ne!(c, d);
    }

    #[test]
    fn date_text_round_trips_over_the_whole_range() {
        for d in [
            NaiveDate::MIN,
            NaiveDate::from_ymd_opt(-1, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2021, 3, 5).unwrap(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
            NaiveDate::MAX,
        ] {
            let t = date_text(d);
            assert_eq!(NaiveDate::parse_from_str(&t, "%Y-%m-%d").unwrap(), d, "{t}");
        }
        assert_eq!(
            date_text(NaiveDate::from_ymd_opt(2021, 3, 5).unwrap()),
            "2021-03-05"
        );
    }
}
