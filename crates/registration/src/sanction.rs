//! The sanction ladder (细则 Art. 70; 瑞安 2023 discretion, registration.md
//! §5): 书面警告 + 通报举办单位 → 暂扣证章 + 限期改正 → 撤销登记 + 收缴证章.
//! Each step is a dated decision recorded in the register
//! ([`crate::register::RegisterEvent::Sanction`]).

use serde::{Deserialize, Serialize};

use crate::register::SanctionRecord;

/// One step of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SanctionStep {
    /// 书面警告, 通报举办单位.
    Warning,
    /// 暂扣证章, 限期改正.
    Suspend,
    /// 撤销登记, 收缴证章.
    Revoke,
}

impl SanctionStep {
    pub const ALL: [SanctionStep; 3] = [
        SanctionStep::Warning,
        SanctionStep::Suspend,
        SanctionStep::Revoke,
    ];
    pub fn label(self) -> &'static str {
        match self {
            SanctionStep::Warning => "书面警告并通报举办单位",
            SanctionStep::Suspend => "暂扣法人证书和单位印章，限期改正",
            SanctionStep::Revoke => "撤销登记，收缴法人证书和单位印章",
        }
    }
    fn rank(self) -> usize {
        match self {
            SanctionStep::Warning => 0,
            SanctionStep::Suspend => 1,
            SanctionStep::Revoke => 2,
        }
    }
}

/// The offences Art. 70 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Offence {
    /// 超出登记的宗旨和业务范围开展活动.
    OutsideScope,
    /// 未按规定办理变更登记或注销登记.
    MissingChange,
    /// 未按规定报送、公示年度报告，或年度报告内容不实.
    AnnualReport,
}

impl Offence {
    pub fn label(self) -> &'static str {
        match self {
            Offence::OutsideScope => "超出登记的宗旨和业务范围开展活动",
            Offence::MissingChange => "未按规定办理变更登记或注销登记",
            Offence::AnnualReport => "未按规定报送、公示年度报告或年度报告内容不实",
        }
    }
}

/// How serious the case is (the local discretion standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// 情节轻微 (or a first offence).
    Minor,
    /// 情节较重.
    Serious,
    /// 情节严重.
    VerySerious,
}

/// The step the ladder gives: the higher of what the severity calls for and
/// one above the heaviest earlier step (a 2nd offence after a 警告 is at
/// least 暂扣; a 3rd at least 撤销).
pub fn next_step(earlier: &[SanctionRecord], severity: Severity) -> SanctionStep {
    let by_severity = match severity {
        Severity::Minor => 0,
        Severity::Serious => 1,
        Severity::VerySerious => 2,
    };
    let by_history = earlier.iter().map(|s| s.step.rank() + 1).max().unwrap_or(0);
    SanctionStep::ALL[by_severity.max(by_history).min(2)]
}
