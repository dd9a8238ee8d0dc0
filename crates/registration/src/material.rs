//! 申请材料: the checklist per kind of application and the check of an
//! uploaded file (type by its content, size, SM3 digest kept in the record).

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use thiserror::Error;

use crate::application::AppKind;
use crate::particulars::Change;

/// A kind of material an application needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MaterialKind {
    /// 登记申请书.
    ApplicationForm,
    /// 审批机关的批准文件 (for a unit in 编制: the 编委/编办 批复).
    Approval,
    /// 章程草案.
    Charter,
    /// 法定代表人登记表、任职文件和身份证明.
    LegalRepDocs,
    /// 举办单位出具的开办资金确认证明.
    CapitalConfirmation,
    /// 住所证明.
    DomicileProof,
    /// 宗旨和业务范围涉及许可的资质证明.
    Licence,
    /// 经费来源证明.
    FundingProof,
    /// 举办单位变更的证明.
    SponsorProof,
    /// 法人证书正副本 (returned).
    Certificate,
    /// 撤销或解散的文件.
    DissolutionDoc,
    /// 清算报告 (confirmed).
    LiquidationReport,
    /// 拟申请注销登记公告 的证明.
    DeregistrationNotice,
    /// 遗失声明 (补领).
    LossNotice,
    /// 其他材料.
    Other,
}

impl MaterialKind {
    pub fn label(self) -> &'static str {
        match self {
            MaterialKind::ApplicationForm => "登记申请书",
            MaterialKind::Approval => "审批机关的批准文件",
            MaterialKind::Charter => "章程草案",
            MaterialKind::LegalRepDocs => "法定代表人登记表、任免文件及身份证明",
            MaterialKind::CapitalConfirmation => "举办单位出具的开办资金确认证明",
            MaterialKind::DomicileProof => "住所证明",
            MaterialKind::Licence => "业务范围涉及许可的资质证明",
            MaterialKind::FundingProof => "经费来源证明",
            MaterialKind::SponsorProof => "举办单位变更证明",
            MaterialKind::Certificate => "事业单位法人证书正本、副本",
            MaterialKind::DissolutionDoc => "撤销或解散的文件",
            MaterialKind::LiquidationReport => "经确认的清算报告",
            MaterialKind::DeregistrationNotice => "拟申请注销登记公告的证明",
            MaterialKind::LossNotice => "遗失声明",
            MaterialKind::Other => "其他材料",
        }
    }

    pub const ALL: [MaterialKind; 15] = [
        MaterialKind::ApplicationForm,
        MaterialKind::Approval,
        MaterialKind::Charter,
        MaterialKind::LegalRepDocs,
        MaterialKind::CapitalConfirmation,
        MaterialKind::DomicileProof,
        MaterialKind::Licence,
        MaterialKind::FundingProof,
        MaterialKind::SponsorProof,
        MaterialKind::Certificate,
        MaterialKind::DissolutionDoc,
        MaterialKind::LiquidationReport,
        MaterialKind::DeregistrationNotice,
        MaterialKind::LossNotice,
        MaterialKind::Other,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.label() == s.trim() || format!("{k:?}") == s.trim())
    }
}

/// The materials an application of `kind` needs (national list,
/// registration.md §2.2), for a 变更 the ones its changed items call for.
pub fn checklist(kind: AppKind, changes: &[Change]) -> Vec<MaterialKind> {
    use MaterialKind as M;
    let mut out = match kind {
        AppKind::Establish => vec![
            M::ApplicationForm,
            M::Approval,
            M::Charter,
            M::LegalRepDocs,
            M::CapitalConfirmation,
            M::DomicileProof,
        ],
        AppKind::Change => {
            let mut v = vec![M::ApplicationForm, M::Certificate];
            for c in changes {
                v.push(match c {
                    Change::Name { .. } | Change::SecondNames { .. } => M::Approval,
                    Change::Domicile { .. } => M::DomicileProof,
                    Change::Purpose { .. } => M::Licence,
                    Change::LegalRep { .. } => M::LegalRepDocs,
                    Change::Funding { .. } => M::FundingProof,
                    Change::Capital { .. } => M::CapitalConfirmation,
                    Change::Sponsors { .. } => M::SponsorProof,
                });
            }
            v
        }
        AppKind::Deregister => vec![
            M::ApplicationForm,
            M::DissolutionDoc,
            M::LiquidationReport,
            M::DeregistrationNotice,
            M::Certificate,
        ],
        AppKind::Replace => vec![M::ApplicationForm, M::LossNotice],
        AppKind::Renew => vec![M::ApplicationForm, M::Certificate],
    };
    out.sort();
    out.dedup();
    out
}

/// A file as filed with an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub kind: MaterialKind,
    /// The file name as uploaded (shown, never trusted).
    pub file_name: String,
    /// The type found from the content.
    pub content_type: FileType,
    pub size: usize,
    /// SM3 of the content, hex: the record fixes what was filed.
    pub sm3: String,
}

/// The file types accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    /// OFD (a zip whose first entry names OFD.xml).
    Ofd,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Ofd => "application/ofd",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Jpeg => "JPEG 图片",
            FileType::Png => "PNG 图片",
            FileType::Ofd => "OFD",
        }
    }
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FileError {
    #[error("文件“{0}”是空文件")]
    Empty(String),
    #[error("文件“{name}”大小 {size} 字节，超过上限 {max} 字节（{max_mb} MB）")]
    TooLarge {
        name: String,
        size: usize,
        max: usize,
        max_mb: usize,
    },
    #[error("文件“{0}”不是 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断），请上传扫描件或电子文件")]
    WrongType(String),
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty(_) => "empty_file",
            FileError::TooLarge { .. } => "file_too_large",
            FileError::WrongType(_) => "file_type",
        }
    }
}

/// The type of a file from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileType::Png)
    } else if bytes.starts_with(b"PK\x03\x04") && bytes.len() > 30 {
        let name_len = u16::from_le_bytes([bytes[26], bytes[27]]) as usize;
        let name = bytes.get(30..30 + name_len)?;
        (name == b"OFD.xml").then_some(FileType::Ofd)
    } else {
        None
    }
}

/// Checks an uploaded file and describes it for the record.
pub fn check_file(
    kind: MaterialKind,
    file_name: &str,
    bytes: &[u8],
    max: usize,
) -> Result<Material, FileError> {
    let name = file_name.to_string();
    if bytes.is_empty() {
        return Err(FileError::Empty(name));
    }
    if bytes.len() > max {
        return Err(FileError::TooLarge {
            name,
            size: bytes.len(),
            max,
            max_mb: max / (1024 * 1024),
        });
    }
    let content_type = sniff(bytes).ok_or(FileError::WrongType(name.clone()))?;
    Ok(Material {
        kind,
        file_name: name,
        content_type,
        size: bytes.len(),
        sm3: hex::encode(Sm3::digest(bytes)),
    })
}
