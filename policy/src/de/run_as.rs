//! A run plan's [`RunAs`] (tag `as`, unknown fields ignored).

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error};

use super::{Entries, InSeq, Tagged, Variant, need};
use crate::rules::RunAs;

/// The `as` of [`RunAs`].
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RunAsTag {
    User,
    JobGroups,
}

impl<'de> Deserialize<'de> for RunAs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = Tagged { tag: "as", name: "RunAs", _t: PhantomData::<RunAsTag> };
        let (tag, entries) = d.deserialize_any(visitor)?;
        let mut groups = None;
        match (tag, entries) {
            // A unit variant takes any object, and a sequence with nothing
            // after the tag.
            (RunAsTag::User, Entries::Map(_)) => {}
            (RunAsTag::User, Entries::Seq(items)) => {
                if !items.is_empty() {
                    return Err(D::Error::invalid_length(items.len(), &InSeq(0)));
                }
            }
            (RunAsTag::JobGroups, Entries::Map(entries)) => {
                for (key, raw) in entries {
                    let name = key.name();
                    // Other fields are ignored, as the derive did.
                    if name == "groups" {
                        if groups.is_some() {
                            return Err(D::Error::duplicate_field("groups"));
                        }
                        groups = Some(raw.list_id()?);
                    }
                }
            }
            (RunAsTag::JobGroups, Entries::Seq(items)) => {
                let total = items.len();
                let first = items.into_iter().next().ok_or_else(|| {
                    D::Error::invalid_length(0, &Variant("RunAs", "JobGroups", 1))
                })?;
                groups = Some(first.list_id()?);
                if total > 1 {
                    return Err(D::Error::invalid_length(total, &InSeq(1)));
                }
            }
        }
        Ok(match tag {
            RunAsTag::User => RunAs::User,
            RunAsTag::JobGroups => RunAs::JobGroups { groups: need(groups, "groups")? },
        })
    }
}
