//! Identifiers of the domain (DOMAIN.md §8): 公民身份号码 (GB 11643-1999),
//! 统一社会信用代码 (GB 32100-2015), 文号 (GB/T 9704) and the GB/T 2260
//! administrative division codes used to check 身份证 address codes.

pub mod divisions;
pub mod docno;
pub mod ric;
pub mod uscc;

pub use docno::{parse_doc_no, DocNo, DocNoError};
pub use ric::{
    check_char, find_id_numbers, make_id_number, mask_id_numbers, mask_id_value, parse_id_number,
    IdError, IdNumber, Sex,
};
pub use uscc::{
    credit_check_char, make_credit_code, org_check_char, parse_credit_code, CreditCode,
    CreditCodeCheck, UsccError,
};
