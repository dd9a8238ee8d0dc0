//! The statutory retirement age (法定退休年龄) as dated data, and the date a
//! person reaches it and retires (DOMAIN §10). Pure: no I/O, no clock.
//!
//! Source: 《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》
//! (adopted 13 September 2024 at the 11th session of the Standing Committee of
//! the 14th National People's Congress), with its annex
//! 《国务院关于渐进式延迟法定退休年龄的办法》 and the annexed tables
//! (对照表), in force from 1 January 2025. Over fifteen years the age rises
//! by birth cohort:
//! - men: 60 → 63, one month later for every four months of cohort from
//!   January 1965 (born December 1964 or earlier: 60; September 1976 or
//!   later: 63);
//! - women whose original age was 55 (cadres, 女干部): 55 → 58, one month per
//!   four months of cohort from January 1970 (September 1981 or later: 58);
//! - women whose original age was 50 (workers, 女职工): 50 → 55, one month per
//!   two months of cohort from January 1975 (November 1984 or later: 55).
//!
//! Forecasts use the statutory age: flexible retirement (弹性提前 up to three
//! years, not below the original age, or later by agreement) is not modelled.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalog::{QuotaClass, StaffIdentity};
use crate::ident::Sex;

/// The decision's citation, for notes on forecasts and reports.
pub const SOURCE: &str = "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》\
（2024年9月13日第十四届全国人民代表大会常务委员会第十一次会议通过）及所附\
《国务院关于渐进式延迟法定退休年龄的办法》，自2025年1月1日起施行";

/// Date the decision was adopted.
pub const DECIDED: (i32, u32, u32) = (2024, 9, 13);
/// Date the schedule came into force.
pub const IN_FORCE: (i32, u32, u32) = (2025, 1, 1);

/// The category of a woman under the rules (men have one schedule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    /// Original age 55 (女干部): 管理 and 专业技术 posts.
    Cadre,
    /// Original age 50 (女工人): 工勤 posts.
    Worker,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Cadre => "干部",
            Category::Worker => "工人",
        }
    }

    /// The category as the ledger records it. The roster has no field for
    /// 干部 / 工人 itself, so a person counts as a **worker** when their
    /// 人员身份 is 工勤人员 or they sit in a 工勤编制 (class 工勤类); everyone
    /// else — 公务员, 参公人员, 事业人员 in 行政 / 事业 / other quotas — is a
    /// **cadre**. Only matters for women.
    pub fn of(identity: StaffIdentity, qtype_class: Option<QuotaClass>) -> Category {
        if identity == StaffIdentity::Worker || qtype_class == Some(QuotaClass::Service) {
            Category::Worker
        } else {
            Category::Cadre
        }
    }
}

/// An age in years and months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Age {
    pub years: u32,
    pub months: u32,
}

impl Age {
    pub fn total_months(self) -> u32 {
        self.years * 12 + self.months
    }
    fn from_months(m: u32) -> Age {
        Age {
            years: m / 12,
            months: m % 12,
        }
    }
}

impl std::fmt::Display for Age {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.months == 0 {
            write!(f, "{}周岁", self.years)
        } else {
            write!(f, "{}周岁{}个月", self.years, self.months)
        }
    }
}

/// One schedule of the decision: the original age, the target age, the first
/// birth month that retires later and how many months of cohort add a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub label: &'static str,
    /// Original statutory age, years.
    pub original_years: u32,
    /// Final statutory age, years.
    pub target_years: u32,
    /// First birth cohort (year, month) whose age is raised (by one month).
    pub from: (i32, u32),
    /// Months of birth cohort per month of increase.
    pub step_months: u32,
}

/// Men: 60 → 63, +1 month per 4 months of cohort from January 1965.
pub const MEN: Rule = Rule {
    label: "男职工",
    original_years: 60,
    target_years: 63,
    from: (1965, 1),
    step_months: 4,
};
/// Women cadres: 55 → 58, +1 month per 4 months of cohort from January 1970.
pub const WOMEN_CADRES: Rule = Rule {
    label: "原法定退休年龄为五十五周岁的女职工",
    original_years: 55,
    target_years: 58,
    from: (1970, 1),
    step_months: 4,
};
/// Women workers: 50 → 55, +1 month per 2 months of cohort from January 1975.
pub const WOMEN_WORKERS: Rule = Rule {
    label: "原法定退休年龄为五十周岁的女职工",
    original_years: 50,
    target_years: 55,
    from: (1975, 1),
    step_months: 2,
};

/// The rule that applies to a person.
pub fn rule(sex: Sex, category: Category) -> &'static Rule {
    match (sex, category) {
        (Sex::Male, _) => &MEN,
        (Sex::Female, Category::Cadre) => &WOMEN_CADRES,
        (Sex::Female, Category::Worker) => &WOMEN_WORKERS,
    }
}

impl Rule {
    /// The statutory age of someone born in `birth`'s month.
    pub fn age(&self, birth: NaiveDate) -> Age {
        let since =
            (birth.year() - self.from.0) as i64 * 12 + birth.month() as i64 - self.from.1 as i64;
        let max = (self.target_years - self.original_years) as i64 * 12;
        let extra = if since < 0 {
            0
        } else {
            (since / self.step_months as i64 + 1).min(max)
        };
        Age::from_months(self.original_years * 12 + extra as u32)
    }
}

/// Why a retirement date cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RetirementError {
    #[error("出生日期 {0} 加法定退休年龄超出可计算的日期范围")]
    OutOfRange(NaiveDate),
}

/// The statutory retirement age for a birth date, sex and (for women) category.
pub fn statutory_age(birth: NaiveDate, sex: Sex, category: Category) -> Age {
    rule(sex, category).age(birth)
}

/// The date a person reaches the statutory age: the birth date plus the age
/// in months; a birth day past the end of the target month (born on the 31st,
/// reaching the age in a 30-day month or February) falls on that month's
/// last day.
pub fn reaches_age_on(
    birth: NaiveDate,
    sex: Sex,
    category: Category,
) -> Result<NaiveDate, RetirementError> {
    let age = statutory_age(birth, sex, category);
    birth
        .checked_add_months(Months::new(age.total_months()))
        .ok_or(RetirementError::OutOfRange(birth))
}

/// When retirement starts relative to the day the age is reached (a setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RetirementMonth {
    /// From the first day of the month after the age is reached (the usual
    /// practice: 次月起).
    #[default]
    MonthAfter,
    /// In the month the age is reached, on the day it is reached.
    MonthOf,
}

impl RetirementMonth {
    pub fn label(self) -> &'static str {
        match self {
            RetirementMonth::MonthAfter => "达到退休年龄的次月",
            RetirementMonth::MonthOf => "达到退休年龄的当月",
        }
    }
}

/// The retirement (出编) date: the first day of the month after reaching the
/// age, or the day the age is reached (see [`RetirementMonth`]).
pub fn retirement_date(
    birth: NaiveDate,
    sex: Sex,
    category: Category,
    month: RetirementMonth,
) -> Result<NaiveDate, RetirementError> {
    let reached = reaches_age_on(birth, sex, category)?;
    match month {
        RetirementMonth::MonthOf => Ok(reached),
        RetirementMonth::MonthAfter => reached
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .ok_or(RetirementError::OutOfRange(birth)),
    }
}

/// The retirement month as (year, month).
pub fn retirement_month(
    birth: NaiveDate,
    sex: Sex,
    category: Category,
    month: RetirementMonth,
) -> Result<(i32, u32), RetirementError> {
    let d = retirement_date(birth, sex, category, month)?;
    Ok((d.year(), d.month()))
}
