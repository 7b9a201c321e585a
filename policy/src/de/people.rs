//! A preview's [`People`] (tag `kind`, unknown fields ignored).

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error};

use super::{Entries, InSeq, Tagged, Variant, need};
use crate::preview::People;
use crate::role::Role;

/// The `kind` of [`People`].
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PeopleTag {
    Role,
    Members,
}

impl<'de> Deserialize<'de> for People {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = Tagged { tag: "kind", name: "People", _t: PhantomData::<PeopleTag> };
        let (tag, entries) = d.deserialize_any(visitor)?;
        let (mut role, mut count, mut accounts) = (None, None, None);
        match entries {
            Entries::Map(entries) => {
                for (key, raw) in entries {
                    let name = key.name();
                    match (tag, name) {
                        (PeopleTag::Role, "role") if role.is_some() => {
                            return Err(D::Error::duplicate_field("role"));
                        }
                        (PeopleTag::Role, "role") => role = Some(raw.unit_enum::<Role, _>()?),
                        (PeopleTag::Role, "count") if count.is_some() => {
                            return Err(D::Error::duplicate_field("count"));
                        }
                        (PeopleTag::Role, "count") => count = Some(raw.count()?),
                        (PeopleTag::Members, "accounts") if accounts.is_some() => {
                            return Err(D::Error::duplicate_field("accounts"));
                        }
                        (PeopleTag::Members, "accounts") => accounts = Some(raw.list_id()?),
                        // Other fields are ignored, as the derive did.
                        _ => {}
                    }
                }
            }
            Entries::Seq(items) => {
                let (name, fields) = match tag {
                    PeopleTag::Role => ("Role", 2),
                    PeopleTag::Members => ("Members", 1),
                };
                let total = items.len();
                let mut items = items.into_iter();
                let mut next = |i| {
                    items.next().ok_or_else(|| {
                        D::Error::invalid_length(i, &Variant("People", name, fields))
                    })
                };
                match tag {
                    PeopleTag::Role => {
                        role = Some(next(0)?.unit_enum::<Role, _>()?);
                        count = Some(next(1)?.count()?);
                    }
                    PeopleTag::Members => accounts = Some(next(0)?.list_id()?),
                }
                if total > fields {
                    return Err(D::Error::invalid_length(total, &InSeq(fields)));
                }
            }
        }
        Ok(match tag {
            PeopleTag::Role => {
                People::Role { role: need(role, "role")?, count: need(count, "count")? }
            }
            PeopleTag::Members => People::Members { accounts: need(accounts, "accounts")? },
        })
    }
}
