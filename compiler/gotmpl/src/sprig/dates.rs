//! Sprig's date functions and Go's `time.Time` as a template value.
//!
//! `now` is the build's fixed time ([`crate::CallContext::now_unix`], whole seconds, UTC), so a
//! chart that stamps dates renders the same bytes on every build. Layouts are Go's reference-time
//! layouts (`2006-01-02 15:04:05.000 -07:00 MST`, …), for both formatting and `toDate` parsing.
//!
//! Time zones: Strata's local zone is UTC (Helm uses the machine's), and named zones other than
//! `UTC` (`Europe/Prague`) are rendered in UTC, which is what Go itself does for a zone name it
//! cannot load. Offsets parsed from a date string (`+02:00`) are kept, as Go keeps them.

use std::rc::Rc;

use super::args::{exact, int, string, type_err};
use crate::func::register as reg;
use crate::{CallContext, FuncError, FuncMap, Object, Value};

const NANOS: i64 = 1_000_000_000;
/// Seconds from 0001-01-01 (Go's zero time) to the Unix epoch.
const ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// A Go `time.Time`: an instant plus the zone it is shown in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// Nanoseconds within the second, 0..1e9.
    pub nanos: u32,
    /// The zone's offset east of UTC, in seconds.
    pub offset: i32,
    /// The zone's abbreviation (`UTC`); empty for an unnamed fixed offset, which Go prints as
    /// `+0200`.
    pub zone: String,
}

impl Time {
    /// The instant `unix` seconds after the epoch, in UTC.
    pub fn utc(unix: i64, nanos: u32) -> Time {
        Time {
            unix,
            nanos,
            offset: 0,
            zone: "UTC".into(),
        }
    }

    /// Go's zero `time.Time` (0001-01-01 00:00:00 UTC).
    pub fn zero() -> Time {
        Time::utc(ZERO_TIME_UNIX, 0)
    }

    /// This instant moved by `d` nanoseconds (Go's `Add`, saturating at the extremes).
    pub fn add(&self, d: i64) -> Time {
        let total =
            i128::from(self.unix) * i128::from(NANOS) + i128::from(self.nanos) + i128::from(d);
        let unix = total.div_euclid(i128::from(NANOS));
        let nanos = total.rem_euclid(i128::from(NANOS)) as u32;
        Time {
            unix: unix.clamp(i128::from(i64::MIN / 2), i128::from(i64::MAX / 2)) as i64,
            nanos,
            ..self.clone()
        }
    }

    /// Nanoseconds from `other` to `self` (Go's `Sub`, saturating).
    pub fn sub(&self, other: &Time) -> i64 {
        let d = (i128::from(self.unix) - i128::from(other.unix)) * i128::from(NANOS)
            + i128::from(self.nanos)
            - i128::from(other.nanos);
        d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// The civil fields in the time's own zone.
    fn civil(&self) -> Civil {
        let local = self.unix + i64::from(self.offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let yday = days - days_from_civil(year, 1, 1) + 1;
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
            // 1970-01-01 was a Thursday (weekday 4, Sunday = 0).
            weekday: (days + 4).rem_euclid(7),
            yday,
        }
    }

    /// Go's `Time.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        format_time(self, layout)
    }

    /// Go's `Time.String()` (without a monotonic clock reading, which a fixed time lacks).
    pub fn go_string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    weekday: i64,
    yday: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// One element of a Go layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    /// A numeric zone: (`Z` for UTC?, colons?, with minutes?, with seconds?).
    NumTz {
        iso: bool,
        colon: bool,
        minutes: bool,
        seconds: bool,
    },
    /// Fractional seconds: (separator, digits, trim trailing zeros?).
    Frac {
        sep: u8,
        digits: usize,
        trim: bool,
    },
}

/// Go's `nextStdChunk`: the literal text before the next layout element, the element, and the
/// rest of the layout.
fn next_std(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let starts = |i: usize, s: &str| layout[i..].starts_with(s);
    let lower_after = |j: usize| b.get(j).is_some_and(|c| c.is_ascii_lowercase());
    for i in 0..b.len() {
        let found = |std: Std, len: usize| (&layout[..i], Some(std), &layout[i + len..]);
        match b[i] {
            b'J' if starts(i, "Jan") => {
                if starts(i, "January") {
                    return found(Std::LongMonth, 7);
                }
                if !lower_after(i + 3) {
                    return found(Std::Month, 3);
                }
            }
            b'M' => {
                if starts(i, "Mon") {
                    if starts(i, "Monday") {
                        return found(Std::LongWeekDay, 6);
                    }
                    if !lower_after(i + 3) {
                        return found(Std::WeekDay, 3);
                    }
                }
                if starts(i, "MST") {
                    return found(Std::Tz, 3);
                }
            }
            b'0' => {
                if let Some(&c) = b.get(i + 1) {
                    let std = match c {
                        b'1' => Some(Std::ZeroMonth),
                        b'2' => Some(Std::ZeroDay),
                        b'3' => Some(Std::ZeroHour12),
                        b'4' => Some(Std::ZeroMinute),
                        b'5' => Some(Std::ZeroSecond),
                        b'6' => Some(Std::Year),
                        _ => None,
                    };
                    if let Some(std) = std {
                        return found(std, 2);
                    }
                }
                if starts(i, "002") {
                    return found(Std::ZeroYearDay, 3);
                }
            }
            b'1' => {
                if starts(i, "15") {
                    return found(Std::Hour, 2);
                }
                return found(Std::NumMonth, 1);
            }
            b'2' => {
                if starts(i, "2006") {
                    return found(Std::LongYear, 4);
                }
                return found(Std::Day, 1);
            }
            b'_' => {
                if b.get(i + 1) == Some(&b'2') {
                    // `_2006` is a literal underscore and a long year.
                    if starts(i + 1, "2006") {
                        return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                    }
                    return found(Std::UnderDay, 2);
                }
                if starts(i, "__2") {
                    return found(Std::UnderYearDay, 3);
                }
            }
            b'3' => return found(Std::Hour12, 1),
            b'4' => return found(Std::Minute, 1),
            b'5' => return found(Std::Second, 1),
            b'P' if b.get(i + 1) == Some(&b'M') => return found(Std::PM, 2),
            b'p' if b.get(i + 1) == Some(&b'm') => return found(Std::Pm, 2),
            c @ (b'-' | b'Z') => {
                let iso = c == b'Z';
                let forms: [(&str, bool, bool, bool); 5] = [
                    ("070000", false, true, true),
                    ("07:00:00", true, true, true),
                    ("0700", false, true, false),
                    ("07:00", true, true, false),
                    ("07", false, false, false),
                ];
                for (form, colon, minutes, seconds) in forms {
                    if starts(i + 1, form) {
                        return found(
                            Std::NumTz {
                                iso,
                                colon,
                                minutes,
                                seconds,
                            },
                            1 + form.len(),
                        );
                    }
                }
            }
            sep @ (b'.' | b',') => {
                if let Some(&ch) = b.get(i + 1) {
                    if ch == b'0' || ch == b'9' {
                        let mut j = i + 1;
                        while j < b.len() && b[j] == ch {
                            j += 1;
                        }
                        if !b.get(j).is_some_and(u8::is_ascii_digit) {
                            let std = Std::Frac {
                                sep,
                                digits: j - (i + 1),
                                trim: ch == b'9',
                            };
                            return (&layout[..i], Some(std), &layout[j..]);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

fn pad(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", v.unsigned_abs()));
}

fn format_time(t: &Time, layout: &str) -> String {
    let c = t.civil();
    let mut out = String::with_capacity(layout.len() + 10);
    let mut rest = layout;
    while !rest.is_empty() {
        let (prefix, std, tail) = next_std(rest);
        out.push_str(prefix);
        rest = tail;
        let Some(std) = std else { break };
        match std {
            Std::Year => pad(&mut out, c.year.rem_euclid(100), 2),
            Std::LongYear => pad(&mut out, c.year, 4),
            Std::Month => out.push_str(&MONTHS[(c.month - 1) as usize][..3]),
            Std::LongMonth => out.push_str(MONTHS[(c.month - 1) as usize]),
            Std::NumMonth => pad(&mut out, c.month, 0),
            Std::ZeroMonth => pad(&mut out, c.month, 2),
            Std::WeekDay => out.push_str(&DAYS[c.weekday as usize][..3]),
            Std::LongWeekDay => out.push_str(DAYS[c.weekday as usize]),
            Std::Day => pad(&mut out, c.day, 0),
            Std::UnderDay => {
                if c.day < 10 {
                    out.push(' ');
                }
                pad(&mut out, c.day, 0);
            }
            Std::ZeroDay => pad(&mut out, c.day, 2),
            Std::UnderYearDay => out.push_str(&format!("{:>3}", c.yday)),
            Std::ZeroYearDay => pad(&mut out, c.yday, 3),
            Std::Hour => pad(&mut out, c.hour, 2),
            Std::Hour12 | Std::ZeroHour12 => {
                let h = match c.hour % 12 {
                    0 => 12,
                    h => h,
                };
                pad(&mut out, h, if std == Std::Hour12 { 0 } else { 2 });
            }
            Std::Minute => pad(&mut out, c.minute, 0),
            Std::ZeroMinute => pad(&mut out, c.minute, 2),
            Std::Second => pad(&mut out, c.second, 0),
            Std::ZeroSecond => pad(&mut out, c.second, 2),
            Std::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            Std::NumTz {
                iso,
                colon,
                minutes,
                seconds,
            } => {
                if iso && t.offset == 0 {
                    out.push('Z');
                    continue;
                }
                let abs = t.offset.unsigned_abs();
                out.push(if t.offset < 0 { '-' } else { '+' });
                out.push_str(&format!("{:02}", abs / 3600));
                if minutes {
                    if colon {
                        out.push(':');
                    }
                    out.push_str(&format!("{:02}", abs / 60 % 60));
                }
                if seconds {
                    if colon {
                        out.push(':');
                    }
                    out.push_str(&format!("{:02}", abs % 60));
                }
            }
            Std::Tz => {
                if t.zone.is_empty() {
                    let abs = t.offset.unsigned_abs() / 60;
                    out.push(if t.offset < 0 { '-' } else { '+' });
                    out.push_str(&format!("{:02}{:02}", abs / 60, abs % 60));
                } else {
                    out.push_str(&t.zone);
                }
            }
            Std::Frac { sep, digits, trim } => {
                let digits = digits.min(9);
                let frac = format!("{:09}", t.nanos);
                let mut frac = &frac[..digits];
                if trim {
                    frac = frac.trim_end_matches('0');
                    if frac.is_empty() {
                        continue;
                    }
                }
                out.push(sep as char);
                out.push_str(frac);
            }
        }
    }
    out
}

/// Why parsing failed, Go's `ParseError` parts.
struct ParseErr {
    value_elem: String,
    layout_elem: String,
    message: String,
}

fn parse_err(value_elem: &str, layout_elem: &str) -> ParseErr {
    ParseErr {
        value_elem: value_elem.into(),
        layout_elem: layout_elem.into(),
        message: String::new(),
    }
}

/// Leading digits of `s`: at least `min`, at most `max`.
fn take_digits(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn take_name<'a>(s: &'a str, names: &[&str], len: Option<usize>) -> Option<(i64, &'a str)> {
    for (i, name) in names.iter().enumerate() {
        let name = match len {
            Some(n) => &name[..n],
            None => name,
        };
        if s.len() >= name.len() && s[..name.len()].eq_ignore_ascii_case(name) {
            return Some((i as i64, &s[name.len()..]));
        }
    }
    None
}

/// Go's `time.ParseInLocation(layout, value, time.Local)` with Strata's local zone, UTC.
pub fn parse_time(layout: &str, value: &str) -> Result<Time, String> {
    parse_inner(layout, value).map_err(|e| {
        if e.message.is_empty() {
            format!(
                "parsing time {value:?} as {layout:?}: cannot parse {:?} as {:?}",
                e.value_elem, e.layout_elem
            )
        } else {
            format!("parsing time {value:?}{}", e.message)
        }
    })
}

fn parse_inner(layout_all: &str, value_all: &str) -> Result<Time, ParseErr> {
    // Go: elements missing from the layout are zero, or one where zero is impossible (year 0).
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut minute, mut second, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    let mut zone_name: Option<String> = None;
    let mut layout = layout_all;
    let mut value = value_all;
    loop {
        let (prefix, std, tail) = next_std(layout);
        let layout_elem = &layout[prefix.len()..layout.len() - tail.len()];
        // The literal text must match (Go skips spaces leniently; Strata requires them).
        let Some(v) = value.strip_prefix(prefix) else {
            return Err(parse_err(value, prefix));
        };
        value = v;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(ParseErr {
                    value_elem: String::new(),
                    layout_elem: String::new(),
                    message: format!(": extra text: {value:?}"),
                });
            }
            break;
        };
        layout = tail;
        let here = value;
        let bad = || parse_err(here, layout_elem);
        match std {
            Std::Year => {
                let (y, rest) = take_digits(value, 2, 2).ok_or_else(bad)?;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
                value = rest;
            }
            Std::LongYear => {
                let (y, rest) = take_digits(value, 4, 4).ok_or_else(bad)?;
                year = y;
                value = rest;
            }
            Std::Month | Std::LongMonth => {
                let len = if std == Std::Month { Some(3) } else { None };
                let (m, rest) = take_name(value, &MONTHS, len).ok_or_else(bad)?;
                month = m + 1;
                value = rest;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let min = if std == Std::ZeroMonth { 2 } else { 1 };
                let (m, rest) = take_digits(value, min, 2).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    return Err(ParseErr {
                        value_elem: String::new(),
                        layout_elem: String::new(),
                        message: ": month out of range".into(),
                    });
                }
                month = m;
                value = rest;
            }
            Std::WeekDay | Std::LongWeekDay => {
                let len = if std == Std::WeekDay { Some(3) } else { None };
                let (_, rest) = take_name(value, &DAYS, len).ok_or_else(bad)?;
                value = rest;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                let v = if std == Std::UnderDay {
                    value.strip_prefix(' ').unwrap_or(value)
                } else {
                    value
                };
                let min = if std == Std::ZeroDay { 2 } else { 1 };
                let (d, rest) = take_digits(v, min, 2).ok_or_else(bad)?;
                day = d;
                value = rest;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                let v = if std == Std::UnderYearDay {
                    value.trim_start_matches(' ')
                } else {
                    value
                };
                let (d, rest) = take_digits(v, if std == Std::ZeroYearDay { 3 } else { 1 }, 3)
                    .ok_or_else(bad)?;
                yday = d;
                value = rest;
            }
            Std::Hour => {
                let (h, rest) = take_digits(value, 1, 2).ok_or_else(bad)?;
                if h >= 24 {
                    return Err(range_err("hour"));
                }
                hour = h;
                value = rest;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let min = if std == Std::ZeroHour12 { 2 } else { 1 };
                let (h, rest) = take_digits(value, min, 2).ok_or_else(bad)?;
                if h > 12 {
                    return Err(range_err("hour"));
                }
                hour = h;
                value = rest;
            }
            Std::Minute | Std::ZeroMinute => {
                let min = if std == Std::ZeroMinute { 2 } else { 1 };
                let (m, rest) = take_digits(value, min, 2).ok_or_else(bad)?;
                if m >= 60 {
                    return Err(range_err("minute"));
                }
                minute = m;
                value = rest;
            }
            Std::Second | Std::ZeroSecond => {
                let min = if std == Std::ZeroSecond { 2 } else { 1 };
                let (s, rest) = take_digits(value, min, 2).ok_or_else(bad)?;
                if s >= 60 {
                    return Err(range_err("second"));
                }
                second = s;
                value = rest;
                // Go accepts a fractional second after the seconds even when the layout has
                // none.
                if let Some(after) = value.strip_prefix(['.', ',']) {
                    // Go looks only at the layout's next element, whatever precedes it.
                    let next_is_frac = matches!(next_std(layout).1, Some(Std::Frac { .. }));
                    if !next_is_frac && after.starts_with(|c: char| c.is_ascii_digit()) {
                        let n = after.bytes().take_while(u8::is_ascii_digit).count();
                        nanos = frac_nanos(&after[..n]);
                        value = &after[n..];
                    }
                }
            }
            Std::Frac { digits, trim, .. } => {
                let Some(after) = value.strip_prefix(['.', ',']) else {
                    if trim {
                        continue;
                    }
                    return Err(bad());
                };
                let n = after.bytes().take_while(u8::is_ascii_digit).count();
                if (!trim && n != digits) || n == 0 {
                    return Err(bad());
                }
                nanos = frac_nanos(&after[..n]);
                value = &after[n..];
            }
            Std::PM | Std::Pm => {
                let word = value.get(..2).ok_or_else(bad)?;
                pm = Some(match word.to_ascii_uppercase().as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(bad()),
                });
                value = &value[2..];
            }
            Std::NumTz {
                iso,
                colon,
                minutes,
                seconds,
            } => {
                if iso && value.starts_with('Z') {
                    value = &value[1..];
                    offset = Some(0);
                    zone_name = Some("UTC".into());
                    continue;
                }
                let sign = match value.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad()),
                };
                let mut v = &value[1..];
                let (h, rest) = take_digits(v, 2, 2).ok_or_else(bad)?;
                v = rest;
                let mut secs = h * 3600;
                for (want, part) in [(minutes, 60), (seconds, 1)] {
                    if !want {
                        continue;
                    }
                    if colon {
                        v = v.strip_prefix(':').ok_or_else(bad)?;
                    }
                    let (x, rest) = take_digits(v, 2, 2).ok_or_else(bad)?;
                    secs += x * part;
                    v = rest;
                }
                value = v;
                offset = Some((sign * secs) as i32);
            }
            Std::Tz => {
                if value.starts_with("UTC") {
                    value = &value[3..];
                    zone_name = Some("UTC".into());
                    continue;
                }
                let n = value.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return Err(bad());
                }
                zone_name = Some(value[..n].to_string());
                value = &value[n..];
            }
        }
    }
    if let Some(pm) = pm {
        if pm && hour < 12 {
            hour += 12;
        } else if !pm && hour == 12 {
            hour = 0;
        }
    }
    if yday >= 0 && month < 0 {
        let start = days_from_civil(year, 1, 1);
        let (_, m, d) = civil_from_days(start + yday - 1);
        month = m;
        day = d;
    }
    let month = if month < 0 { 1 } else { month };
    let day = if day < 0 { 1 } else { day };
    let days_in_month = days_from_civil(year + i64::from(month == 12), month % 12 + 1, 1)
        - days_from_civil(year, month, 1);
    if day < 1 || day > days_in_month {
        return Err(range_err("day"));
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    let (offset, zone) = match (offset, zone_name) {
        (Some(0), _) | (None, None) => (0, "UTC".to_string()),
        (Some(off), _) => (off, String::new()),
        (None, Some(name)) => (0, name),
    };
    Ok(Time {
        unix: local - i64::from(offset),
        nanos,
        offset,
        zone,
    })
}

fn range_err(what: &str) -> ParseErr {
    ParseErr {
        value_elem: String::new(),
        layout_elem: String::new(),
        message: format!(": {what} out of range"),
    }
}

fn frac_nanos(digits: &str) -> u32 {
    let mut s: String = digits.chars().take(9).collect();
    while s.len() < 9 {
        s.push('0');
    }
    s.parse().unwrap_or(0)
}

/// Go's `Duration.String()`.
pub fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let sign = if neg { "-" } else { "" };
    let frac = |v: u64, prec: u32| -> (String, u64) {
        let mut digits = String::new();
        let mut v = v;
        let mut printed = false;
        let mut out = Vec::new();
        for _ in 0..prec {
            let digit = v % 10;
            printed = printed || digit != 0;
            if printed {
                out.push((b'0' + digit as u8) as char);
            }
            v /= 10;
        }
        if printed {
            out.push('.');
            digits.extend(out.iter().rev());
        }
        (digits, v)
    };
    if u < 1_000_000_000 {
        if u < 1000 {
            return format!("{sign}{u}ns");
        }
        let (prec, unit) = if u < 1_000_000 { (3, "µs") } else { (6, "ms") };
        let (f, whole) = frac(u, prec);
        return format!("{sign}{whole}{f}{unit}");
    }
    let (f, whole_secs) = frac(u, 9);
    u = whole_secs;
    let mut out = format!("{}{f}s", u % 60);
    u /= 60;
    if u > 0 {
        out = format!("{}m{out}", u % 60);
        u /= 60;
        if u > 0 {
            out = format!("{u}h{out}");
        }
    }
    format!("{sign}{out}")
}

/// Go's `time.ParseDuration`; the error is Go's text.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let mut rest = s;
    let neg = match rest.as_bytes().first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(after) = rest.strip_prefix('.') {
            let n = after.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &after[..n];
            rest = &after[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {s:?}"));
        }
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {unit:?} in duration {s:?}")),
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut value = whole.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            let digits: String = frac_part.chars().take(30).collect();
            let f: u128 = digits.parse().map_err(|_| invalid())?;
            let denom = 10u128.pow(digits.len() as u32);
            value += f * scale / denom;
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > 1u128 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        Ok((total as i128).wrapping_neg() as i64)
    } else if total > i64::MAX as u128 {
        Err(invalid())
    } else {
        Ok(total as i64)
    }
}

impl Object for Time {
    fn type_name(&self) -> String {
        "time.Time".into()
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let c = self.civil();
        Some(match name {
            "Unix" => Value::Int64(self.unix),
            "UnixMilli" => {
                Value::Int64(self.unix.saturating_mul(1000) + i64::from(self.nanos / 1_000_000))
            }
            "UnixMicro" => {
                Value::Int64(self.unix.saturating_mul(1_000_000) + i64::from(self.nanos / 1000))
            }
            "UnixNano" => Value::Int64(self.unix.saturating_mul(NANOS) + i64::from(self.nanos)),
            "Year" => Value::Int(c.year),
            "Month" => Value::str(MONTHS[(c.month - 1) as usize]),
            "Day" => Value::Int(c.day),
            "Hour" => Value::Int(c.hour),
            "Minute" => Value::Int(c.minute),
            "Second" => Value::Int(c.second),
            "Nanosecond" => Value::Int(i64::from(self.nanos)),
            "YearDay" => Value::Int(c.yday),
            "Weekday" => Value::str(DAYS[c.weekday as usize]),
            "UTC" | "Local" => Value::Object(Rc::new(Time::utc(self.unix, self.nanos))),
            "String" => Value::from(self.go_string()),
            "IsZero" => Value::Bool(self.unix == ZERO_TIME_UNIX && self.nanos == 0),
            // encoding/json's view of a time.Time (what toJson and toYaml print).
            "MarshalJSON" | "MarshalText" => {
                let text = self.format("2006-01-02T15:04:05.999999999Z07:00");
                Value::from(if name == "MarshalJSON" {
                    format!("\"{text}\"")
                } else {
                    text
                })
            }
            _ => return None,
        })
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        let result = match name {
            "Format" => {
                exact(args, 1).and_then(|()| Ok(Value::from(self.format(string(&args[0])?))))
            }
            "Add" => exact(args, 1).and_then(|()| {
                let d = match &args[0] {
                    Value::Int(d) | Value::Int64(d) => *d,
                    other => return Err(type_err("time.Duration", other)),
                };
                Ok(Value::Object(Rc::new(self.add(d))))
            }),
            "AddDate" => exact(args, 3).and_then(|()| {
                let (y, m, d) = (int(&args[0])?, int(&args[1])?, int(&args[2])?);
                let c = self.civil();
                // Go normalises month and day overflow (Oct 32 is Nov 1).
                let months = c.year.saturating_add(y).saturating_mul(12) + (c.month - 1) + m;
                let (year, month) = (months.div_euclid(12), months.rem_euclid(12) + 1);
                let days = days_from_civil(year, month, 1) + c.day - 1 + d;
                let secs = days * 86_400 + c.hour * 3600 + c.minute * 60 + c.second;
                Ok(Value::Object(Rc::new(Time {
                    unix: secs - i64::from(self.offset),
                    ..self.clone()
                })))
            }),
            "Sub" => exact(args, 1).and_then(|()| Ok(Value::Int64(self.sub(&time_arg(&args[0])?)))),
            "Before" | "After" | "Equal" => exact(args, 1).and_then(|()| {
                let d = self.sub(&time_arg(&args[0])?);
                Ok(Value::Bool(match name {
                    "Before" => d < 0,
                    "After" => d > 0,
                    _ => d == 0,
                }))
            }),
            _ => return self.field(name).map(|v| exact(args, 0).map(|()| v)),
        };
        Some(result)
    }
    fn format(&self) -> String {
        self.go_string()
    }
}

/// A `time.Time` parameter.
fn time_arg(v: &Value) -> Result<Time, FuncError> {
    if let Value::Object(o) = v {
        if o.type_name() == "time.Time" {
            return time_of(o.as_ref()).ok_or_else(|| type_err("time.Time", v));
        }
    }
    Err(type_err("time.Time", v))
}

/// Reads a time object back through its public fields (the `Object` trait has no downcast).
fn time_of(o: &dyn Object) -> Option<Time> {
    let unix = match o.field("Unix")? {
        Value::Int64(u) => u,
        _ => return None,
    };
    let nanos = match o.field("Nanosecond")? {
        Value::Int(n) => n as u32,
        _ => return None,
    };
    // Offset and zone: format them and read them back.
    let zone_text = match o.call_method("Format", &[Value::str("-07:00:00|MST")])? {
        Ok(Value::String(s)) => s,
        _ => return None,
    };
    let (off, name) = zone_text.split_once('|')?;
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let parts: Vec<i32> = off[1..].split(':').filter_map(|p| p.parse().ok()).collect();
    let offset = sign * (parts.first()? * 3600 + parts.get(1)? * 60 + parts.get(2)?);
    let zone = if name.starts_with(['+', '-']) {
        String::new()
    } else {
        name.to_string()
    };
    Some(Time {
        unix,
        nanos,
        offset,
        zone,
    })
}

fn time_value(t: Time) -> Value {
    Value::Object(Rc::new(t))
}

fn now(ctx: &dyn CallContext) -> Time {
    Time::utc(ctx.now_unix(), 0)
}

/// Sprig's `date` argument: a time, or `int`/`int64` seconds since the epoch; anything else is
/// "now".
fn date_arg(ctx: &dyn CallContext, v: &Value) -> Time {
    match v {
        Value::Int(s) | Value::Int64(s) => Time::utc(*s, 0),
        Value::Object(_) => time_arg(v).unwrap_or_else(|_| now(ctx)),
        _ => now(ctx),
    }
}

/// Sprig's `dateInZone`: every zone is shown as UTC except a time's own parsed offset is
/// replaced, as Go's `In(loc)` replaces it.
fn date_in_zone(ctx: &dyn CallContext, layout: &str, date: &Value, _zone: &str) -> String {
    let t = date_arg(ctx, date);
    Time::utc(t.unix, t.nanos).format(layout)
}

fn date_modify(args: &[Value], must: bool) -> Result<Value, FuncError> {
    exact(args, 2)?;
    let spec = string(&args[0])?;
    let t = time_arg(&args[1])?;
    match parse_duration(spec) {
        Ok(d) => Ok(time_value(t.add(d))),
        Err(e) if must => Err(FuncError::Call(e)),
        Err(_) => Ok(time_value(t)),
    }
}

/// Registers the date functions.
pub fn register(map: &mut FuncMap) {
    reg(map, "now", |ctx, args| {
        exact(args, 0)?;
        Ok(time_value(now(ctx)))
    });
    reg(map, "date", |ctx, args| {
        exact(args, 2)?;
        Ok(Value::from(date_in_zone(
            ctx,
            string(&args[0])?,
            &args[1],
            "Local",
        )))
    });
    for name in ["dateInZone", "date_in_zone"] {
        reg(map, name, |ctx, args| {
            exact(args, 3)?;
            let zone = string(&args[2])?;
            Ok(Value::from(date_in_zone(
                ctx,
                string(&args[0])?,
                &args[1],
                zone,
            )))
        });
    }
    reg(map, "htmlDate", |ctx, args| {
        exact(args, 1)?;
        Ok(Value::from(date_in_zone(
            ctx,
            "2006-01-02",
            &args[0],
            "Local",
        )))
    });
    reg(map, "htmlDateInZone", |ctx, args| {
        exact(args, 2)?;
        let zone = string(&args[1])?;
        Ok(Value::from(date_in_zone(ctx, "2006-01-02", &args[0], zone)))
    });
    for name in ["dateModify", "date_modify"] {
        reg(map, name, |_, args| date_modify(args, false));
    }
    for name in ["mustDateModify", "must_date_modify"] {
        reg(map, name, |_, args| date_modify(args, true));
    }
    reg(map, "ago", |ctx, args| {
        exact(args, 1)?;
        let t = date_arg(ctx, &args[0]);
        let d = now(ctx).sub(&t);
        // Rounded to whole seconds, halves away from zero.
        let rounded = ((i128::from(d) + i128::from(d.signum()) * 500_000_000) / 1_000_000_000
            * 1_000_000_000) as i64;
        Ok(Value::from(duration_string(rounded)))
    });
    reg(map, "duration", |_, args| {
        exact(args, 1)?;
        // Sprig reads only a string or an int64; an `int` (a template literal) counts as 0.
        let secs = match &args[0] {
            Value::String(s) => s.parse::<i64>().unwrap_or(0),
            Value::Int64(n) => *n,
            _ => 0,
        };
        Ok(Value::from(duration_string(secs.wrapping_mul(NANOS))))
    });
    reg(map, "durationRound", |ctx, args| {
        exact(args, 1)?;
        let d = match &args[0] {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int64(n) => *n,
            v @ Value::Object(_) => match time_arg(v) {
                Ok(t) => now(ctx).sub(&t),
                Err(_) => 0,
            },
            _ => 0,
        };
        Ok(Value::from(duration_round(d)))
    });
    reg(map, "toDate", |_, args| {
        exact(args, 2)?;
        Ok(time_value(
            parse_time(string(&args[0])?, string(&args[1])?).unwrap_or_else(|_| Time::zero()),
        ))
    });
    reg(map, "mustToDate", |_, args| {
        exact(args, 2)?;
        parse_time(string(&args[0])?, string(&args[1])?)
            .map(time_value)
            .map_err(FuncError::Call)
    });
    reg(map, "unixEpoch", |_, args| {
        exact(args, 1)?;
        Ok(Value::from(time_arg(&args[0])?.unix.to_string()))
    });
}

/// Sprig's `durationRound`: the largest unit that the duration exceeds, truncated.
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const SECOND: u64 = 1_000_000_000;
    let units: [(u64, &str); 6] = [
        (SECOND * 3600 * 24 * 365, "y"),
        (SECOND * 3600 * 24 * 30, "mo"),
        (SECOND * 3600 * 24, "d"),
        (SECOND * 3600, "h"),
        (SECOND * 60, "m"),
        (SECOND, "s"),
    ];
    for (size, unit) in units {
        if u > size {
            return format!("{}{unit}", u / size);
        }
    }
    "0s".into()
}

#[cfg(test)]
mod tests {
    use super::super::testctx::{call, call_value};
    use super::*;

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    fn to_date(layout: &str, value: &str) -> Value {
        call_value("toDate", &[s(layout), s(value)]).unwrap()
    }

    // Expected strings come from Helm SDK v4.2.3 (helm-python-sdk 0.2.2), whose local zone
    // was UTC.
    #[test]
    fn format_layouts_match_helm() {
        let layout =
            "2006-01-02 Mon Jan _2 15:04:05.000 PM -07:00 MST Z07:00 .999 ,000000 __2 002 3 03 pm";
        assert_eq!(
            call("date", &[s(layout), Value::Int(1_709_296_496)]).unwrap(),
            "2024-03-01 Fri Mar  1 12:34:56.000 PM +00:00 UTC Z  ,000000  61 061 12 12 pm"
        );
        assert_eq!(
            call("htmlDate", &[Value::Int(1_709_296_496)]).unwrap(),
            "2024-03-01"
        );
        assert_eq!(
            call(
                "htmlDateInZone",
                &[Value::Int(1_709_296_496), s("Asia/Tokyo")]
            )
            .unwrap(),
            "2024-03-01"
        );
        assert_eq!(
            call(
                "dateInZone",
                &[s("15:04 MST"), Value::Int(1_709_296_496), s("Nope/Zone")]
            )
            .unwrap(),
            "12:34 UTC"
        );
        // A non-time date is "now" (the test context's fixed clock).
        assert_eq!(call("date", &[s("x"), s("str")]).unwrap(), "x");
        assert_eq!(call("date", &[s("2006"), s("str")]).unwrap(), "2024");
    }

    #[test]
    fn to_date_and_modify_match_helm() {
        assert_eq!(
            crate::fmt::sprint(&to_date("2006-01-02", "2024-03-01")),
            "2024-03-01 00:00:00 +0000 UTC"
        );
        assert_eq!(
            crate::fmt::sprint(&to_date("2006-01-02", "bad")),
            "0001-01-01 00:00:00 +0000 UTC"
        );
        assert_eq!(
            crate::fmt::sprint(&to_date(
                "2006-01-02T15:04:05Z07:00",
                "2024-03-01T10:00:00+02:00"
            )),
            "2024-03-01 10:00:00 +0200 +0200"
        );
        let e = call("mustToDate", &[s("2006-01-02"), s("bad")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parsing time \"bad\" as \"2006-01-02\": cannot parse \"bad\" as \"2006\""
        );
        let d = to_date("2006-01-02", "2024-03-01");
        assert_eq!(
            call("dateModify", &[s("+1h30m"), d.clone()]).unwrap(),
            "2024-03-01 01:30:00 +0000 UTC"
        );
        assert_eq!(
            call("dateModify", &[s("bad"), d.clone()]).unwrap(),
            "2024-03-01 00:00:00 +0000 UTC"
        );
        let e = call("mustDateModify", &[s("bad"), d.clone()]).unwrap_err();
        assert_eq!(e.to_string(), "time: invalid duration \"bad\"");
        assert_eq!(
            call("unixEpoch", std::slice::from_ref(&d)).unwrap(),
            "1709251200"
        );
        let Value::Object(o) = &d else { panic!() };
        assert!(matches!(o.field("Unix"), Some(Value::Int64(1_709_251_200))));
        assert_eq!(crate::fmt::sprint(&o.field("Month").unwrap()), "March");
        assert_eq!(
            crate::fmt::sprint(&o.field("MarshalJSON").unwrap()),
            "\"2024-03-01T00:00:00Z\""
        );
        let f = o.call_method("Format", &[s("Jan")]).unwrap().unwrap();
        assert_eq!(crate::fmt::sprint(&f), "Mar");
    }

    #[test]
    fn durations_match_helm() {
        assert_eq!(call("duration", &[Value::Int(95)]).unwrap(), "0s");
        assert_eq!(call("duration", &[Value::Int64(95)]).unwrap(), "1m35s");
        assert_eq!(call("duration", &[s("3700")]).unwrap(), "1h1m40s");
        assert_eq!(call("durationRound", &[s("2h10m")]).unwrap(), "2h");
        assert_eq!(
            call("durationRound", &[Value::Int(100_000_000_000)]).unwrap(),
            "0s"
        );
        assert_eq!(
            call("durationRound", &[to_date("2006-01-02", "2022-03-01")]).unwrap(),
            "2y"
        );
        assert_eq!(duration_string(1_500), "1.5µs");
        assert_eq!(duration_string(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration_string(-1_500_000_000), "-1.5s");
        assert_eq!(parse_duration("-2.5h"), Ok(-9_000_000_000_000));
        assert_eq!(
            parse_duration("1"),
            Err("time: missing unit in duration \"1\"".into())
        );
        assert!(parse_duration("99999999999999999999h").is_err());
    }

    #[test]
    fn ago_is_relative_to_the_build_time() {
        let ctx_now = super::super::testctx::TestCtx::default().now;
        assert_eq!(
            call("ago", &[Value::Int(ctx_now - 3725)]).unwrap(),
            "1h2m5s"
        );
        assert_eq!(call("ago", &[s("x")]).unwrap(), "0s");
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-719_162, -1, 0, 59, 365, 11_016, 19_783, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(Time::zero().go_string(), "0001-01-01 00:00:00 +0000 UTC");
    }
}
#[cfg(test)]
mod helm_cases {
    /// `toDate` (p: layout, value, Go's String() or error) and `date` (f: layout, unix seconds,
    /// output) cases, the expected column printed by Helm SDK v4.2.3 (local zone UTC).
    const CASES: &str = r#"p	2006-01-02	2024-03-01	2024-03-01 00:00:00 +0000 UTC
p	02 Jan 06 15:04 MST	01 Mar 24 10:00 CET	2024-03-01 10:00:00 +0000 CET
p	02 Jan 06 15:04 MST	01 Mar 24 10:00 UTC	2024-03-01 10:00:00 +0000 UTC
p	2006-01-02T15:04:05Z07:00	2024-03-01T10:00:00Z	2024-03-01 10:00:00 +0000 UTC
p	2006-01-02T15:04:05Z07:00	2024-03-01T10:00:00.123456Z	2024-03-01 10:00:00.123456 +0000 UTC
p	2006-01-02T15:04:05.000Z07:00	2024-03-01T10:00:00.123-05:30	2024-03-01 10:00:00.123 -0530 -0530
p	Jan _2 15:04:05	Mar  1 10:00:00	0000-03-01 10:00:00 +0000 UTC
p	January 2, 2006 3:04 PM	March 14, 2024 3:04 PM	2024-03-14 15:04:00 +0000 UTC
p	January 2, 2006 3:04 PM	March 14, 2024 12:04 AM	2024-03-14 00:04:00 +0000 UTC
p	2006-01-02	2024-02-30	ERR parsing time "2024-02-30": day out of range
p	2006-01-02	2024-13-01	ERR parsing time "2024-13-01": month out of range
p	2006-01-02	2024-03-01 extra	ERR parsing time "2024-03-01 extra": extra text: " extra"
p	2006-01-02 15:04	2024-03-01 25:00	ERR parsing time "2024-03-01 25:00": hour out of range
p	Mon, 02 Jan 2006 15:04:05 -0700	Fri, 01 Mar 2024 10:00:00 +0100	2024-03-01 10:00:00 +0100 +0100
p	2006-002	2024-061	2024-03-01 00:00:00 +0000 UTC
p	06-1-2	99-3-1	1999-03-01 00:00:00 +0000 UTC
p	2006-01-02	2024-3-01	ERR parsing time "2024-3-01" as "2006-01-02": cannot parse "3-01" as "01"
p	15:04:05	10:00:00	0000-01-01 10:00:00 +0000 UTC
f	Monday January 2 3:04:05 pm	1709296496	Friday March 1 12:34:56 pm
f	2006-01-02T15:04:05.999999999Z07:00	1709296496	2024-03-01T12:34:56Z
f	Jan _2 2006	1710460800	Mar 15 2024
f	3PM 03 15	0	12AM 12 00
f	2006-01-02 15:04:05	-2522880000	1890-01-20 00:00:00
f	06 1 2 _2 002 __2	1704067200	24 1 1  1 001   1
f	Z0700 Z07 -07 -070000 -07:00:00	0	Z Z +00 +000000 +00:00:00
f	Janx Monx MSTx January	1709296496	Janx Monx UTCx March
f	05.0 05,00 .9 1.5	1709296496	56.0 56,00  3.56
"#;

    #[test]
    fn parse_and_format_match_helm() {
        let mut bad = Vec::new();
        for line in CASES.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let got = if f[0] == "p" {
                match super::parse_time(f[1], f[2]) {
                    Ok(t) => t.go_string(),
                    Err(e) => format!("ERR {e}"),
                }
            } else {
                super::Time::utc(f[2].parse().unwrap_or(0), 0).format(f[1])
            };
            if got != f[3] {
                bad.push(format!(
                    "{:?} {:?}: want {:?}, got {:?}",
                    f[1], f[2], f[3], got
                ));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
