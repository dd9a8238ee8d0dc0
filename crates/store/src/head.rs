//! Signed checkpoints of the chains' heads, kept outside the database.
//!
//! The hash chains and their keyed signatures show an edited, rewritten or
//! forged entry, but not the newest entries going: a journal cut back to an
//! earlier head is still a valid, signed chain. So after every append a store
//! with a [`HeadFile`] records the new head there:
//!
//! ```text
//! bianzhi-heads-v1
//! journal <seq> <hash, hex>
//! audit <seq> <hash, hex>
//! mac <HMAC-SM3(chain key, "bianzhi-heads-v1" ‖ journal seq ‖ hash ‖ audit seq ‖ hash), hex>
//! ```
//!
//! (a chain never appended to has seq 0 and a zero hash in the MAC and no
//! line). `verify` then finds the chain at least that long, with that hash at
//! that seq. A chain longer than its checkpoint is normal (the checkpoint is
//! written just after the commit; a crash in between leaves it one append
//! behind, and several servers on one ledger each keep their own file).
//!
//! The file is replaced atomically (written beside it, synced, renamed), only
//! ever moves forward, and is written only while a key is installed. A
//! failure to write it does not fail the append (that is committed already):
//! `verify` shows how far the checkpoint reaches.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::chain::{Hash, GENESIS_HASH};
use crate::pii::PiiKey;

/// First line of a head file.
const MAGIC: &str = "bianzhi-heads-v1";

/// Serialises the read-modify-write of head files within the process (the
/// journal and the audit trail of one ledger share one file).
static WRITING: Mutex<()> = Mutex::new(());

/// The two chains of a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// The journal (台账流水).
    Journal,
    /// The audit trail (审计记录).
    Audit,
}

impl Chain {
    pub(crate) fn mac_tag(self) -> &'static [u8] {
        match self {
            Chain::Journal => b"bianzhi-journal-mac-v1",
            Chain::Audit => b"bianzhi-audit-mac-v1",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Chain::Journal => "事项",
            Chain::Audit => "审计记录",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Chain::Journal => "journal",
            Chain::Audit => "audit",
        }
    }
}

/// The heads recorded in a head file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heads {
    pub journal: Option<(u64, Hash)>,
    pub audit: Option<(u64, Hash)>,
}

impl Heads {
    pub fn get(&self, chain: Chain) -> Option<(u64, Hash)> {
        match chain {
            Chain::Journal => self.journal,
            Chain::Audit => self.audit,
        }
    }

    fn set(&mut self, chain: Chain, head: (u64, Hash)) {
        match chain {
            Chain::Journal => self.journal = Some(head),
            Chain::Audit => self.audit = Some(head),
        }
    }

    fn mac(&self, key: &PiiKey) -> Hash {
        let (js, jh) = self.journal.unwrap_or((0, GENESIS_HASH));
        let (a_s, ah) = self.audit.unwrap_or((0, GENESIS_HASH));
        key.chain_mac(&[
            MAGIC.as_bytes(),
            &js.to_be_bytes(),
            &jh,
            &a_s.to_be_bytes(),
            &ah,
        ])
    }

    fn to_text(self, key: &PiiKey) -> String {
        let mut out = format!("{MAGIC}\n");
        for chain in [Chain::Journal, Chain::Audit] {
            if let Some((seq, h)) = self.get(chain) {
                out.push_str(&format!("{} {seq} {}\n", chain.word(), hex::encode(h)));
            }
        }
        out.push_str(&format!("mac {}\n", hex::encode(self.mac(key))));
        out
    }

    fn parse(text: &str, key: &PiiKey) -> Result<Heads, &'static str> {
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Err("格式不对");
        }
        let mut heads = Heads::default();
        let mut mac = None;
        for line in lines {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let hash = |s: &str| -> Result<Hash, &'static str> {
                hex::decode(s)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or("哈希格式不对")
            };
            match parts.as_slice() {
                [word, seq, h] if *word == "journal" || *word == "audit" => {
                    let chain = if *word == "journal" {
                        Chain::Journal
                    } else {
                        Chain::Audit
                    };
                    let seq: u64 = seq.parse().map_err(|_| "序号格式不对")?;
                    heads.set(chain, (seq, hash(h)?));
                }
                ["mac", m] => mac = Some(hash(m)?),
                [] => {}
                _ => return Err("格式不对"),
            }
        }
        if mac != Some(heads.mac(key)) {
            return Err("签名不符（文件被改动，或所用密钥不是写入时的密钥）");
        }
        Ok(heads)
    }
}

/// A head file: where a store records its chains' heads after each append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadFile {
    path: PathBuf,
}

impl HeadFile {
    pub fn new(path: impl Into<PathBuf>) -> HeadFile {
        HeadFile { path: path.into() }
    }

    /// `<database file>.head`, beside a SQLite ledger (and its default key).
    pub fn beside(db: &Path) -> HeadFile {
        let mut s = db.as_os_str().to_owned();
        s.push(".head");
        HeadFile::new(s)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded heads, checked against the installed key: `Ok(None)`
    /// without a file (or without a key), `Err` if the file is unreadable or
    /// its signature does not match.
    pub fn read(&self) -> Result<Option<Heads>, String> {
        match crate::pii::installed() {
            Some(k) => self.read_with(&k),
            None => Ok(None),
        }
    }

    pub(crate) fn read_with(&self, key: &PiiKey) -> Result<Option<Heads>, String> {
        let bad = |d: &str| format!("链头检查点文件 {} 无效：{d}", self.path.display());
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Heads::parse(&text, key).map(Some).map_err(bad),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(bad(&e.to_string())),
        }
    }

    /// Records `(seq, hash)` as the head of `chain`, if it is further on than
    /// the one recorded (nothing without a key). A file that does not verify
    /// is left as it is, for `verify` to report.
    pub fn record(&self, chain: Chain, seq: u64, hash: Hash) -> Result<(), String> {
        match crate::pii::installed() {
            Some(key) => self.record_with(&key, chain, seq, hash),
            None => Ok(()),
        }
    }

    fn record_with(&self, key: &PiiKey, chain: Chain, seq: u64, hash: Hash) -> Result<(), String> {
        let _guard = WRITING.lock().unwrap_or_else(|e| e.into_inner());
        let mut heads = self.read_with(key)?.unwrap_or_default();
        if heads.get(chain).is_some_and(|(s, _)| s >= seq) {
            return Ok(());
        }
        heads.set(chain, (seq, hash));
        self.write(&heads.to_text(key))
            .map_err(|e| format!("无法写入链头检查点文件 {}：{e}", self.path.display()))
    }

    fn write(&self, text: &str) -> std::io::Result<()> {
        let mut tmp = self.path.as_os_str().to_owned();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        crate::pii::write_private(&tmp, text)?;
        std::fs::rename(&tmp, &self.path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_forward_only_and_detects_edits() {
        let dir = tempfile::tempdir().unwrap();
        let f = HeadFile::beside(&dir.path().join("t.db"));
        assert_eq!(f.path(), dir.path().join("t.db.head"));
        let key = PiiKey::from_parts([1; 16], [2; 32]);
        assert_eq!(f.read_with(&key).unwrap(), None);
        f.record_with(&key, Chain::Journal, 5, [5; 32]).unwrap();
        f.record_with(&key, Chain::Audit, 2, [2; 32]).unwrap();
        f.record_with(&key, Chain::Journal, 4, [4; 32]).unwrap();
        let heads = f.read_with(&key).unwrap().unwrap();
        assert_eq!(heads.journal, Some((5, [5; 32])), "never moves back");
        assert_eq!(heads.audit, Some((2, [2; 32])));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = PiiKey::from_parts([3; 16], [2; 32]);
        assert!(f.read_with(&other).unwrap_err().contains("签名不符"));
        let text = std::fs::read_to_string(f.path()).unwrap();
        std::fs::write(f.path(), text.replace("journal 5", "journal 3")).unwrap();
        assert!(f.read_with(&key).unwrap_err().contains("签名不符"));
        // An invalid file is left for verify to report, not overwritten.
        assert!(f.record_with(&key, Chain::Journal, 9, [9; 32]).is_err());
        std::fs::write(f.path(), "garbage").unwrap();
        assert!(f.read_with(&key).unwrap_err().contains("格式不对"));
    }
}
