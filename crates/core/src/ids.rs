//! Dense numeric identifiers, assigned when a matter is recorded (never at replay),
//! so that replaying the journal in effective-date order gives the same ids.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident($inner:ty)) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A unit (机构).
    UnitId(u32)
);
id_type!(
    /// An internal body (内设机构); unique across the jurisdiction.
    BodyId(u32)
);
id_type!(
    /// A person (实名制人员).
    PersonId(u32)
);
id_type!(
    /// A 用编计划 line.
    PlanLineId(u32)
);
id_type!(
    /// A quota type (编制类型).
    QuotaTypeId(u16)
);
id_type!(
    /// A funding form (经费形式).
    FundingId(u8)
);

id_type!(
    /// A 周转池 loan.
    LoanId(u32)
);
id_type!(
    /// A 承兑 or 动态 grant.
    GrantId(u32)
);
id_type!(
    /// A 过桥编制.
    BridgeId(u32)
);

/// Sequence number of a matter in the journal (recording order).
pub type Seq = u64;
