//! The spec's values of time: delays (`2s`) and rate limits (`20/s`), read
//! as people write them, each refused with what to write instead.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// A delay such as `2s`, `500ms`, `1.5s` or `1m`, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay(pub u64);

/// The longest delay a spec may declare: delayed emissions are held in
/// memory per socket, so anything longer is almost surely a typo.
pub const MAX_DELAY_MS: u64 = 60 * 60 * 1000;

impl Delay {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        if text.starts_with('-') {
            return Err(format!(
                "delay {text:?} is negative: an emission cannot go out before its request"
            ));
        }
        let scale = match unit.trim() {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            _ => {
                return Err(format!(
                    "cannot read delay {text:?}: write a number and a unit, like 500ms, 2s or 1.5m"
                ));
            }
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("cannot read delay {text:?}: {number:?} is not a number"))?;
        let ms = (value * scale).round();
        if ms > MAX_DELAY_MS as f64 {
            return Err(format!("delay {text:?} is longer than the 1 hour allowed"));
        }
        Ok(Self(ms as u64))
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(de::Error::custom)
    }
}

impl JsonSchema for Delay {
    fn schema_name() -> Cow<'static, str> {
        "Delay".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> schemars::Schema {
        json_schema!({
            "type": "string",
            "description": "A delay counted from the request: a number and a unit (ms, s, m, h), at most 1h.",
            "pattern": "^[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|min|h)$",
            "examples": ["500ms", "2s", "1.5s", "1m"]
        })
    }
}

/// A rate limit: `20/s`, or a map with the `limit` and, optionally, the
/// `burst` a socket may send at once and the refusals within one period
/// past which it is disconnected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub limit: PerPeriod,
    pub burst: Option<u32>,
    pub disconnect_after: Option<u32>,
}

/// `count` messages per `per_ms` milliseconds: `20/s`, `100/min`, `5/10s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerPeriod {
    pub count: u32,
    pub per_ms: u64,
}

impl PerPeriod {
    pub fn parse(text: &str) -> Result<Self, String> {
        let unreadable = || {
            format!(
                "cannot read the rate {text:?}: write a count of messages per period, like 20/s, 100/min or 5/10s"
            )
        };
        let (count, period) = text.trim().split_once('/').ok_or_else(unreadable)?;
        let count: u32 = count.trim().parse().map_err(|_| unreadable())?;
        if count == 0 {
            return Err(format!(
                "the rate {text:?} allows no message: count 1 or more per period"
            ));
        }
        let period = period.trim();
        let per_ms = match period {
            "ms" => 1,
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            _ => Delay::parse(period).map_err(|_| unreadable())?.0,
        };
        if per_ms == 0 {
            return Err(format!("the rate {text:?} has an empty period"));
        }
        Ok(Self { count, per_ms })
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RateVisitor;

        impl<'de> Visitor<'de> for RateVisitor {
            type Value = Rate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a rate such as 20/s, or a map with `limit`, `burst` and `disconnect_after`",
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Rate, E> {
                Ok(Rate {
                    limit: PerPeriod::parse(text).map_err(E::custom)?,
                    burst: None,
                    disconnect_after: None,
                })
            }

            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Rate, M::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Full {
                    limit: String,
                    #[serde(default)]
                    burst: Option<u32>,
                    #[serde(default)]
                    disconnect_after: Option<u32>,
                }
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if full.burst == Some(0) || full.disconnect_after == Some(0) {
                    return Err(de::Error::custom(
                        "`burst` and `disconnect_after` count 1 or more messages",
                    ));
                }
                Ok(Rate {
                    limit: PerPeriod::parse(&full.limit).map_err(de::Error::custom)?,
                    burst: full.burst,
                    disconnect_after: full.disconnect_after,
                })
            }
        }

        deserializer.deserialize_any(RateVisitor)
    }
}

impl JsonSchema for Rate {
    fn schema_name() -> Cow<'static, str> {
        "Rate".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> schemars::Schema {
        let limit = json_schema!({
            "type": "string",
            "description": "A count of messages per period: 20/s, 100/min, 5/10s.",
            "pattern": "^\\s*[0-9]+\\s*/\\s*([0-9]+(\\.[0-9]+)?\\s*)?(ms|s|m|min|h)\\s*$",
            "examples": ["20/s", "100/min"]
        });
        json_schema!({
            "description": "How often one socket may send: past it, a message is answered `rate_limited` and not handled.",
            "oneOf": [
                limit,
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["limit"],
                    "properties": {
                        "limit": limit,
                        "burst": { "type": "integer", "minimum": 1, "description": "How many messages may come at once (default: the limit's count)." },
                        "disconnect_after": { "type": "integer", "minimum": 1, "description": "Refusals within one period past which the socket is disconnected." }
                    }
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_people_write_them() {
        for (text, count, per_ms) in [
            ("20/s", 20, 1_000),
            ("100/min", 100, 60_000),
            (" 5 / h ", 5, 3_600_000),
            ("5/10s", 5, 10_000),
            ("1/500ms", 1, 500),
        ] {
            assert_eq!(
                PerPeriod::parse(text),
                Ok(PerPeriod { count, per_ms }),
                "{text}"
            );
        }
        for bad in ["20", "20/sec", "0/s", "x/s", "20/0s", "-1/s", "20/"] {
            assert!(PerPeriod::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn delays_read_as_people_write_them() {
        for (text, ms) in [
            ("0s", 0),
            ("2s", 2000),
            ("500ms", 500),
            ("1.5s", 1500),
            ("1m", 60_000),
        ] {
            assert_eq!(Delay::parse(text), Ok(Delay(ms)), "{text}");
        }
        assert_eq!(Delay::parse("1h"), Ok(Delay(3_600_000)));
        for bad in ["2 sec", "2", "s", "-1s", "2h", "61m", "1.5.2s", "1e3s"] {
            assert!(Delay::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
