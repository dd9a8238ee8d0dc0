//! xls files (an OLE compound file holding a BIFF workbook stream), checked
//! before calamine reads them. calamine trusts the compound file's header
//! (sector numbers, FAT length, stream sizes) and a sheet's BIFF records
//! (the declared DIMENSIONS, cell positions that give the dense range it
//! allocates), so a tiny crafted file can make it allocate terabytes.
//!
//! Here the workbook stream is extracted with every sector number, chain and
//! size checked, its records are checked as calamine will walk them (from
//! the same offsets: a sheet's records start where the workbook's BoundSheet
//! record says), and then a new, minimal compound file holding only that
//! stream is built for calamine: it never sees the uploaded container.

use crate::xlsx::{Limits, SheetError};

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FATSECT: u32 = 0xFFFF_FFFD;
const DIFSECT: u32 = 0xFFFF_FFFC;
const FREESECT: u32 = 0xFFFF_FFFF;
/// Sector numbers at or above this are markers, not sectors.
const MAXREGSECT: u32 = 0xFFFF_FFFA;
const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Largest dense range (rows × columns) of an xls sheet: calamine fills it
/// with empty cells (32 bytes each) before the values are copied out.
const XLS_AREA: u64 = 4 * 1_048_576;

fn bad() -> SheetError {
    SheetError::Open("xls 文件已损坏（复合文档结构无效）".into())
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The workbook stream of an xls, checked, in a new compound file.
pub(crate) fn clean_xls(bytes: &[u8], lim: &Limits) -> Result<Vec<u8>, SheetError> {
    let wb = workbook_stream(bytes)?;
    check_biff(&wb, lim)?;
    Ok(build(&wb))
}

/// The compound file, read with every index checked.
struct Compound<'a> {
    data: &'a [u8],
    size: usize,
    /// Sectors in the file (the last one may be short).
    sectors: u32,
    fat: Vec<u32>,
}

impl Compound<'_> {
    fn sector(&self, id: u32) -> Result<&[u8], SheetError> {
        if id >= self.sectors {
            return Err(bad());
        }
        let start = (id as usize + 1) * self.size;
        let end = (start + self.size).min(self.data.len());
        self.data.get(start..end).ok_or_else(bad)
    }

    /// The sectors of a chain, each once (a loop is an error).
    fn chain(&self, start: u32, fat: &[u32]) -> Result<Vec<u32>, SheetError> {
        let mut out = Vec::new();
        let mut id = start;
        while id != ENDOFCHAIN {
            if id as usize >= fat.len() || out.len() > fat.len() {
                return Err(bad());
            }
            out.push(id);
            id = fat[id as usize];
        }
        Ok(out)
    }

    fn read(&self, start: u32, len: usize) -> Result<Vec<u8>, SheetError> {
        if len > self.data.len() {
            return Err(bad());
        }
        let mut out = Vec::with_capacity(len);
        for id in self.chain(start, &self.fat)? {
            out.extend_from_slice(self.sector(id)?);
            if out.len() >= len {
                break;
            }
        }
        if out.len() < len {
            return Err(bad());
        }
        out.truncate(len);
        Ok(out)
    }
}

/// The `Workbook` (or BIFF5 `Book`) stream.
fn workbook_stream(b: &[u8]) -> Result<Vec<u8>, SheetError> {
    if b.len() < 512 || b[..8] != SIGNATURE {
        return Err(bad());
    }
    let at16 = |o| u16_at(b, o).ok_or_else(bad);
    let at32 = |o| u32_at(b, o).ok_or_else(bad);
    let size = match at16(30)? {
        9 => 512usize,
        12 => 4096,
        _ => return Err(bad()),
    };
    if at16(32)? != 6 {
        return Err(bad());
    }
    let sectors = u32::try_from(b.len().saturating_sub(size).div_ceil(size)).map_err(|_| bad())?;
    let mut cf = Compound {
        data: b,
        size,
        sectors,
        fat: Vec::new(),
    };
    // DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
    let mut difat: Vec<u32> = (0..109).filter_map(|i| u32_at(b, 76 + 4 * i)).collect();
    let mut next = at32(68)?;
    let mut hops = 0u32;
    while next < MAXREGSECT {
        hops += 1;
        if hops > sectors {
            return Err(bad());
        }
        let s = cf.sector(next)?;
        let n = size / 4 - 1;
        difat.extend((0..n).filter_map(|i| u32_at(s, 4 * i)));
        next = u32_at(s, 4 * n).ok_or_else(bad)?;
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < MAXREGSECT) {
        let s = cf.sector(id)?;
        fat.extend((0..s.len() / 4).filter_map(|i| u32_at(s, 4 * i)));
        if fat.len() > sectors as usize * (size / 4) {
            return Err(bad());
        }
    }
    cf.fat = fat;
    // The directory: 128-byte entries.
    let dir: Vec<u8> = cf
        .chain(at32(48)?, &cf.fat)?
        .into_iter()
        .map(|id| cf.sector(id).map(|s| s.to_vec()))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    let entries: Vec<(String, u32, usize)> = dir
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = (0..32).filter_map(|i| u16_at(e, 2 * i)).collect();
            let name = String::from_utf16_lossy(&units);
            let name = name.split('\0').next().unwrap_or("").to_string();
            let start = u32_at(e, 116).unwrap_or(ENDOFCHAIN);
            // The high half of the size is not used by version 3 files.
            let len = u32_at(e, 120).unwrap_or(0) as usize;
            (name, start, len)
        })
        .collect();
    let root = entries.first().ok_or_else(bad)?;
    let (_, start, len) = entries
        .iter()
        .find(|e| e.0 == "Workbook")
        .or_else(|| entries.iter().find(|e| e.0 == "Book"))
        .ok_or_else(|| SheetError::Open("不是 Excel 工作簿（文件中没有 Workbook 数据）".into()))?;
    let (start, len) = (*start, *len);
    if len >= 4096 {
        return cf.read(start, len);
    }
    // A small stream lives in the mini stream (64-byte sectors).
    let mini = cf.read(root.1, root.2)?;
    let minifat_bytes: Vec<u8> = cf
        .chain(at32(60)?, &cf.fat)?
        .into_iter()
        .map(|id| cf.sector(id).map(|s| s.to_vec()))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    let minifat: Vec<u32> = (0..minifat_bytes.len() / 4)
        .filter_map(|i| u32_at(&minifat_bytes, 4 * i))
        .collect();
    let mut out = Vec::with_capacity(len);
    for id in cf.chain(start, &minifat)? {
        let s = mini
            .get(id as usize * 64..id as usize * 64 + 64)
            .ok_or_else(bad)?;
        out.extend_from_slice(s);
        if out.len() >= len {
            break;
        }
    }
    if out.len() < len {
        return Err(bad());
    }
    out.truncate(len);
    Ok(out)
}

/// BIFF records as calamine walks them: `(type, data)`; CONTINUE records
/// are skipped (calamine appends them to the record before).
fn records(s: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut s = s;
    std::iter::from_fn(move || loop {
        let t = u16_at(s, 0)?;
        let len = u16_at(s, 2)? as usize;
        let data = s.get(4..4 + len)?;
        s = &s[4 + len..];
        if t != 0x003C {
            return Some((t, data));
        }
    })
}

/// Rows and columns a sheet's cells cover.
#[derive(Default)]
struct Span(Option<(u32, u32, u32, u32)>);

impl Span {
    fn add(&mut self, r: u32, c: u32) {
        self.0 = Some(match self.0 {
            None => (r, r, c, c),
            Some((r0, r1, c0, c1)) => (r0.min(r), r1.max(r), c0.min(c), c1.max(c)),
        });
    }
    fn area(&self) -> u64 {
        self.0
            .map(|(r0, r1, c0, c1)| (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64)
            .unwrap_or(0)
    }
}

fn too_large(sheet: usize, what: String) -> SheetError {
    SheetError::TooLarge(format!("第 {} 个工作表{what}", sheet + 1))
}

/// Checks what calamine will allocate for each sheet: the declared
/// DIMENSIONS (it reserves that many cells) and the range the cells and
/// formulas span (it allocates them densely).
fn check_biff(wb: &[u8], lim: &Limits) -> Result<(), SheetError> {
    let mut sheets = Vec::new();
    for (t, d) in records(wb) {
        match t {
            0x0085 => sheets.push(u32_at(d, 0).ok_or_else(bad)? as usize),
            0x000A => break,
            _ => {}
        }
    }
    let area_cap = XLS_AREA.min(lim.cells);
    for (n, pos) in sheets.into_iter().enumerate() {
        let sh = wb.get(pos..).ok_or_else(bad)?;
        let (mut cells, mut formulas) = (Span::default(), Span::default());
        let mut fmla = (0u32, 0u32);
        for (t, d) in records(sh) {
            let rc = || Some((u16_at(d, 0)? as u32, u16_at(d, 2)? as u32));
            match t {
                0x0200 => {
                    // As calamine reads DIMENSIONS, in release arithmetic.
                    let (rf, rl, mut cf, cl) = match d.len() {
                        10 => (
                            u16_at(d, 0).unwrap_or(0) as u32,
                            u16_at(d, 2).unwrap_or(0) as u32,
                            u16_at(d, 4).unwrap_or(0) as u32,
                            u16_at(d, 6).unwrap_or(0) as u32,
                        ),
                        14 => (
                            u32_at(d, 0).unwrap_or(0),
                            u32_at(d, 4).unwrap_or(0),
                            u16_at(d, 8).unwrap_or(0) as u32,
                            u16_at(d, 10).unwrap_or(0) as u32,
                        ),
                        _ => continue,
                    };
                    if 0xFF < cf || cl < cf {
                        cf = 0;
                    }
                    let (end_r, end_c) = if rl >= 1 && cl >= 1 {
                        (rl - 1, cl - 1)
                    } else {
                        (rf, cf)
                    };
                    let rows = end_r.wrapping_sub(rf).wrapping_add(1) as u64;
                    let cols = end_c.wrapping_sub(cf).wrapping_add(1) as u64;
                    if end_r < rf || end_c < cf || rows.saturating_mul(cols) > lim.cells {
                        return Err(too_large(
                            n,
                            format!(
                                "声明的范围为 {} 行 × {} 列，超出上限（{} 万个单元格）",
                                rows,
                                cols,
                                lim.cells / 10_000
                            ),
                        ));
                    }
                }
                0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD => {
                    if let Some((r, c)) = rc() {
                        cells.add(r, c);
                    }
                }
                0x0006 => {
                    if let Some((r, c)) = rc() {
                        fmla = (r, c);
                        cells.add(r, c);
                        formulas.add(r, c);
                    }
                }
                0x0207 => cells.add(fmla.0, fmla.1),
                0x00BD => {
                    if let (Some((r, c)), true) = (rc(), d.len() >= 6) {
                        let n = (d.len() - 6) / 6;
                        let last = u16_at(d, d.len() - 2).unwrap_or(0) as u32;
                        cells.add(r, c);
                        cells.add(r, last.max(c + n.saturating_sub(1) as u32));
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        for span in [&cells, &formulas] {
            if span.area() > area_cap {
                let (r0, r1, c0, c1) = span.0.unwrap_or_default();
                return Err(too_large(
                    n,
                    format!(
                        "的内容分布在 {}:{}，超出上限（{} 万个单元格，xls 文件按整个矩形区域计）",
                        crate::guard::cell_name(r0, c0),
                        crate::guard::cell_name(r1, c1),
                        area_cap / 10_000
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A minimal version 3 compound file (512-byte sectors) holding `stream` as
/// `Workbook`, padded to 4096 bytes so it lives in regular sectors. Layout:
/// the stream's sectors, one directory sector, the FAT, then DIFAT sectors.
pub(crate) fn build(stream: &[u8]) -> Vec<u8> {
    const SS: usize = 512;
    let len = stream.len().max(4096).div_ceil(SS) * SS;
    let n_w = (len / SS) as u32;
    // FAT and DIFAT sizes depend on each other and on the total: iterate.
    let (mut n_fat, mut n_difat) = (1u32, 0u32);
    loop {
        let total = n_w + 1 + n_fat + n_difat;
        let need_fat = total.div_ceil(128);
        let need_difat = need_fat.saturating_sub(109).div_ceil(127);
        if need_fat == n_fat && need_difat == n_difat {
            break;
        }
        n_fat = need_fat;
        n_difat = need_difat;
    }
    let dir_sector = n_w;
    let fat_start = n_w + 1;
    let difat_start = fat_start + n_fat;
    let mut fat = vec![FREESECT; (n_fat * 128) as usize];
    for i in 0..n_w {
        fat[i as usize] = if i + 1 < n_w { i + 1 } else { ENDOFCHAIN };
    }
    fat[dir_sector as usize] = ENDOFCHAIN;
    for i in 0..n_fat {
        fat[(fat_start + i) as usize] = FATSECT;
    }
    for i in 0..n_difat {
        fat[(difat_start + i) as usize] = DIFSECT;
    }
    let mut out = Vec::with_capacity(SS * (1 + (difat_start + n_difat) as usize));
    // Header.
    let mut h = vec![0u8; SS];
    h[..8].copy_from_slice(&SIGNATURE);
    let put16 = |h: &mut [u8], at: usize, v: u16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |h: &mut [u8], at: usize, v: u32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut h, 24, 0x003E);
    put16(&mut h, 26, 3);
    put16(&mut h, 28, 0xFFFE);
    put16(&mut h, 30, 9);
    put16(&mut h, 32, 6);
    put32(&mut h, 44, n_fat);
    put32(&mut h, 48, dir_sector);
    put32(&mut h, 56, 4096);
    put32(&mut h, 60, ENDOFCHAIN);
    put32(&mut h, 64, 0);
    put32(
        &mut h,
        68,
        if n_difat > 0 { difat_start } else { ENDOFCHAIN },
    );
    put32(&mut h, 72, n_difat);
    let fat_ids: Vec<u32> = (0..n_fat).map(|i| fat_start + i).collect();
    for i in 0..109 {
        put32(
            &mut h,
            76 + 4 * i,
            fat_ids.get(i).copied().unwrap_or(FREESECT),
        );
    }
    out.extend_from_slice(&h);
    // The stream.
    out.extend_from_slice(stream);
    out.resize(SS + len, 0);
    // Directory: the root, then the stream.
    let mut dir = vec![0u8; SS];
    let entry =
        |dir: &mut [u8], i: usize, name: &str, typ: u8, child: u32, start: u32, size: u32| {
            let e = &mut dir[128 * i..128 * (i + 1)];
            let units: Vec<u16> = name.encode_utf16().collect();
            for (k, u) in units.iter().enumerate() {
                e[2 * k..2 * k + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64..66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
            e[66] = typ;
            e[67] = 1; // black
            e[68..72].copy_from_slice(&FREESECT.to_le_bytes());
            e[72..76].copy_from_slice(&FREESECT.to_le_bytes());
            e[76..80].copy_from_slice(&child.to_le_bytes());
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&size.to_le_bytes());
        };
    entry(&mut dir, 0, "Root Entry", 5, 1, ENDOFCHAIN, 0);
    entry(&mut dir, 1, "Workbook", 2, FREESECT, 0, len as u32);
    for i in 2..4 {
        let e = &mut dir[128 * i..128 * (i + 1)];
        e[68..80].fill(0xFF);
        e[116..120].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
    }
    out.extend_from_slice(&dir);
    // FAT.
    for v in &fat {
        out.extend_from_slice(&v.to_le_bytes());
    }
    // DIFAT sectors: 127 FAT sector numbers each, then the next one.
    let rest: Vec<u32> = fat_ids.iter().skip(109).copied().collect();
    for i in 0..n_difat as usize {
        for k in 0..127 {
            let v = rest.get(i * 127 + k).copied().unwrap_or(FREESECT);
            out.extend_from_slice(&v.to_le_bytes());
        }
        let next = if i + 1 < n_difat as usize {
            difat_start + i as u32 + 1
        } else {
            ENDOFCHAIN
        };
        out.extend_from_slice(&next.to_le_bytes());
    }
    out
}
