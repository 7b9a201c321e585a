//! Reading an [`Action`](crate::action::Action) (and a preview's
//! [`People`](crate::preview::People)) without serde's generic buffering.
//!
//! serde derives an internally tagged enum (`{"type": ..., fields}`) by
//! buffering the object into its `Content` tree and deserializing the
//! variant from it: generic code instantiated for every variant's field
//! types, most of the JavaScript package's JSON decoding. This reads the
//! object once into a small [`Raw`] tree and converts each field by its key,
//! with the same errors, in the same order, as the derived code: the tag's
//! errors where it stands, then per field in the object's order an unknown
//! or duplicate field or a value of the wrong type, then the first missing
//! field in declaration order; also the sequence form `["type", fields...]`.
//! `People` (tag `kind`) and a run plan's `RunAs` (tag `as`), both with
//! unknown fields ignored, are read the same way.
//!
//! `mod.rs` holds the reader shared by the three (the raw tree, keys, the
//! tag); `action.rs`, `people.rs` and `run_as.rs` convert their variants.

mod action;
mod people;
mod run_as;

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Unexpected, Visitor,
};

use action::KEYS;

use crate::facts::Id;

/// A JSON value as read, before its field's type is known.
enum Raw {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(String, Raw)>),
}

impl Raw {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Raw::Null => Unexpected::Unit,
            Raw::Bool(b) => Unexpected::Bool(*b),
            Raw::U64(n) => Unexpected::Unsigned(*n),
            Raw::I64(n) => Unexpected::Signed(*n),
            Raw::F64(x) => Unexpected::Float(*x),
            Raw::Str(s) => Unexpected::Str(s),
            Raw::Seq(_) => Unexpected::Seq,
            Raw::Map(_) => Unexpected::Map,
        }
    }

    fn id<E: Error>(self) -> Result<i64, E> {
        match self {
            Raw::I64(n) => Ok(n),
            Raw::U64(n) => {
                i64::try_from(n).map_err(|_| E::invalid_value(Unexpected::Unsigned(n), &"i64"))
            }
            other => Err(E::invalid_type(other.unexpected(), &"i64")),
        }
    }

    fn count<E: Error>(self) -> Result<u32, E> {
        match self {
            Raw::U64(n) => {
                u32::try_from(n).map_err(|_| E::invalid_value(Unexpected::Unsigned(n), &"u32"))
            }
            Raw::I64(n) => {
                u32::try_from(n).map_err(|_| E::invalid_value(Unexpected::Signed(n), &"u32"))
            }
            other => Err(E::invalid_type(other.unexpected(), &"u32")),
        }
    }

    fn opt_id<E: Error>(self) -> Result<Option<i64>, E> {
        match self {
            Raw::Null => Ok(None),
            other => other.id().map(Some),
        }
    }

    fn boolean<E: Error>(self) -> Result<bool, E> {
        match self {
            Raw::Bool(b) => Ok(b),
            other => Err(E::invalid_type(other.unexpected(), &"a boolean")),
        }
    }

    fn string<E: Error>(self) -> Result<String, E> {
        match self {
            Raw::Str(s) => Ok(s),
            other => Err(E::invalid_type(other.unexpected(), &"a string")),
        }
    }

    /// A unit-only enum (role, toggle, kind, section): its name, or a map
    /// with the name as its one key and `null` (or `{}`).
    fn unit_enum<T: de::DeserializeOwned, E: Error>(self) -> Result<T, E> {
        match self {
            Raw::Str(s) => T::deserialize(de::value::StrDeserializer::<E>::new(&s)),
            Raw::Map(mut entries) if entries.len() == 1 => {
                let Some((name, value)) = entries.pop() else { return Err(E::custom("")) };
                let v = T::deserialize(de::value::StrDeserializer::<E>::new(&name))?;
                match value {
                    Raw::Null => Ok(v),
                    Raw::Map(m) if m.is_empty() => Ok(v),
                    other => Err(E::invalid_type(other.unexpected(), &"unit")),
                }
            }
            Raw::Map(_) => Err(E::invalid_value(Unexpected::Map, &"map with a single key")),
            other => Err(E::invalid_type(other.unexpected(), &"string or map")),
        }
    }

    fn list<T, E: Error>(self, each: impl Fn(Raw) -> Result<T, E>) -> Result<Vec<T>, E> {
        match self {
            Raw::Seq(items) => items.into_iter().map(each).collect(),
            other => Err(E::invalid_type(other.unexpected(), &"a sequence")),
        }
    }

    fn list_id<E: Error>(self) -> Result<Vec<Id>, E> {
        self.list(Raw::id)
    }

    fn list_enum<T: de::DeserializeOwned, E: Error>(self) -> Result<Vec<T>, E> {
        self.list(Raw::unit_enum)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E: Error>(self, b: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(b))
    }
    fn visit_u64<E: Error>(self, n: u64) -> Result<Raw, E> {
        Ok(Raw::U64(n))
    }
    fn visit_i64<E: Error>(self, n: i64) -> Result<Raw, E> {
        Ok(Raw::I64(n))
    }
    fn visit_f64<E: Error>(self, x: f64) -> Result<Raw, E> {
        Ok(Raw::F64(x))
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<Raw, E> {
        Ok(Raw::Str(s.to_owned()))
    }
    fn visit_string<E: Error>(self, s: String) -> Result<Raw, E> {
        Ok(Raw::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

/// A key of an action object: the tag, a field of some variant (by its
/// index in [`KEYS`]), or another key.
enum Key {
    Type,
    Known(usize),
    Other(String),
}

impl Key {
    /// The key as written (the tag: empty).
    fn name(&self) -> &str {
        match self {
            Key::Known(i) => KEYS.get(*i).copied().unwrap_or_default(),
            Key::Other(name) => name.as_str(),
            Key::Type => "",
        }
    }
}

/// Reads a key; `0` is the tag's name.
struct KeySeed(&'static str);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<Key, E> {
        Ok(if s == self.0 {
            Key::Type
        } else {
            match KEYS.iter().position(|k| *k == s) {
                Some(i) => Key::Known(i),
                None => Key::Other(s.to_owned()),
            }
        })
    }
}

/// The tag's value: a variant identifier (as serde reads a tag).
struct TagSeed<T>(PhantomData<T>);

impl<'de, T: de::DeserializeOwned> DeserializeSeed<'de> for TagSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de, T: de::DeserializeOwned> Visitor<'de> for TagSeed<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<T, E> {
        T::deserialize(de::value::StrDeserializer::<E>::new(s))
    }
}

/// `Some` field or the error naming it missing.
fn need<T, E: Error>(v: Option<T>, name: &'static str) -> Result<T, E> {
    v.ok_or_else(|| E::missing_field(name))
}

/// What follows the tag: the object's other entries, or the sequence's
/// other items.
enum Entries {
    Map(Vec<(Key, Raw)>),
    Seq(Vec<Raw>),
}

/// An internally tagged enum `name` with tag `tag`: the tag read where it
/// stands, everything else kept for the variant.
struct Tagged<T> {
    tag: &'static str,
    name: &'static str,
    _t: PhantomData<T>,
}

impl<'de, T: de::DeserializeOwned> Visitor<'de> for Tagged<T> {
    type Value = (T, Entries);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internally tagged enum {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tag = None;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(self.tag))? {
            match key {
                Key::Type if tag.is_some() => return Err(A::Error::duplicate_field(self.tag)),
                Key::Type => tag = Some(map.next_value_seed(TagSeed(PhantomData))?),
                key => entries.push((key, map.next_value::<Raw>()?)),
            }
        }
        let tag = tag.ok_or_else(|| A::Error::missing_field(self.tag))?;
        Ok((tag, Entries::Map(entries)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let tag = seq
            .next_element_seed(TagSeed(PhantomData))?
            .ok_or_else(|| A::Error::missing_field(self.tag))?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok((tag, Entries::Seq(items)))
    }
}

/// "struct variant Action::ChangeRole with 3 elements"
struct Variant<'a>(&'a str, &'a str, usize);

impl de::Expected for Variant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.2 == 1 { "" } else { "s" };
        write!(f, "struct variant {}::{} with {} element{s}", self.0, self.1, self.2)
    }
}

/// "2 elements in sequence"
struct InSeq(usize);

impl de::Expected for InSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.0 == 1 { "" } else { "s" };
        write!(f, "{} element{s} in sequence", self.0)
    }
}
