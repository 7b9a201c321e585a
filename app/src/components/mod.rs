pub mod controls;
pub mod layout;
pub mod modal;
pub mod more;
pub mod notice;
pub mod search;
