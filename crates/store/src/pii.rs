//! Personal data at rest: 身份证号 (and phone numbers) in journal payloads are
//! sealed with SM4-GCM under a key kept outside the database (a key file
//! beside it, created on first use with 0600 permissions), and snapshots are
//! sealed whole. A sealed value carries a keyed index, HMAC-SM3 of the
//! plaintext, so a 身份证号 can still be found in the stored payloads:
//!
//! ```text
//! "id_number": "sm4gcm:<HMAC-SM3(mac key, plaintext), hex>:<nonce ‖ ciphertext ‖ tag, hex>"
//! ```
//!
//! The key is installed once per process ([`install`]); without one, new
//! payloads are written in plaintext (and sealed ones cannot be read).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::AesGcm;
use serde_json::Value;
use sm3::{Digest, Sm3};

use crate::StoreError;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// Prefix of a sealed value.
pub const SEALED: &str = "sm4gcm:";
/// Prefix of a sealed snapshot.
const SNAPSHOT_MAGIC: &[u8] = b"SM4GCM-SNAPSHOT-1";
/// Prefix of other sealed data (see [`seal_data`]).
const DATA_MAGIC: &[u8] = b"SM4GCM-DATA-1";
/// JSON fields holding personal data.
const FIELDS: [&str; 3] = ["id_number", "phone", "mobile"];

/// The keys: SM4 for sealing, a separate key for the HMAC-SM3 index, and the
/// key that signs the hash chains (derived from the two, see [`chain_key`]).
#[derive(Clone)]
pub struct PiiKey {
    enc: [u8; 16],
    mac: [u8; 32],
    chain: [u8; 32],
}

/// Domain-separation tag of the chain key's derivation.
const CHAIN_KEY_TAG: &[u8] = b"bianzhi-chain-key-v1";

/// The key that signs the journal and audit chains and the head checkpoints:
/// `HMAC-SM3(enc ‖ mac, "bianzhi-chain-key-v1")`. The HMAC key (48 bytes) is
/// not the index key (32 bytes), so no keyed index stored in the database can
/// be this value; the key file keeps its format, so existing databases open.
fn chain_key(enc: &[u8; 16], mac: &[u8; 32]) -> [u8; 32] {
    let mut k = enc.to_vec();
    k.extend_from_slice(mac);
    hmac_sm3(&k, &[CHAIN_KEY_TAG])
}

/// HMAC-SM3 (RFC 2104 with SM3, 64-byte blocks) of the concatenated `parts`.
pub(crate) fn hmac_sm3(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sm3::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let mut inner = Sm3::new().chain_update(&ipad);
    for p in parts {
        inner.update(p);
    }
    Sm3::new()
        .chain_update(&opad)
        .chain_update(inner.finalize())
        .finalize()
        .into()
}

impl std::fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiKey(…)")
    }
}

static KEY: RwLock<Option<Arc<PiiKey>>> = RwLock::new(None);

/// Makes `key` the key of this process (`None`: no sealing).
pub fn install(key: Option<PiiKey>) {
    *KEY.write().unwrap_or_else(|e| e.into_inner()) = key.map(Arc::new);
}

fn key() -> Option<Arc<PiiKey>> {
    KEY.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The installed key, for signing the chains.
pub(crate) fn installed() -> Option<Arc<PiiKey>> {
    key()
}

/// Whether a key is installed in this process.
pub fn is_installed() -> bool {
    key().is_some()
}

/// The key file of a database file: `<file>.key` beside it.
pub fn key_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".key");
    PathBuf::from(s)
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::corrupt(format!("随机数生成失败：{e}")))?;
    Ok(b)
}

impl PiiKey {
    /// Reads the key file, or creates it (0600) with fresh random keys.
    pub fn load_or_create(path: &Path) -> Result<PiiKey, StoreError> {
        let bad = |d: String| StoreError::corrupt(format!("密钥文件 {}：{d}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).map_err(|e| bad(e.to_string()))?;
                if bytes.len() != 48 {
                    return Err(bad("长度不对".into()));
                }
                let mut enc = [0; 16];
                let mut mac = [0; 32];
                enc.copy_from_slice(&bytes[..16]);
                mac.copy_from_slice(&bytes[16..]);
                Ok(PiiKey::from_parts(enc, mac))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let k = PiiKey::from_parts(random()?, random()?);
                let mut all = k.enc.to_vec();
                all.extend_from_slice(&k.mac);
                match write_private(path, &format!("{}\n", hex::encode(all))) {
                    Ok(()) => Ok(k),
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        PiiKey::load_or_create(path)
                    }
                    Err(e) => Err(bad(e.to_string())),
                }
            }
            Err(e) => Err(bad(e.to_string())),
        }
    }

    pub(crate) fn from_parts(enc: [u8; 16], mac: [u8; 32]) -> PiiKey {
        PiiKey {
            enc,
            mac,
            chain: chain_key(&enc, &mac),
        }
    }

    /// HMAC-SM3 of a value (the keyed index), hex.
    pub fn index(&self, plain: &str) -> String {
        hex::encode(hmac_sm3(&self.mac, &[plain.as_bytes()]))
    }

    /// HMAC-SM3 under the chain key of the concatenated `parts`.
    pub(crate) fn chain_mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        hmac_sm3(&self.chain, parts)
    }

    fn cipher(&self) -> Sm4Gcm {
        Sm4Gcm::new_from_slice(&self.enc).expect("a 16-byte key")
    }

    fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let nonce: [u8; 12] = random()?;
        let mut out = nonce.to_vec();
        out.extend(
            self.cipher()
                .encrypt((&nonce).into(), plain)
                .map_err(|_| StoreError::corrupt("SM4-GCM 加密失败"))?,
        );
        Ok(out)
    }

    fn decrypt(&self, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < 12 + 16 {
            return Err(StoreError::corrupt("密文过短"));
        }
        let (nonce, ct) = sealed.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().expect("12 bytes");
        self.cipher()
            .decrypt((&nonce).into(), ct)
            .map_err(|_| StoreError::corrupt("SM4-GCM 解密失败（密钥不对或数据被改动）"))
    }

    /// Seals one value.
    pub fn seal(&self, plain: &str) -> Result<String, StoreError> {
        Ok(format!(
            "{SEALED}{}:{}",
            self.index(plain),
            hex::encode(self.encrypt(plain.as_bytes())?)
        ))
    }

    /// Seals bytes as a whole (see [`seal_data`]).
    pub fn seal_data(&self, data: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut out = DATA_MAGIC.to_vec();
        out.extend(self.encrypt(data)?);
        Ok(out)
    }

    /// Opens bytes sealed by [`PiiKey::seal_data`]; bytes without the
    /// prefix are answered as they are.
    pub fn unseal_data<'a>(
        &self,
        data: &'a [u8],
    ) -> Result<std::borrow::Cow<'a, [u8]>, StoreError> {
        match data.strip_prefix(DATA_MAGIC) {
            None => Ok(std::borrow::Cow::Borrowed(data)),
            Some(ct) => self.decrypt(ct).map(std::borrow::Cow::Owned),
        }
    }

    fn unseal(&self, sealed: &str) -> Result<String, StoreError> {
        let rest = &sealed[SEALED.len()..];
        let (_, ct) = rest
            .split_once(':')
            .ok_or_else(|| StoreError::corrupt("密文格式不对"))?;
        let ct = hex::decode(ct).map_err(|_| StoreError::corrupt("密文格式不对"))?;
        String::from_utf8(self.decrypt(&ct)?).map_err(|_| StoreError::corrupt("明文不是 UTF-8"))
    }
}

/// Writes a new file readable by its owner only (0600) and syncs it.
#[cfg(unix)]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

fn walk(
    v: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                f(k, x)?;
                walk(x, f)?;
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(x, f)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Seals the personal fields of a JSON payload (unchanged without a key).
pub fn seal_payload(payload: Vec<u8>) -> Result<Vec<u8>, StoreError> {
    let Some(k) = key() else {
        return Ok(payload);
    };
    if !FIELDS
        .iter()
        .any(|f| payload.windows(f.len()).any(|w| w == f.as_bytes()))
    {
        return Ok(payload);
    }
    let mut v: Value = serde_json::from_slice(&payload)
        .map_err(|e| StoreError::corrupt(format!("载荷不是 JSON：{e}")))?;
    walk(&mut v, &mut |name, x| {
        if let Value::String(s) = x {
            if FIELDS.contains(&name) && !s.starts_with(SEALED) {
                *s = k.seal(s)?;
            }
        }
        Ok(())
    })?;
    Ok(serde_json::to_vec(&v).expect("JSON serialises"))
}

/// Restores the sealed fields of a payload.
pub fn unseal_payload(payload: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, StoreError> {
    if !payload
        .windows(SEALED.len())
        .any(|w| w == SEALED.as_bytes())
    {
        return Ok(std::borrow::Cow::Borrowed(payload));
    }
    let k = key().ok_or_else(|| {
        StoreError::corrupt(
            "台账中的个人信息已加密，但未找到密钥文件（SQLite 为 <数据库>.key；PostgreSQL 须设置 BIANZHI_KEY_FILE）",
        )
    })?;
    let mut v: Value = serde_json::from_slice(payload)
        .map_err(|e| StoreError::corrupt(format!("载荷不是 JSON：{e}")))?;
    walk(&mut v, &mut |_, x| {
        if let Value::String(s) = x {
            if s.starts_with(SEALED) {
                *s = k.unseal(s)?;
            }
        }
        Ok(())
    })?;
    Ok(std::borrow::Cow::Owned(
        serde_json::to_vec(&v).expect("JSON serialises"),
    ))
}

/// Seals a snapshot (unchanged without a key).
pub fn seal_snapshot(state: Vec<u8>) -> Result<Vec<u8>, StoreError> {
    let Some(k) = key() else {
        return Ok(state);
    };
    let mut out = SNAPSHOT_MAGIC.to_vec();
    out.extend(k.encrypt(&state)?);
    Ok(out)
}

/// Opens a snapshot; `None` if it is sealed and there is no (right) key.
pub fn unseal_snapshot(state: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    match state.strip_prefix(SNAPSHOT_MAGIC) {
        None => Some(std::borrow::Cow::Borrowed(state)),
        Some(ct) => key()?.decrypt(ct).ok().map(std::borrow::Cow::Owned),
    }
}

/// Seals data kept in the database that holds personal data but is never
/// searched by it (a 比对 result's differences: 身份证号, names, units of
/// another department's roster), SM4-GCM as a whole like a snapshot — no
/// keyed index per value, nothing of it in clear. Unchanged without a key,
/// as payloads are. The plain data must not begin with `SM4GCM-DATA-1`.
pub fn seal_data(data: Vec<u8>) -> Result<Vec<u8>, StoreError> {
    match key() {
        None => Ok(data),
        Some(k) => k.seal_data(&data),
    }
}

/// Opens data sealed by [`seal_data`] (plain data as it is); fails when it
/// is sealed and the key is missing or not the one it was sealed with.
pub fn unseal_data(data: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, StoreError> {
    if !data.starts_with(DATA_MAGIC) {
        return Ok(std::borrow::Cow::Borrowed(data));
    }
    key()
        .ok_or_else(|| StoreError::corrupt("数据已加密，但未找到密钥文件"))?
        .unseal_data(data)
}

/// The keyed index of a value under the installed key (to look a 身份证号 up
/// in stored payloads: `payload LIKE '%sm4gcm:<index>:%'`).
pub fn index_of(plain: &str) -> Option<String> {
    key().map(|k| k.index(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_index_and_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = key_path(&dir.path().join("t.db"));
        let k = PiiKey::load_or_create(&path).unwrap();
        let again = PiiKey::load_or_create(&path).unwrap();
        let idn = "320903199005010012";
        let s = k.seal(idn).unwrap();
        assert!(s.starts_with(SEALED) && !s.contains(idn));
        assert_ne!(s, k.seal(idn).unwrap(), "a fresh nonce each time");
        assert_eq!(again.unseal(&s).unwrap(), idn, "the key file is read back");
        assert_eq!(k.index(idn), again.index(idn), "the index is deterministic");
        assert!(s.contains(&k.index(idn)));
        let mut bad = s.clone().into_bytes();
        let n = bad.len();
        bad[n - 1] = if bad[n - 1] == b'0' { b'1' } else { b'0' };
        assert!(
            k.unseal(std::str::from_utf8(&bad).unwrap()).is_err(),
            "GCM tag"
        );
        let other = PiiKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(other.unseal(&s).is_err());
        assert_ne!(k.chain, other.chain);
        assert_eq!(k.chain, again.chain, "the chain key is derived, not stored");
    }

    #[test]
    fn data_is_sealed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let k = PiiKey::load_or_create(&dir.path().join("k.key")).unwrap();
        let plain = b"BZ 320903199005010012 \xe7\x8e\x8b".to_vec();
        let s = k.seal_data(&plain).unwrap();
        assert!(s.starts_with(DATA_MAGIC));
        assert!(!s.windows(18).any(|w| w == b"320903199005010012"));
        assert_ne!(s, k.seal_data(&plain).unwrap(), "a fresh nonce each time");
        assert_eq!(k.unseal_data(&s).unwrap().as_ref(), plain.as_slice());
        assert_eq!(k.unseal_data(&plain).unwrap().as_ref(), plain.as_slice());
        let other = PiiKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(other.unseal_data(&s).is_err());
        let mut bad = s.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(k.unseal_data(&bad).is_err(), "GCM tag");
    }

    const HMAC_32_ABC: &str = "a8f95cf26f204957e7ca73c9602a25dda35f168b28103b51dfc968c810416b63";
    const HMAC_100_ABC: &str = "efa0b8554e9475092d2f978d8855627a45325381b7f478f6e164faa04fd5c844";

    #[test]
    fn hmac_sm3_known_values() {
        // Cross-checked with `openssl dgst -sm3 -mac HMAC -macopt hexkey:…`.
        let k: Vec<u8> = (0u8..32).collect();
        assert_eq!(hex::encode(hmac_sm3(&k, &[b"abc"])), HMAC_32_ABC);
        assert_eq!(hmac_sm3(&k, &[b"a", b"", b"bc"]), hmac_sm3(&k, &[b"abc"]));
        let long: Vec<u8> = (0u8..100).collect();
        assert_eq!(hex::encode(hmac_sm3(&long, &[b"abc"])), HMAC_100_ABC);
        // The index is HMAC-SM3 under the index key, unchanged.
        let key = PiiKey::from_parts([1; 16], [2; 32]);
        assert_eq!(key.index("x"), hex::encode(hmac_sm3(&[2; 32], &[b"x"])));
        assert_eq!(
            key.chain,
            hmac_sm3(
                &[[1u8; 16].as_slice(), &[2; 32]].concat(),
                &[b"bianzhi-chain-key-v1"]
            )
        );
    }
}
