//! 事业单位登记管理: the legal-person register of a county 事业单位登记管理局
//! beside the 机构编制 ledger (DOMAIN.md §5, `shared/domain/registration.md`).
//!
//! Pure rules, no I/O and no clock: the caller passes today's date and the
//! holiday calendar.
//!
//! * [`register`]: the register as a hash-chained journal of 登记 entries
//!   (设立, 变更, 发证, 注销, 撤销登记, 证章, 关联), each with its document and
//!   effective date, never edited (a 更正 voids an entry by a new one), and the
//!   legal persons as of any date.
//! * [`application`]: 设立 / 变更 / 注销 / 证书补领 / 证书换领 applications with
//!   their materials, one 补正 notice, 受理, 准予 / 不予 and the working-day
//!   clocks of [`policy::Policy`].
//! * [`ties`]: the tie to the 机构编制 ledger (设立 cites the ledger's 设立
//!   matter, 名称 follows its 更名, its 撤销 opens a 注销 obligation, 经费来源
//!   and 举办单位 agree), each refusal naming its rule.
//! * [`annual`]: 年度报告 (unit → 举办单位 保密审查 → 形式审查 → 公示).
//! * [`sanction`]: the ladder 书面警告 → 暂扣证章 → 撤销登记.
//! * [`spotcheck`]: 双随机 抽查 drawn reproducibly from a recorded seed.
//! * [`watch`]: what is overdue or due (for the 总览 and the 问题台账).

pub mod annual;
pub mod application;
pub mod certificate;
pub mod material;
pub mod particulars;
pub mod policy;
pub mod register;
pub mod sanction;
pub mod spotcheck;
pub mod ties;
pub mod watch;

pub use application::{Actor, AppAction, AppKind, AppStatus, Application, Proposal};
pub use particulars::{Capital, Change, FundingSource, Particulars, RegMode};
pub use policy::Policy;
pub use register::{LegalPerson, LegalStatus, RegId, Register, RegisterError, RegisterEvent};
