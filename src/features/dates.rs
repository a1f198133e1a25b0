//! Dates for daily notes: calendar arithmetic and Obsidian's date formats (moment.js tokens,
//! which `.obsidian/daily-notes.json` uses: `YYYY-MM-DD`, `dddd, MMMM Do YYYY`, `gggg-[W]ww`…).
//! Written here rather than taken from a date crate: the features are pure (today comes
//! from the server), and no Rust crate formats moment's tokens.

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
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

/// Monday first (ISO).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl Date {
    /// The day `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Days since 1970-01-01 (`days_from_civil`).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.days() + n)
    }

    /// 0 for Monday … 6 for Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.days() + 3).rem_euclid(7) as u32
    }

    /// 1-based day of the year.
    fn ordinal(self) -> u32 {
        (self.days()
            - Date {
                year: self.year,
                month: 1,
                day: 1,
            }
            .days()
            + 1) as u32
    }

    /// ISO week-numbering year and week.
    fn iso_week(self) -> (i32, u32) {
        // The week's Thursday decides its year.
        let thursday = self.add_days(3 - i64::from(self.weekday()));
        (thursday.year, (thursday.ordinal() - 1) / 7 + 1)
    }

    /// Week-numbering year and week of moment's default locale (English: weeks start on
    /// Sunday, week 1 holds January 1st).
    fn locale_week(self) -> (i32, u32) {
        let sunday_based = (self.weekday() + 1) % 7;
        // The week's Saturday decides its year.
        let saturday = self.add_days(6 - i64::from(sunday_based));
        (saturday.year, (saturday.ordinal() - 1) / 7 + 1)
    }
}

/// Moment's tokens, longest first where one starts another.
const TOKENS: &[&str] = &[
    "YYYY", "GGGG", "gggg", "MMMM", "dddd", "DDDD", "YY", "GG", "gg", "MMM", "ddd", "DDD", "Do",
    "MM", "DD", "dd", "WW", "ww", "Q", "M", "D", "d", "E", "e", "W", "w",
];

/// `date` written in moment.js `format` (the tokens daily notes use; `[…]` is literal text,
/// other characters are themselves).
pub fn format(date: Date, format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            match rest[1..].find(']') {
                Some(end) => {
                    out.push_str(&rest[1..1 + end]);
                    rest = &rest[end + 2..];
                }
                None => {
                    out.push_str(&rest[1..]);
                    rest = "";
                }
            }
            continue;
        }
        let Some(token) = TOKENS.iter().find(|t| rest.starts_with(**t)) else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        let (iso_year, iso_week) = date.iso_week();
        let (week_year, week) = date.locale_week();
        let weekday = WEEKDAYS[date.weekday() as usize];
        let month = MONTHS[date.month as usize - 1];
        out += &match *token {
            "YYYY" => format!("{:04}", date.year),
            "YY" => format!("{:02}", date.year.rem_euclid(100)),
            "GGGG" => format!("{iso_year:04}"),
            "GG" => format!("{:02}", iso_year.rem_euclid(100)),
            "gggg" => format!("{week_year:04}"),
            "gg" => format!("{:02}", week_year.rem_euclid(100)),
            "Q" => ((date.month - 1) / 3 + 1).to_string(),
            "MMMM" => month.to_string(),
            "MMM" => month[..3].to_string(),
            "MM" => format!("{:02}", date.month),
            "M" => date.month.to_string(),
            "DDDD" => format!("{:03}", date.ordinal()),
            "DDD" => date.ordinal().to_string(),
            "DD" => format!("{:02}", date.day),
            "D" => date.day.to_string(),
            "Do" => {
                let suffix = match (date.day % 10, date.day % 100) {
                    (_, 11..=13) => "th",
                    (1, _) => "st",
                    (2, _) => "nd",
                    (3, _) => "rd",
                    _ => "th",
                };
                format!("{}{suffix}", date.day)
            }
            "dddd" => weekday.to_string(),
            "ddd" => weekday[..3].to_string(),
            "dd" => weekday[..2].to_string(),
            "d" => ((date.weekday() + 1) % 7).to_string(),
            "E" => (date.weekday() + 1).to_string(),
            "e" => ((date.weekday() + 1) % 7).to_string(),
            "WW" => format!("{iso_week:02}"),
            "W" => iso_week.to_string(),
            "ww" => format!("{week:02}"),
            "w" => week.to_string(),
            _ => token.to_string(),
        };
        rest = &rest[token.len()..];
    }
    out
}

/// The words completion offers for daily notes, with the day each names from `today`:
/// `today`, `yesterday`, `tomorrow`, and each weekday for its next occurrence (today's own
/// weekday is today).
pub fn named_days(today: Date) -> Vec<(&'static str, Date)> {
    let mut days = vec![
        ("today", today),
        ("yesterday", today.add_days(-1)),
        ("tomorrow", today.add_days(1)),
    ];
    for (i, name) in [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .into_iter()
    .enumerate()
    {
        let ahead = (i as i64 - i64::from(today.weekday())).rem_euclid(7);
        days.push((name, today.add_days(ahead)));
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn days_round_trip_across_centuries_and_leap_days() {
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::from_days(0), d(1970, 1, 1));
        assert_eq!(d(2024, 2, 28).add_days(1), d(2024, 2, 29));
        assert_eq!(d(2100, 2, 28).add_days(1), d(2100, 3, 1));
        assert_eq!(d(2026, 11, 30).weekday(), 0, "a Monday");
    }

    #[test]
    fn moment_formats_daily_notes_use() {
        let date = d(2026, 11, 30);
        assert_eq!(format(date, "YYYY-MM-DD"), "2026-11-30");
        assert_eq!(
            format(date, "dddd, MMMM Do YYYY"),
            "Monday, November 30th 2026"
        );
        assert_eq!(
            format(date, "YYYY/MM/YYYY-MM-DD ddd"),
            "2026/11/2026-11-30 Mon"
        );
        assert_eq!(format(date, "[Journal] D.M.YY"), "Journal 30.11.26");
        assert_eq!(format(d(2026, 1, 1), "GGGG-[W]WW"), "2026-W01");
        // 2027-01-01 is a Friday: ISO week 53 of 2026.
        assert_eq!(format(d(2027, 1, 1), "GGGG-[W]WW E"), "2026-W53 5");
        // In moment's English locale, the week holding January 1st is week 1.
        assert_eq!(format(d(2026, 12, 31), "gggg-[W]ww"), "2027-W01");
        assert_eq!(format(d(2026, 3, 1), "DDDD Q"), "060 1");
        assert_eq!(format(d(2026, 11, 11), "Do"), "11th");
        assert_eq!(format(d(2026, 11, 22), "Do [of] MMM"), "22nd of Nov");
    }

    #[test]
    fn weekdays_name_their_next_day() {
        let monday = d(2026, 11, 30);
        let days = named_days(monday);
        let day = |name: &str| days.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(day("monday"), monday);
        assert_eq!(day("sunday"), d(2026, 12, 6));
        assert_eq!(day("yesterday"), d(2026, 11, 29));
    }
}
