//! Code tables from public standards (代码表), as data: 民族 (GB 3304-1991),
//! 学历 (GB/T 4658-2006), 政治面貌 (GB/T 4762-1984), 性别 (GB/T 2261.1-2003),
//! 职务层次 (GB/T 12407-2008), and the 行业领域 (sector) of a unit.
//!
//! Person fields keep the canonical name of their entry (the journal's text
//! stays readable and existing ledgers stay valid); the code is found from the
//! name through [`CodeTable::lookup`], which also accepts the common
//! spellings met in spreadsheets (`大专`, `本科`, `中国共产党党员` …). Input of
//! a value no table knows is refused where it enters (a matter, an import).

use serde::Serialize;

/// One entry of a code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Code {
    /// The code as the standard writes it (`01`, `21`, `0101`).
    pub code: &'static str,
    /// The canonical name a clerk reads and the ledger keeps.
    pub name: &'static str,
    /// Other spellings that mean the same entry.
    #[serde(skip)]
    pub aliases: &'static [&'static str],
}

/// A code table: its Chinese name, the standard it follows and its entries in
/// the standard's order (the order of statistics rows).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CodeTable {
    /// e.g. `民族`.
    pub name: &'static str,
    /// e.g. `GB 3304-1991`.
    pub standard: &'static str,
    pub entries: &'static [Code],
}

impl CodeTable {
    /// The entry of a code.
    pub fn by_code(&self, code: &str) -> Option<&'static Code> {
        let code = code.trim();
        self.entries.iter().find(|c| c.code == code)
    }

    /// The entry a text names: its canonical name, an alias or its code,
    /// ignoring surrounding and inner blanks and full-width parentheses.
    pub fn lookup(&self, text: &str) -> Option<&'static Code> {
        let t = normalise(text);
        if t.is_empty() {
            return None;
        }
        self.entries
            .iter()
            .find(|c| c.name == t || c.aliases.contains(&t.as_str()))
            .or_else(|| self.by_code(&t))
    }

    /// The canonical name of a text, or a refusal naming the table and the
    /// value, e.g. "民族“汉”不在代码表（GB 3304-1991）中".
    pub fn canonical(&self, text: &str) -> Result<&'static str, UnknownCode> {
        self.lookup(text)
            .map(|c| c.name)
            .ok_or_else(|| UnknownCode {
                table: self.name,
                standard: self.standard,
                value: text.trim().to_string(),
            })
    }

    /// The canonical names in order, for a form's choices.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.entries.iter().map(|c| c.name)
    }
}

/// A value no code table entry names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table}“{value}”不在代码表（{standard}）中")]
pub struct UnknownCode {
    pub table: &'static str,
    pub standard: &'static str,
    pub value: String,
}

fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

macro_rules! codes {
    ($($code:literal $name:literal $([$($alias:literal),*])?;)+) => {
        &[$(Code { code: $code, name: $name, aliases: &[$($($alias),*)?] }),+]
    };
}

/// 民族 (GB 3304-1991 中国各民族名称的罗马字母拼写法和代码).
pub static ETHNICITY: CodeTable = CodeTable {
    name: "民族",
    standard: "GB 3304-1991",
    entries: codes! {
        "01" "汉族" ["汉"]; "02" "蒙古族" ["蒙古"]; "03" "回族" ["回"]; "04" "藏族" ["藏"];
        "05" "维吾尔族" ["维吾尔"]; "06" "苗族" ["苗"]; "07" "彝族" ["彝"]; "08" "壮族" ["壮"];
        "09" "布依族"; "10" "朝鲜族"; "11" "满族" ["满"]; "12" "侗族"; "13" "瑶族";
        "14" "白族"; "15" "土家族"; "16" "哈尼族"; "17" "哈萨克族"; "18" "傣族";
        "19" "黎族"; "20" "傈僳族"; "21" "佤族"; "22" "畲族"; "23" "高山族";
        "24" "拉祜族"; "25" "水族"; "26" "东乡族"; "27" "纳西族"; "28" "景颇族";
        "29" "柯尔克孜族"; "30" "土族"; "31" "达斡尔族"; "32" "仫佬族"; "33" "羌族";
        "34" "布朗族"; "35" "撒拉族"; "36" "毛南族"; "37" "仡佬族"; "38" "锡伯族";
        "39" "阿昌族"; "40" "普米族"; "41" "塔吉克族"; "42" "怒族"; "43" "乌孜别克族";
        "44" "俄罗斯族"; "45" "鄂温克族"; "46" "德昂族" ["崩龙族"]; "47" "保安族";
        "48" "裕固族"; "49" "京族"; "50" "塔塔尔族"; "51" "独龙族"; "52" "鄂伦春族";
        "53" "赫哲族"; "54" "门巴族"; "55" "珞巴族"; "56" "基诺族";
        "97" "其他" ["其他未识别民族"]; "98" "外国血统中国籍人士" ["外国血统"];
    },
};

/// 学历 (GB/T 4658-2006 学历代码), at the level a 编办 form asks for; the
/// finer codes (结业, 肄业) are aliases of their level's 毕业 entry.
pub static EDUCATION: CodeTable = CodeTable {
    name: "学历",
    standard: "GB/T 4658-2006",
    entries: codes! {
        "11" "博士研究生" ["博士研究生毕业", "博士", "博士研究生结业", "研究生(博士)"];
        "14" "硕士研究生" ["硕士研究生毕业", "硕士", "硕士研究生结业", "研究生(硕士)", "研究生", "研究生班毕业"];
        "21" "大学本科" ["大学本科毕业", "本科", "大学", "本科毕业", "大学本科结业"];
        "31" "大学专科" ["大学专科毕业", "大专", "专科", "大专毕业", "高职", "大学专科结业"];
        "41" "中等专科" ["中等专科毕业", "中专", "中专毕业", "中等职业教育"];
        "44" "职业高中" ["职业高中毕业", "职高"];
        "47" "技工学校" ["技工学校毕业", "技校"];
        "61" "普通高中" ["普通高中毕业", "高中", "高中毕业"];
        "71" "初中" ["初中毕业", "初级中学", "初中及以下"];
        "81" "小学" ["小学毕业"];
        "90" "其他";
    },
};

/// 政治面貌 (GB/T 4762-1984 政治面貌代码); the names are the short forms a
/// form uses, the standard's full names are aliases.
pub static POLITICAL: CodeTable = CodeTable {
    name: "政治面貌",
    standard: "GB/T 4762-1984",
    entries: codes! {
        "01" "中共党员" ["中国共产党党员", "党员", "共产党员"];
        "02" "中共预备党员" ["中国共产党预备党员", "预备党员"];
        "03" "共青团员" ["中国共产主义青年团团员", "团员"];
        "04" "民革党员" ["中国国民党革命委员会会员", "民革会员"];
        "05" "民盟盟员" ["中国民主同盟盟员"];
        "06" "民建会员" ["中国民主建国会会员"];
        "07" "民进会员" ["中国民主促进会会员"];
        "08" "农工党党员" ["中国农工民主党党员"];
        "09" "致公党党员" ["中国致公党党员"];
        "10" "九三学社社员";
        "11" "台盟盟员" ["台湾民主自治同盟盟员"];
        "12" "无党派人士" ["无党派民主人士", "无党派"];
        "13" "群众";
    },
};

/// 性别 (GB/T 2261.1-2003); a person's sex is read from the 身份证号.
pub static SEX: CodeTable = CodeTable {
    name: "性别",
    standard: "GB/T 2261.1-2003",
    entries: codes! {
        "0" "未知的性别"; "1" "男" ["男性"]; "2" "女" ["女性"]; "9" "未说明的性别";
    },
};

/// 职务层次 (GB/T 12407-2008 职务级别代码, the 层次 of leadership posts).
pub static POSITION_LEVEL: CodeTable = CodeTable {
    name: "职务层次",
    standard: "GB/T 12407-2008",
    entries: codes! {
        "1A" "国家级正职"; "1B" "国家级副职"; "2A" "省部级正职"; "2B" "省部级副职";
        "3A" "厅局级正职"; "3B" "厅局级副职"; "4A" "县处级正职" ["正处级"];
        "4B" "县处级副职" ["副处级"]; "5A" "乡科级正职" ["正科级"];
        "5B" "乡科级副职" ["副科级"]; "6" "科员级" ["科员"]; "7" "办事员级" ["办事员"];
    },
};

/// 行业领域 of a unit. Two-digit codes are fields, four-digit codes the
/// sectors within them; a total set for a field covers every sector in it.
pub static SECTOR: CodeTable = CodeTable {
    name: "行业领域",
    standard: "本系统代码表",
    entries: codes! {
        "01" "教育";
        "0101" "中小学" ["义务教育和普通高中", "中小学校"];
        "0102" "幼儿园" ["学前教育"];
        "0103" "职业教育";
        "0109" "其他教育";
        "02" "卫生健康";
        "0201" "公立医院" ["医院"];
        "0202" "基层医疗卫生机构" ["乡镇卫生院", "社区卫生服务中心"];
        "0203" "专业公共卫生机构" ["疾病预防控制", "妇幼保健"];
        "0209" "其他卫生健康";
        "03" "农业农村" ["农业"];
        "04" "文化旅游体育" ["文化", "文化和旅游"];
        "05" "科技";
        "06" "自然资源和规划" ["自然资源"];
        "07" "住房城乡建设" ["住房和城乡建设"];
        "08" "交通运输";
        "09" "水利";
        "10" "民政和社会保障" ["民政"];
        "11" "人力资源社会保障" ["人社"];
        "12" "市场监管";
        "13" "生态环境";
        "14" "应急管理";
        "15" "综合行政执法" ["综合执法"];
        "16" "党政综合" ["党政机关"];
        "17" "经济发展和财政" ["经济", "财政"];
        "18" "政法";
        "90" "其他";
    },
};

/// Every table, for the 代码表 page and the API.
pub static TABLES: [&CodeTable; 6] = [
    &ETHNICITY,
    &EDUCATION,
    &POLITICAL,
    &SEX,
    &POSITION_LEVEL,
    &SECTOR,
];

/// Whether a total set for sector `total` covers a unit of sector `unit`
/// (the same sector, or a sector within the field).
pub fn sector_covers(total: &str, unit: &str) -> bool {
    unit.starts_with(total)
}

/// The name of a sector code (the text itself when no entry has it).
pub fn sector_name(code: &str) -> String {
    SECTOR
        .by_code(code)
        .map_or_else(|| code.to_string(), |c| c.name.to_string())
}

/// The field (two-digit code) of a sector.
pub fn sector_field(code: &str) -> &str {
    code.get(..2).unwrap_or(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_well_formed() {
        for t in TABLES {
            let mut seen = std::collections::HashSet::new();
            for c in t.entries {
                assert!(seen.insert(c.code), "{} duplicate code {}", t.name, c.code);
                assert!(seen.insert(c.name), "{} duplicate name {}", t.name, c.name);
                for a in c.aliases {
                    assert!(seen.insert(a), "{} alias {a} used twice", t.name);
                    assert_eq!(normalise(a), *a, "{} alias {a} not normalised", t.name);
                }
            }
        }
        assert_eq!(ETHNICITY.entries.len(), 58);
    }

    #[test]
    fn lookup_takes_names_aliases_and_codes() {
        assert_eq!(EDUCATION.lookup(" 大专 ").unwrap().code, "31");
        assert_eq!(EDUCATION.lookup("研究生（硕士）").unwrap().code, "14");
        assert_eq!(POLITICAL.lookup("中国共产党党员").unwrap().name, "中共党员");
        assert_eq!(ETHNICITY.lookup("03").unwrap().name, "回族");
        assert_eq!(ETHNICITY.canonical("汉").unwrap(), "汉族");
        let e = ETHNICITY.canonical("火星族").unwrap_err();
        assert_eq!(e.to_string(), "民族“火星族”不在代码表（GB 3304-1991）中");
        assert!(SECTOR.lookup("").is_none());
    }

    #[test]
    fn a_field_total_covers_its_sectors() {
        assert!(sector_covers("01", "0101"));
        assert!(sector_covers("0101", "0101"));
        assert!(!sector_covers("0101", "0102"));
        assert!(!sector_covers("02", "0101"));
        assert_eq!(sector_field("0101"), "01");
    }
}
