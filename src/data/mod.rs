//! Drift v1 flat data (drift-flat-data): typed records from the CSV files.
//!
//! Drift's history files keep raw fixed-point integers; this module is the one place they
//! are converted to plain units (docs/amm-formulas.md §8; `data/README.md`): reserves, √k
//! and base amounts /1e13, peg /1e3, prices /1e10, USD /1e6, funding rates /1e14. A malformed file returns a
//! `DataError` naming the line and the column; nothing here panics on input.

pub mod events;

use serde::Serialize;
use thiserror::Error;

/// AMM_RESERVE_PRECISION (v1 `math/constants.rs`).
pub const RESERVE_PRECISION: f64 = 1e13;
/// PEG_PRECISION.
pub const PEG_PRECISION: f64 = 1e3;
/// MARK_PRICE_PRECISION.
pub const PRICE_PRECISION: f64 = 1e10;
/// QUOTE_PRECISION (USD).
pub const QUOTE_PRECISION: f64 = 1e6;
/// Funding rate precision: price 1e10 × FUNDING_PAYMENT_PRECISION 1e4.
pub const FUNDING_PRECISION: f64 = 1e14;

/// Market names by `market_index` (protocol-v1 `sdk/src/constants/markets.ts`).
pub const MARKETS: [&str; 8] = ["SOL", "BTC", "ETH", "LUNA", "AVAX", "BNB", "MATIC", "ATOM"];

/// Why a data file was rejected. Lines are 1-based and count the header as line 1.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
pub enum DataError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has a header but no data rows")]
    NoRows,
    #[error("missing column '{column}' (found: {found})")]
    MissingColumn { column: String, found: String },
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
    #[error("line {line}, column '{column}': '{value}' {reason}")]
    BadValue {
        line: u64,
        column: String,
        value: String,
        reason: String,
    },
}

/// One repeg or k update, in plain units (a v1 CurveRecord, `state/history/curve.rs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveEvent {
    /// Unix time of the change (UTC seconds).
    pub ts: i64,
    pub record_id: u64,
    pub market_index: u8,
    pub peg_before: f64,
    pub peg_after: f64,
    pub base_before: f64,
    pub base_after: f64,
    pub quote_before: f64,
    pub quote_after: f64,
    pub sqrt_k_before: f64,
    pub sqrt_k_after: f64,
    pub long: f64,
    pub short: f64,
    /// Net user position N (long − short).
    pub net_base: f64,
    /// Number of users with a position (not a base amount).
    pub open_interest: u64,
    pub total_fee: f64,
    /// Fee pool P after the change.
    pub fee_pool: f64,
    /// Cost to the protocol (> 0 paid).
    pub cost: f64,
}

/// What a curve record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Repeg,
    KUp,
    KDown,
    None,
}

impl CurveEvent {
    pub fn kind(&self) -> EventKind {
        if self.peg_after != self.peg_before {
            EventKind::Repeg
        } else if self.sqrt_k_after > self.sqrt_k_before {
            EventKind::KUp
        } else if self.sqrt_k_after < self.sqrt_k_before {
            EventKind::KDown
        } else {
            EventKind::None
        }
    }

    /// Market name ("SOL", …) or the index as text.
    pub fn market(&self) -> String {
        MARKETS
            .get(self.market_index as usize)
            .map_or_else(|| self.market_index.to_string(), |s| s.to_string())
    }

    /// The cost the formulas give from the before-state (docs/amm-formulas.md §5, §6).
    pub fn model_cost(&self) -> f64 {
        match self.kind() {
            EventKind::Repeg => crate::amm::repeg_cost(
                self.base_before,
                self.quote_before,
                self.net_base,
                self.peg_before,
                self.peg_after,
            ),
            EventKind::KUp | EventKind::KDown => crate::amm::k_cost(
                self.base_before,
                self.quote_before,
                self.peg_before,
                self.net_base,
                self.sqrt_k_after / self.sqrt_k_before,
            ),
            EventKind::None => 0.0,
        }
    }
}

/// The records of each market, markets ascending, each market's records in time order
/// (ties by record id).
pub fn by_market(events: &[CurveEvent]) -> Vec<(u8, Vec<&CurveEvent>)> {
    let mut markets: Vec<u8> = events.iter().map(|e| e.market_index).collect();
    markets.sort_unstable();
    markets.dedup();
    markets
        .into_iter()
        .map(|m| {
            let mut rs: Vec<&CurveEvent> = events.iter().filter(|e| e.market_index == m).collect();
            rs.sort_by_key(|e| (e.ts, e.record_id));
            (m, rs)
        })
        .collect()
}

/// One hourly funding update (v1 FundingRateRecord), in plain units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundingRecord {
    pub ts: i64,
    pub record_id: u64,
    pub market_index: u8,
    /// USD per base unit per hour; longs pay when > 0.
    pub funding_rate: f64,
    pub oracle_twap: f64,
    pub mark_twap: f64,
}

/// A CSV table with named columns and the line number of every row.
struct Table {
    header: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table(text: &str) -> Result<Table, DataError> {
    if text.trim().is_empty() {
        return Err(DataError::Empty);
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| DataError::Malformed {
            line: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| DataError::Malformed {
            line: e.position().map_or(0, |p| p.line()),
            message: match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("expected {expected_len} fields, found {len}"),
                _ => e.to_string(),
            },
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        rows.push((line, rec));
    }
    if rows.is_empty() {
        return Err(DataError::NoRows);
    }
    Ok(Table { header, rows })
}

impl Table {
    fn column(&self, name: &str) -> Result<usize, DataError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| DataError::MissingColumn {
                column: name.to_string(),
                found: self.header.join(","),
            })
    }
}

/// A field of a row, with its parse errors located.
struct Cell<'a> {
    line: u64,
    column: &'a str,
    value: &'a str,
}

impl Cell<'_> {
    fn bad(&self, reason: &str) -> DataError {
        DataError::BadValue {
            line: self.line,
            column: self.column.to_string(),
            value: self.value.to_string(),
            reason: reason.to_string(),
        }
    }

    /// A raw fixed-point integer (Drift's history files store integers only).
    fn int(&self) -> Result<i128, DataError> {
        let v = self.value.trim();
        if v.is_empty() {
            return Err(self.bad("is empty"));
        }
        v.parse::<i128>().map_err(|_| {
            if v.parse::<f64>().is_ok() {
                self.bad("is not an integer: raw Drift fields are fixed-point integers (already converted?)")
            } else {
                self.bad("is not a number")
            }
        })
    }

    fn positive(&self, precision: f64) -> Result<f64, DataError> {
        let x = self.int()?;
        if x <= 0 {
            return Err(self.bad("must be positive"));
        }
        Ok(x as f64 / precision)
    }

    fn non_negative(&self, precision: f64) -> Result<f64, DataError> {
        let x = self.int()?;
        if x < 0 {
            return Err(self.bad("must not be negative"));
        }
        Ok(x as f64 / precision)
    }

    fn signed(&self, precision: f64) -> Result<f64, DataError> {
        Ok(self.int()? as f64 / precision)
    }

    fn index(&self) -> Result<u64, DataError> {
        let x = self.int()?;
        u64::try_from(x).map_err(|_| self.bad("must be a non-negative integer"))
    }

    fn market(&self) -> Result<u8, DataError> {
        let x = self.index()?;
        u8::try_from(x)
            .ok()
            .filter(|m| *m < 64)
            .ok_or_else(|| self.bad("is not a market index (0..64)"))
    }

    fn time(&self) -> Result<i64, DataError> {
        parse_time(self.value.trim())
            .ok_or_else(|| self.bad("is not a time like 2021-11-28 20:00:49-05:00"))
    }
}

/// Reads named columns of every row through `f`.
fn rows<'t, T>(
    table: &'t Table,
    columns: &'t [&'t str],
    mut f: impl FnMut(&dyn Fn(usize) -> Cell<'t>) -> Result<T, DataError>,
) -> Result<Vec<T>, DataError> {
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let cell = |i: usize| Cell {
            line: *line,
            column: columns[i],
            value: rec.get(idx[i]).unwrap_or(""),
        };
        out.push(f(&cell)?);
    }
    Ok(out)
}

const CURVE_COLUMNS: [&str; 18] = [
    "ts",
    "record_id",
    "market_index",
    "peg_multiplier_before",
    "base_asset_reserve_before",
    "quote_asset_reserve_before",
    "sqrt_k_before",
    "peg_multiplier_after",
    "base_asset_reserve_after",
    "quote_asset_reserve_after",
    "sqrt_k_after",
    "base_asset_amount_long",
    "base_asset_amount_short",
    "base_asset_amount",
    "open_interest",
    "total_fee",
    "total_fee_minus_distributions",
    "adjustment_cost",
];

/// Parses a curve history CSV (`curve_history_hist.csv` or a `curve_history.csv`
/// snapshot), drops repeated records and sorts by record id.
pub fn parse_curve_history(text: &str) -> Result<Vec<CurveEvent>, DataError> {
    let table = read_table(text)?;
    let mut events = rows(&table, &CURVE_COLUMNS, |c| {
        let r = RESERVE_PRECISION;
        let ev = CurveEvent {
            ts: c(0).time()?,
            record_id: c(1).index()?,
            market_index: c(2).market()?,
            peg_before: c(3).positive(PEG_PRECISION)?,
            base_before: c(4).positive(r)?,
            quote_before: c(5).positive(r)?,
            sqrt_k_before: c(6).positive(r)?,
            peg_after: c(7).positive(PEG_PRECISION)?,
            base_after: c(8).positive(r)?,
            quote_after: c(9).positive(r)?,
            sqrt_k_after: c(10).positive(r)?,
            long: c(11).non_negative(r)?,
            // Stored as a positive magnitude in the history (data/README.md).
            short: c(12).signed(r)?.abs(),
            net_base: c(13).signed(r)?,
            open_interest: c(14).index()?,
            total_fee: c(15).non_negative(QUOTE_PRECISION)?,
            fee_pool: c(16).signed(QUOTE_PRECISION)?,
            cost: c(17).signed(QUOTE_PRECISION)?,
        };
        // b·q = s² must hold (docs/amm-formulas.md §1); a mismatch means a wrong column or unit.
        let rel =
            (ev.base_before * ev.quote_before / (ev.sqrt_k_before * ev.sqrt_k_before) - 1.0).abs();
        if rel > 1e-6 {
            return Err(c(6).bad("does not satisfy base·quote = sqrt_k² (wrong column or units?)"));
        }
        Ok(ev)
    })?;
    events.sort_by_key(|e| e.record_id);
    events.dedup_by_key(|e| e.record_id);
    Ok(events)
}

/// Parses `fundingRate_history_hist.csv`, sorted by record id, duplicates dropped.
pub fn parse_funding_history(text: &str) -> Result<Vec<FundingRecord>, DataError> {
    let table = read_table(text)?;
    let cols = [
        "ts",
        "record_id",
        "market_index",
        "funding_rate",
        "oracle_price_twap",
        "mark_price_twap",
    ];
    let mut recs = rows(&table, &cols, |c| {
        Ok(FundingRecord {
            ts: c(0).time()?,
            record_id: c(1).index()?,
            market_index: c(2).market()?,
            funding_rate: c(3).signed(FUNDING_PRECISION)?,
            oracle_twap: c(4).positive(PRICE_PRECISION)?,
            mark_twap: c(5).positive(PRICE_PRECISION)?,
        })
    })?;
    recs.sort_by_key(|r| r.record_id);
    recs.dedup_by_key(|r| r.record_id);
    Ok(recs)
}

/// The hourly oracle TWAPs of one market, in time order (a replay series for the oracle).
pub fn oracle_series(records: &[FundingRecord], market_index: u8) -> Vec<f64> {
    let mut r: Vec<&FundingRecord> = records
        .iter()
        .filter(|r| r.market_index == market_index)
        .collect();
    r.sort_by_key(|r| r.ts);
    r.iter().map(|r| r.oracle_twap).collect()
}

/// Parses `YYYY-MM-DD HH:MM:SS[.frac][±HH:MM]` to unix seconds (no zone = UTC).
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b' ' && b[10] != b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(stripped) = rest.strip_prefix('.') {
        let n = stripped.bytes().take_while(|c| c.is_ascii_digit()).count();
        rest = &stripped[n..];
    }
    let offset = match rest.as_bytes() {
        [] => 0,
        [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let oh = num_at(rest, 1..3)?;
            let om = num_at(rest, 4..6)?;
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

fn num_at(s: &str, r: std::ops::Range<usize>) -> Option<i64> {
    let t = s.get(r)?;
    t.bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| t.parse().ok())?
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_time("2021-11-28 20:00:49-05:00"), Some(1_638_147_649));
        assert_eq!(
            parse_time("2021-12-05 01:50:36.504518"),
            Some(1_638_669_036)
        );
        assert_eq!(parse_time("2021-13-05 01:50:36"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2021-12-05 01:50:36+5"), None);
    }
}
