//! The statutory retirement ages of 2025 (DOMAIN §10): every cohort boundary,
//! the date the age is reached and the retirement month.

use bianzhi_core::catalog::{QuotaClass, StaffIdentity};
use bianzhi_core::ident::Sex;
use bianzhi_core::retirement::{
    reaches_age_on, retirement_date, retirement_month, statutory_age, Age, Category,
    RetirementMonth,
};

use crate::common::d;

fn age(years: u32, months: u32) -> Age {
    Age { years, months }
}

/// The age of someone born on the 15th of `ym` (`YYYY-MM`).
fn of(ym: &str, sex: Sex, c: Category) -> Age {
    statutory_age(d(&format!("{ym}-15")), sex, c)
}

#[test]
fn men_at_every_cohort_boundary() {
    let m = |ym| of(ym, Sex::Male, Category::Cadre);
    assert_eq!(m("1964-12"), age(60, 0));
    assert_eq!(m("1965-01"), age(60, 1));
    assert_eq!(m("1965-04"), age(60, 1));
    assert_eq!(m("1965-05"), age(60, 2));
    assert_eq!(m("1976-08"), age(62, 11));
    assert_eq!(m("1976-09"), age(63, 0));
    assert_eq!(m("1990-01"), age(63, 0));
    assert_eq!(m("1950-01"), age(60, 0));
    // A man's category does not matter.
    assert_eq!(of("1970-06", Sex::Male, Category::Worker), m("1970-06"));
}

#[test]
fn women_cadres_at_every_cohort_boundary() {
    let w = |ym| of(ym, Sex::Female, Category::Cadre);
    assert_eq!(w("1969-12"), age(55, 0));
    assert_eq!(w("1970-01"), age(55, 1));
    assert_eq!(w("1970-04"), age(55, 1));
    assert_eq!(w("1970-05"), age(55, 2));
    assert_eq!(w("1981-08"), age(57, 11));
    assert_eq!(w("1981-09"), age(58, 0));
    assert_eq!(w("1995-03"), age(58, 0));
}

#[test]
fn women_workers_at_every_cohort_boundary() {
    let w = |ym| of(ym, Sex::Female, Category::Worker);
    assert_eq!(w("1974-12"), age(50, 0));
    assert_eq!(w("1975-01"), age(50, 1));
    assert_eq!(w("1975-02"), age(50, 1));
    assert_eq!(w("1975-03"), age(50, 2));
    assert_eq!(w("1984-10"), age(54, 11));
    assert_eq!(w("1984-11"), age(55, 0));
    assert_eq!(w("1999-11"), age(55, 0));
}

#[test]
fn the_day_the_age_is_reached() {
    let male = |b| reaches_age_on(d(b), Sex::Male, Category::Cadre).unwrap();
    // 60 years 1 month.
    assert_eq!(male("1965-02-28"), d("2025-03-28"));
    // Month end: 1965-01-31 + 60y1m has no 31 February: the last day of it.
    assert_eq!(male("1965-01-31"), d("2025-02-28"));
    assert_eq!(male("1964-12-31"), d("2024-12-31"));
    // A leap-day birth reaching the age in a common year.
    assert_eq!(
        reaches_age_on(d("1968-02-29"), Sex::Female, Category::Cadre).unwrap(),
        d("2023-02-28")
    );
    assert_eq!(
        reaches_age_on(d("1975-03-31"), Sex::Female, Category::Worker).unwrap(),
        d("2025-05-31")
    );
}

#[test]
fn retirement_month_is_the_month_after_by_default() {
    let b = d("1965-02-28");
    let after = retirement_date(b, Sex::Male, Category::Cadre, RetirementMonth::default());
    assert_eq!(after.unwrap(), d("2025-04-01"));
    assert_eq!(
        retirement_date(b, Sex::Male, Category::Cadre, RetirementMonth::MonthOf).unwrap(),
        d("2025-03-28")
    );
    assert_eq!(
        retirement_month(b, Sex::Male, Category::Cadre, RetirementMonth::MonthAfter).unwrap(),
        (2025, 4)
    );
    assert_eq!(
        retirement_month(b, Sex::Male, Category::Cadre, RetirementMonth::MonthOf).unwrap(),
        (2025, 3)
    );
    // December rolls into the next year.
    assert_eq!(
        retirement_date(
            d("1964-12-05"),
            Sex::Male,
            Category::Cadre,
            RetirementMonth::MonthAfter
        )
        .unwrap(),
        d("2025-01-01")
    );
}

#[test]
fn category_defaults_to_cadre_unless_worker_or_service_quota() {
    use StaffIdentity::*;
    assert_eq!(
        Category::of(Worker, Some(QuotaClass::Institutional)),
        Category::Worker
    );
    assert_eq!(
        Category::of(InstitutionStaff, Some(QuotaClass::Service)),
        Category::Worker
    );
    assert_eq!(
        Category::of(InstitutionStaff, Some(QuotaClass::Institutional)),
        Category::Cadre
    );
    assert_eq!(
        Category::of(CivilServant, Some(QuotaClass::Administrative)),
        Category::Cadre
    );
    assert_eq!(Category::of(ReferenceCivilServant, None), Category::Cadre);
}

#[test]
fn ages_print_in_chinese() {
    assert_eq!(age(60, 0).to_string(), "60周岁");
    assert_eq!(age(62, 11).to_string(), "62周岁11个月");
}
