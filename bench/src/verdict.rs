//! Figures held against a requirement's bound: "met", or "missed by X %" where X is how
//! far the figure falls short of a floor (or passes a ceiling), relative to the bound.

use std::fmt::Write as _;

/// `value` against a floor (higher is better).
pub fn at_least(shown: &str, value: f64, floor: f64) -> String {
    if value >= floor {
        format!("{shown}: met")
    } else {
        format!("{shown}: missed by {}", percent_off(floor - value, floor))
    }
}

/// `value` against an upper bound (lower is better).
pub fn at_most(shown: &str, value: f64, bound: f64) -> String {
    if value <= bound {
        format!("{shown}: met")
    } else {
        format!("{shown}: missed by {}", percent_off(value - bound, bound))
    }
}

/// A count that must be zero.
pub fn none(what: &str, count: u64) -> String {
    if count == 0 {
        format!("0 {what}: met")
    } else {
        format!("{count} {what}: missed")
    }
}

fn percent_off(gap: f64, bound: f64) -> String {
    if bound > 0.0 {
        let pct = gap / bound * 100.0;
        if pct >= 10.0 {
            format!("{pct:.0} %")
        } else {
            format!("{pct:.1} %")
        }
    } else {
        "∞".into()
    }
}

/// A markdown table: one row per requirement, one column per target.
pub fn table(title: &str, columns: &[String], rows: &[(String, Vec<String>)]) -> String {
    let mut out = format!("| {title} |");
    for column in columns {
        let _ = write!(out, " {column} |");
    }
    out.push_str("\n| --- |");
    for _ in columns {
        out.push_str(" --- |");
    }
    out.push('\n');
    for (label, cells) in rows {
        let _ = write!(out, "| {label} |");
        for cell in cells {
            let _ = write!(out, " {} |", cell.replace('|', "/"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_and_bounds() {
        assert_eq!(at_least("20/s", 20.0, 15.0), "20/s: met");
        assert_eq!(at_least("15/s", 15.0, 15.0), "15/s: met");
        assert_eq!(at_least("12/s", 12.0, 15.0), "12/s: missed by 20 %");
        assert_eq!(at_least("237/s", 237.6, 240.0), "237/s: missed by 1.0 %");
        assert_eq!(at_most("40 ms", 40.0, 50.0), "40 ms: met");
        assert_eq!(at_most("75 ms", 75.0, 50.0), "75 ms: missed by 50 %");
        assert_eq!(none("5xx", 0), "0 5xx: met");
        assert_eq!(none("5xx", 3), "3 5xx: missed");
    }

    #[test]
    fn table_has_a_column_per_target() {
        let text = table(
            "floor",
            &["A".into(), "B".into()],
            &[("x ≥ 1".into(), vec!["2: met".into(), "a|b".into()])],
        );
        assert_eq!(
            text,
            "| floor | A | B |\n| --- | --- | --- |\n| x ≥ 1 | 2: met | a/b |\n"
        );
    }
}
